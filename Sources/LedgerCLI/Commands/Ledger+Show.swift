import ArgumentParser
import Foundation
import LedgerCore

extension Ledger {
    /// `ledger show SEQ`: one entry in full.
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Show one entry with every column.",
            discussion: """
                Read-only. Prints every column of the entry (NULL columns as "-" in text,
                null in JSON), including its key_id, prev_mac and mac.

                Examples:
                  ledger show 42
                  ledger show 42 --format json
                """)

        @OptionGroup var options: LedgerOptions
        @OptionGroup var remote: RemoteOptions
        @OptionGroup var ca: RemoteCAFileOption
        @Argument(help: "The entry's seq.") var seq: Int64
        @Option(help: "Output format: text or json.") var format: TextOrJSON = .text

        func validate() throws {
            if seq < 1 { throw ValidationError("SEQ must be 1 or more") }
        }

        func run() async throws {
            let remoteHandled = try await RemoteRun.ifRemote(remote, caFile: ca.caFile, localOnly: RemoteRun.localOnly(options)) { client in
                try await RemoteRun.document(client, .get, "/v1/entries/\(seq)") { document in
                    EntryOutput.print(document: document, format: format)
                }
            }
            if remoteHandled { return }
            try await runReportingErrors {
                let store = try options.openForReading()
                guard let entry = try store.entry(seq: seq) else { throw LedgerError.noSuchEntry(seq: seq) }
                switch format {
                case .json:
                    Console.out(entry.jsonValue.prettyPrinted())
                case .text:
                    let unresolved = try entry.kind == EntryKind.switchRequested && store.isUnresolved(requestSeq: entry.seq)
                    EntryOutput.printText(entry, unresolved: unresolved)
                }
            }
        }
    }
}
