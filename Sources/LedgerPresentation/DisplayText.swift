/// Neutralises text for human-readable output (terminal tables, `show`, messages, Markdown).
///
/// Values in the ledger are stored exactly as given; a reason, an actor or a service answer
/// may contain bytes a terminal interprets (ESC sequences, OSC 8 hyperlinks, OSC 0 window
/// titles, CR that rewrites a line, LF that forges a table row, bidi overrides that reorder
/// what is shown). Human output passes every such string through ``terminal(_:)`` so those
/// characters become visible, inert escapes. JSON output is not passed through it: JSON
/// escaping already neutralises controls and must round-trip the exact stored value.
///
/// Notation (Swift string-literal spelling, so a reader can paste it back into Swift):
/// - `\\` for a literal backslash (doubled, so an input that already contains the six
///   characters `\u{1B}` shows as `\\u{1B}` and stays distinguishable from a real ESC),
/// - `\0` NUL, `\t` TAB, `\n` LF, `\r` CR,
/// - `\u{HH}` / `\u{HHHH}` (upper-case hex, at least two digits) for every other escaped
///   scalar: the other C0 controls (U+0001–U+001F, ESC shows as `\u{1B}`), DEL (U+007F),
///   the C1 controls (U+0080–U+009F), the bidi controls (U+061C, U+200E, U+200F,
///   U+202A–U+202E, U+2066–U+2069), the zero-width characters (U+200B–U+200D, U+2060,
///   U+FEFF) and the line/paragraph separators (U+2028, U+2029).
///
/// Everything else, including printable non-ASCII text, is shown as is.
public enum DisplayText {
    /// `text` with every control, bidi, zero-width and separator scalar, and every
    /// backslash, replaced by its visible escape (see the type's documentation).
    ///
    /// Fast path: the UTF-8 bytes are scanned once and `text` is returned unchanged when no
    /// byte could start a scalar that needs escaping.
    public static func terminal(_ text: String) -> String {
        guard mayNeedEscaping(text) else { return text }
        var result = String()
        result.reserveCapacity(text.utf8.count + 16)
        for scalar in text.unicodeScalars {
            appendEscaped(scalar, to: &result)
        }
        return result
    }

    /// True when `scalar` is shown as an escape by ``terminal(_:)``.
    public static func needsEscaping(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x5C, 0x7F...0x9F: return true
        case 0x061C, 0x200B...0x200F, 0x2028...0x2029, 0x202A...0x202E: return true
        case 0x2060, 0x2066...0x2069, 0xFEFF: return true
        default: return false
        }
    }

    /// Appends `scalar` to `output`, escaped when ``needsEscaping(_:)`` says so.
    public static func appendEscaped(_ scalar: Unicode.Scalar, to output: inout String) {
        guard needsEscaping(scalar) else {
            output.unicodeScalars.append(scalar)
            return
        }
        switch scalar.value {
        case 0x00: output += "\\0"
        case 0x09: output += "\\t"
        case 0x0A: output += "\\n"
        case 0x0D: output += "\\r"
        case 0x5C: output += "\\\\"
        default:
            var hex = String(scalar.value, radix: 16, uppercase: true)
            if hex.count < 2 { hex = "0" + hex }
            output += "\\u{" + hex + "}"
        }
    }

    /// Conservative byte scan: false only when no scalar of `text` can need escaping.
    ///
    /// Flags ASCII controls, DEL and backslash, and the UTF-8 lead bytes of every escaped
    /// non-ASCII range (0xC2: U+0080–U+00BF, 0xD8: U+0600–U+063F, 0xE2: U+2000–U+2FFF,
    /// 0xEF: U+F000–U+FFFF); the slow path then decides per scalar.
    public static func mayNeedEscaping(_ text: String) -> Bool {
        let scan = { (bytes: UnsafeBufferPointer<UInt8>) -> Bool in
            for byte in bytes where flagged(byte) { return true }
            return false
        }
        if let answer = text.utf8.withContiguousStorageIfAvailable(scan) {
            return answer
        }
        for byte in text.utf8 where flagged(byte) { return true }
        return false
    }

    @inline(__always)
    private static func flagged(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == 0x5C || byte == 0x7F || byte == 0xC2 || byte == 0xD8
            || byte == 0xE2 || byte == 0xEF
    }
}

extension String {
    /// This string neutralised for human-readable output: see ``DisplayText/terminal(_:)``.
    public var displaySafe: String { DisplayText.terminal(self) }
}
