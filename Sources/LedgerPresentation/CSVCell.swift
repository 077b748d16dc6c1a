/// CSV cells (RFC 4180), neutralised against spreadsheet formulas: shared by `ledger log --format csv`
/// and the CSV reports.
public enum CSVCell {
    /// One CSV cell of text: formula-neutralised (see ``neutralisedFormula(_:)``), then RFC 4180 quoted.
    ///
    /// The test for quoting and the doubling of quotes work on UTF-8 bytes, not on `Character`s:
    /// `"\r\n"` is one `Character`, and a `,` or `"` followed by a combining mark is another, so a
    /// `Character` comparison would let a CRLF split the row or a comma split the cell.
    public static func text(_ text: String) -> String {
        quoted(neutralisedFormula(text))
    }

    /// One CSV cell of a numeric column: written as is when it is an integer the tool produced
    /// (`-?[0-9]+`, which a spreadsheet reads as a number, never as a formula); any other text is
    /// treated like ``text(_:)``.
    public static func number(_ text: String) -> String {
        let bytes = Array(text.utf8)
        let digits = bytes.first == UInt8(ascii: "-") ? bytes.dropFirst() : bytes[...]
        if !digits.isEmpty, digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) { return text }
        return Self.text(text)
    }

    /// `text` prefixed with `'` when a spreadsheet could read it as a formula (OWASP "CSV
    /// Injection"): when it begins with `=`, `+`, `-`, `@`, TAB (0x09), CR (0x0D) or LF (0x0A), or
    /// with the full-width forms `＝` `＋` `－` `＠` (U+FF1D, U+FF0B, U+FF0D, U+FF20) that some
    /// spreadsheets also accept. Everything after the first character is kept exactly, so a reader
    /// strips one leading `'` from such a cell to get the stored value back.
    public static func neutralisedFormula(_ text: String) -> String {
        guard let first = text.unicodeScalars.first else { return text }
        switch first.value {
        case 0x3D, 0x2B, 0x2D, 0x40, 0x09, 0x0D, 0x0A, 0xFF1D, 0xFF0B, 0xFF0D, 0xFF20: return "'" + text
        default: return text
        }
    }

    /// RFC 4180 quoting: the cell in double quotes, with `"` doubled, when it holds `,`, `"`, CR or LF.
    public static func quoted(_ text: String) -> String {
        let needsQuotes = text.utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }
        guard needsQuotes else { return text }
        var out = [UInt8]()
        out.reserveCapacity(text.utf8.count + 8)
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            out.append(byte)
            if byte == UInt8(ascii: "\"") { out.append(byte) }
        }
        out.append(UInt8(ascii: "\""))
        return String(decoding: out, as: UTF8.self)
    }
}
