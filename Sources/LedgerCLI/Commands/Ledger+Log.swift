import ArgumentParser
import Foundation
import LedgerCore

extension Ledger {
    /// `ledger log`: lists entries.
    struct Log: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "log",
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
        @OptionGroup var remote: RemoteOptions
        @OptionGroup var ca: RemoteCAFileOption
        @Option(help: "Show the newest N matching entries (0 = all).") var limit: Int = 50
        @Option(help: "Only entries of this kind, e.g. switch.completed.") var kind: String?
        @Option(help: "Only entries about this model.") var model: String?
        @Option(help: "Output format: table, json or csv.") var format: ListFormat = .table

        func validate() throws {
            if limit < 0 { throw ValidationError("--limit must be 0 (all) or more") }
            if let model { try validateName(model, flag: "--model") }
        }

        func run() async throws {
            let remoteQuery = RemoteRun.query([("limit", String(limit)), ("kind", kind), ("model", model)])
            let remoteHandled = try await RemoteRun.ifRemote(remote, caFile: ca.caFile, localOnly: RemoteRun.localOnly(options)) { client in
                try await RemoteRun.document(client, .get, "/v1/log", query: remoteQuery) { document in
                    var writer = EntryListWriter(format: format, unresolved: [])
                    writer.write(logDocument: document)
                }
            }
            if remoteHandled { return }
            try await runReportingErrors {
                let store = try options.openForReading()
                var filter = EntryFilter()
                filter.kind = kind.map(EntryKind.init(rawValue:))
                filter.model = model
                filter.lastN = limit == 0 ? nil : limit
                let unresolved = Set(try store.unresolvedSwitchSeqs())
                var writer = EntryListWriter(format: format, unresolved: unresolved)
                writer.begin()
                try store.forEachEntry(matching: filter) { writer.write($0) }
                writer.end()
            }
        }
    }
}
