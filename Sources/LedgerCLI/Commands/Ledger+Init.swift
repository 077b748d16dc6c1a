import ArgumentParser
import Foundation
import LedgerCore
import LedgerWorkflows

extension Ledger {
    /// `ledger init`: creates a ledger (and its key file when absent).
    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init",
            abstract: "Create a new ledger, and its key file if there is none.",
            discussion: """
                Creates the database, applies the schema, writes the first entry
                (kind ledger.created) and prints the ledger_id and key_id. The key file is
                created with mode 0600 when it does not exist; an existing key file is used.
                An existing ledger is never overwritten.

                Back the key file up separately from the database: without it the ledger
                cannot be verified, and whoever holds it can sign entries.

                Example:
                  ledger init --db ./ledger.sqlite --key-file ./ledger.key --actor alice
                """)

        @OptionGroup var options: LedgerOptions
        @OptionGroup var who: ActorOptions
        @Option(help: "Output format: text or json.") var format: TextOrJSON = .text

        func run() async throws {
            try await runReportingErrors {
                // The database path is claimed (created exclusively) before the key file is touched: of two
                // `ledger init` racing on one path, the loser says the ledger exists and creates no key.
                let created = try LedgerSession.create(options.location, provenance: who.provenance)
                WriteOutput.print(created, location: options.location, format: format)
            }
        }
    }
}
