import ArgumentParser
import Foundation
import LedgerCore

extension Ledger {
    /// `ledger log`: lists entries.
    struct Log: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List ledger entries (newest last).",
            discussion: """
                Read-only. Shows the newest --limit entries matching the filters, oldest first.
                A switch.requested that has no switch.completed is marked
                "unresolved — outcome unknown".

                Examples:
                  ledger log --limit 20
                  ledger log --kind switch.completed --model churn --format csv > switches.csv
                  ledger log --limit 0 --format json | jq '.[] | select(.outcome == "failed")'
                """)

        @OptionGroup var options: LedgerOptions
        @Option(help: "Show the newest N matching entries (0 = all).") var limit: Int = 50
        @Option(help: "Only entries of this kind, e.g. switch.completed.") var kind: String?
        @Option(help: "Only entries about this model.") var model: String?
        @Option(help: "Output format: table, json or csv.") var format: ListFormat = .table

        func validate() throws {
            if limit < 0 { throw ValidationError("--limit must be 0 (all) or more") }
        }

        func run() async throws {
            try await runReportingErrors {
                let store = try options.openForReading()
                var filter = EntryFilter()
                filter.kind = kind
                filter.model = model
                filter.lastN = limit == 0 ? nil : limit
                let unresolved = Set(try store.unresolvedSwitches().map(\.seq))
                var writer = EntryListWriter(format: format, unresolved: unresolved)
                writer.begin()
                try store.forEachEntry(matching: filter) { writer.write($0) }
                writer.end()
            }
        }
    }
}

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
            let line = row([
                String(entry.seq), entry.recordedAt, entry.kind, entry.actor, entry.model ?? "-",
                entry.retrainJobID ?? "-", entry.outcome ?? (isUnresolved ? "unknown" : "-"), note,
            ])
            Console.out(isUnresolved ? Console.styled(line, .yellow) : line)
        case .csv:
            Console.out(entry.columnValues.map { value -> String in
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
            Console.out((count == 1 ? "[\n" : ",\n") + JSONValue.object(object).prettyPrinted().split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
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

/// RFC 4180 quoting.
func csvField(_ text: String) -> String {
    if text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
    return text
}
