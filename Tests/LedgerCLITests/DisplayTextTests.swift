import LedgerCLI
import Testing

/// `DisplayText.terminal`: what human output does with control, bidi and zero-width characters.
@Suite("DisplayText: visible escapes for human output")
struct DisplayTextTests {
    @Test("plain text, printable non-ASCII and emoji come back unchanged")
    func plainTextUnchanged() {
        for text in ["", "churn", "CHG-1234 \"quoted\" ,;|", "café ✓ 日本語 👍🏽", "° £ « » ¿", "اردو", "x\u{301}"] {
            #expect(DisplayText.terminal(text) == text)
        }
    }

    @Test("every C0 control, DEL and every C1 control becomes an escape; none stays raw")
    func everyControlEscaped() {
        for value in Array(0x00...0x1F) + Array(0x7F...0x9F) {
            let scalar = Unicode.Scalar(UInt8(value))
            let shown = DisplayText.terminal("a" + String(Character(scalar)) + "b")
            #expect(!shown.unicodeScalars.contains(scalar), "U+\(String(value, radix: 16)) stayed raw")
            #expect(shown.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F }, "\(shown)")
            #expect(shown.hasPrefix("a\\") && shown.hasSuffix("b"))
        }
    }

    @Test("the notation: \\0 \\t \\n \\r, \\u{HH} for the other controls, \\u{HHHH} for bidi and zero-width")
    func notation() {
        #expect(DisplayText.terminal("\u{0}mallory") == "\\0mallory")
        #expect(DisplayText.terminal("a\tb\nc\rd") == "a\\tb\\nc\\rd")
        #expect(DisplayText.terminal("\u{1B}[31mred") == "\\u{1B}[31mred")
        #expect(DisplayText.terminal("\u{7}\u{7F}\u{85}\u{9B}") == "\\u{07}\\u{7F}\\u{85}\\u{9B}")
        #expect(DisplayText.terminal("abc\u{202E}fed") == "abc\\u{202E}fed")
        #expect(DisplayText.terminal("\u{FEFF}x\u{200B}y\u{2060}") == "\\u{FEFF}x\\u{200B}y\\u{2060}")
    }

    @Test("CRLF, one Swift Character, is escaped as two scalars")
    func crlfIsTwoEscapes() {
        let text = "line one\r\nline two"
        #expect(text.count == 17)  // "\r\n" is a single Character
        #expect(DisplayText.terminal(text) == "line one\\r\\nline two")
    }

    @Test("every bidi control, zero-width character and line separator is escaped")
    func bidiAndZeroWidth() {
        let scalars: [UInt32] = [
            0x061C, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2028, 0x2029, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E,
            0x2060, 0x2066, 0x2067, 0x2068, 0x2069, 0xFEFF,
        ]
        for value in scalars {
            guard let scalar = Unicode.Scalar(value) else { Issue.record("bad scalar"); continue }
            let shown = DisplayText.terminal("x" + String(Character(scalar)) + "y")
            #expect(shown == "x\\u{\(String(value, radix: 16, uppercase: true))}y")
        }
    }

    @Test("a literal backslash is doubled, so typed escape text never looks like a real control")
    func backslashDoubled() {
        let typed = "\\u{1B}[31m"  // the six characters a user typed, not an ESC
        let real = "\u{1B}[31m"
        #expect(DisplayText.terminal(typed) == "\\\\u{1B}[31m")
        #expect(DisplayText.terminal(real) == "\\u{1B}[31m")
        #expect(DisplayText.terminal(typed) != DisplayText.terminal(real))
        #expect(DisplayText.terminal("C:\\path") == "C:\\\\path")
        #expect("a\nb".displaySafe == "a\\nb")
    }

    @Test("the output of terminal() is stable: escaping never yields a control character")
    func noControlInOutput() {
        var all = ""
        for value in UInt32(0)...0x3000 {
            if let scalar = Unicode.Scalar(value) { all.unicodeScalars.append(scalar) }
        }
        let shown = DisplayText.terminal(all)
        #expect(!shown.unicodeScalars.contains { DisplayText.needsEscaping($0) && $0 != "\\" })
        #expect(!shown.utf8.contains { $0 < 0x20 || $0 == 0x7F })
    }
}
