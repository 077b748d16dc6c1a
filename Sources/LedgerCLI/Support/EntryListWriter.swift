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
            Console.out(LedgerEntry.columns.map(CSVCell.text).joined(separator: ","))
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
                    case .text(let s): return CSVCell.text(s)
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
