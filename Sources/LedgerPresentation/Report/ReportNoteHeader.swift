/// How the ledger service carries a rendered report's notes (``RenderedReport/notes`` and
/// ``RenderedReport/trailingNotes``, which the CLI prints on stderr around the body) to a client:
/// one response header per note, in order, `Ledger-Note` for the notes before the body and
/// `Ledger-Trailing-Note` for those after it. The value is the note's UTF-8 with `%` and every
/// byte outside printable ASCII (0x20–0x7E) written `%XX`, so any note is a valid header value.
public enum ReportNoteHeader {
    /// The header of a note printed before the body.
    public static let leading = "Ledger-Note"
    /// The header of a note printed after the body.
    public static let trailing = "Ledger-Trailing-Note"
    /// A client reads at most this many notes of each kind, each at most this many bytes.
    public static let maxNotes = 16
    public static let maxNoteBytes = 4096

    /// The header value of `note`.
    public static func encode(_ note: String) -> String {
        var out = ""
        for byte in note.utf8 {
            if byte >= 0x20, byte <= 0x7E, byte != UInt8(ascii: "%") {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }

    /// The note a header value carries; nil when the value is not one ``encode(_:)`` writes (a
    /// malformed `%` escape, bytes outside printable ASCII, or a note over ``maxNoteBytes``).
    /// The note may hold any character: print it escaped.
    public static func decode(_ value: String) -> String? {
        var bytes: [UInt8] = []
        var iterator = Array(value.utf8).makeIterator()
        while let byte = iterator.next() {
            guard byte >= 0x20, byte <= 0x7E else { return nil }
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
                bytes.append(high << 4 | low)
            } else {
                bytes.append(byte)
            }
            if bytes.count > maxNoteBytes { return nil }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The headers of `report`'s notes: (name, value) pairs, in order.
    public static func headers(of report: RenderedReport) -> [(name: String, value: String)] {
        report.notes.map { (leading, encode($0)) } + report.trailingNotes.map { (trailing, encode($0)) }
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
