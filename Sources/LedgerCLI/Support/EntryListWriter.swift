import Foundation
import LedgerCore

/// Streams entries as a table, a JSON array or CSV.
struct EntryListWriter {
    let format: ListFormat
    let unresolved: Set<Int64>
    private var count = 0

    init(format: ListFormat, unresolved: Set<Int64>) {
        self.format = format
        self.unresolved = unresolved
    }

    mutating func begin() {
        switch format {
        case .table:
            Console.out(Console.styled(row(["SEQ", "RECORDED_AT", "KIND", "ACTOR", "MODEL", "RETRAIN_JOB", "OUTCOME", "NOTE"]), .bold))
        case .csv:
            Console.out(LedgerEntry.columns.map(csvField).joined(separator: ","))
        case .json:
            break
        }
    }

    mutating func write(_ entry: LedgerEntry) {
        count += 1
        switch format {
        case .table:
            let isUnresolved = unresolved.contains(entry.seq)
            var note = entry.errorMessage ?? entry.reason ?? ""
            if isUnresolved { note = "unresolved — outcome unknown" + (note.isEmpty ? "" : "; \(note)") }
            if entry.kind == EntryKind.jobChecked, let status = entry.detailsObject?["status"]?.stringValue {
                note = "status \(status)"
            }
            // Every stored value is shown escaped: a newline in a reason cannot forge a row,
            // an ESC or OSC sequence cannot reach the terminal.
            let line = row(
                [
                    String(entry.seq), entry.recordedAt, entry.kind.rawValue, entry.actor, entry.model ?? "-",
                    entry.retrainJobID ?? "-", entry.outcome?.rawValue ?? (isUnresolved ? "unknown" : "-"), note,
                ].map(DisplayText.terminal))
            Console.out(isUnresolved ? Console.styled(line, .yellow) : line)
        case .csv:
            Console.out(
                entry.columnValues.map { value -> String in
                    switch value.value {
                    case .null: return ""
                    case .integer(let i): return String(i)
                    case .text(let s): return csvField(s)
                    case .real, .blob: return ""
                    }
                }.joined(separator: ","))
        case .json:
            var object = entry.jsonValue.objectValue ?? [:]
            if unresolved.contains(entry.seq) { object["unresolved"] = .bool(true) }
            Console.out(
                (count == 1 ? "[\n" : ",\n") + JSONValue.object(object).prettyPrinted().split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
        }
    }

    func end() {
        if format == .json { Console.out(count == 0 ? "[]" : "\n]") }
    }

    private func row(_ fields: [String]) -> String {
        let widths = [6, 26, 18, 19, 10, 23, 10, 0]
        return zip(fields, widths).map { field, width in
            let clipped = width > 0 && field.count > width - 1 ? String(field.prefix(width - 2)) + "…" : field
            return width > 0 ? clipped.padding(toLength: width, withPad: " ", startingAt: 0) : clipped
        }.joined()
    }
}

/// One CSV cell of text: formula-neutralised (see ``csvNeutralisedFormula(_:)``), then RFC 4180 quoted.
///
/// The test for quoting and the doubling of quotes work on UTF-8 bytes, not on `Character`s:
/// `"\r\n"` is one `Character`, and a `,` or `"` followed by a combining mark is another, so a
/// `Character` comparison would let a CRLF split the row or a comma split the cell.
func csvField(_ text: String) -> String {
    csvQuoted(csvNeutralisedFormula(text))
}

/// One CSV cell of a numeric column: written as is when it is an integer the tool produced
/// (`-?[0-9]+`, which a spreadsheet reads as a number, never as a formula); any other text is
/// treated like ``csvField(_:)``.
func csvNumericField(_ text: String) -> String {
    let bytes = Array(text.utf8)
    let digits = bytes.first == UInt8(ascii: "-") ? bytes.dropFirst() : bytes[...]
    if !digits.isEmpty, digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) { return text }
    return csvField(text)
}

/// `text` prefixed with `'` when a spreadsheet could read it as a formula (OWASP "CSV
/// Injection"): when it begins with `=`, `+`, `-`, `@`, TAB (0x09), CR (0x0D) or LF (0x0A), or
/// with the full-width forms `＝` `＋` `－` `＠` (U+FF1D, U+FF0B, U+FF0D, U+FF20) that some
/// spreadsheets also accept. Everything after the first character is kept exactly, so a reader
/// strips one leading `'` from such a cell to get the stored value back.
func csvNeutralisedFormula(_ text: String) -> String {
    guard let first = text.unicodeScalars.first else { return text }
    switch first.value {
    case 0x3D, 0x2B, 0x2D, 0x40, 0x09, 0x0D, 0x0A, 0xFF1D, 0xFF0B, 0xFF0D, 0xFF20: return "'" + text
    default: return text
    }
}

/// RFC 4180 quoting: the cell in double quotes, with `"` doubled, when it holds `,`, `"`, CR or LF.
func csvQuoted(_ text: String) -> String {
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
