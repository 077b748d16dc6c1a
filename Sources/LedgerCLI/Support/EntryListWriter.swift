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
            // Every column, db_role included (empty for rows SQLite wrote): rows line up with the header.
            Console.out(LedgerEntry.allColumns.map(CSVCell.text).joined(separator: ","))
        case .json:
            break
        }
    }

    mutating func write(_ entry: LedgerEntry) {
        write(document: EntryPresentation.document(entry, unresolved: unresolved.contains(entry.seq)))
    }

    /// Writes one entry's document (``EntryPresentation/document(_:unresolved:)``, or an element of a
    /// service's log answer).
    mutating func write(document: JSONValue) {
        count += 1
        switch format {
        case .table:
            let isUnresolved = document["unresolved"] == .bool(true)
            let string = { (key: String) in document[key]?.stringValue }
            var note = string("error_message") ?? string("reason") ?? ""
            if isUnresolved { note = "unresolved — outcome unknown" + (note.isEmpty ? "" : "; \(note)") }
            if string("kind") == EntryKind.jobChecked.rawValue, let status = document["details"]?["status"]?.stringValue {
                note = "status \(status)"
            }
            // Every stored value is shown escaped: a newline in a reason cannot forge a row,
            // an ESC or OSC sequence cannot reach the terminal.
            let line = row(
                [
                    document["seq"]?.integerValue.map(String.init) ?? "?", string("recorded_at") ?? "?", string("kind") ?? "?", string("actor") ?? "?",
                    string("model") ?? "-", string("retrain_job_id") ?? "-", string("outcome") ?? (isUnresolved ? "unknown" : "-"), note,
                ].map(DisplayText.terminal))
            Console.out(isUnresolved ? Console.styled(line, .yellow) : line)
        case .csv:
            Console.out(
                EntryPresentation.allColumns(of: document).map { column -> String in
                    switch column.value {
                    case .integer(let i): return String(i)
                    case .string(let s): return CSVCell.text(s)
                    default: return ""
                    }
                }.joined(separator: ","))
        case .json:
            Console.out(
                (count == 1 ? "[\n" : ",\n") + document.prettyPrinted().split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
        }
    }

    /// Writes a whole log document (an array of entry documents: a service's answer).
    mutating func write(logDocument: JSONValue) {
        begin()
        if case .array(let entries) = logDocument { for entry in entries { write(document: entry) } }
        end()
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
