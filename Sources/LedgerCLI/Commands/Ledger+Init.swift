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

                With --db postgresql://… (or LEDGER_DB) the schema is created in an existing
                PostgreSQL database that holds no ledger yet; run it as the role that is to own
                the tables (README: PostgreSQL). The key file is kept as for SQLite.

                Back the key file up separately from the database: without it the ledger
                cannot be verified, and whoever holds it can sign entries.

                Examples:
                  ledger init --db ./ledger.sqlite --key-file ./ledger.key --actor alice
                  ledger init --db 'postgresql://ledger_owner@/ledger?host=/run/postgresql' --key-file ./ledger.key
                """)

        @OptionGroup var options: LedgerOptions
        @OptionGroup var who: ActorOptions
        @Option(help: "Output format: text or json.") var format: TextOrJSON = .text

        func run() async throws {
            try await runReportingErrors {
                // The database path is claimed (created exclusively) before the key file is touched: of two
                // `ledger init` racing on one path, the loser says the ledger exists and creates no key.
                let location = options.location
                let created = try LedgerSession.create(location, provenance: who.provenance)
                // A PostgreSQL URL is shown without its password.
                let shown = LedgerLocation(databasePath: location.database.description, keyFilePath: location.keyFilePath)
                WriteOutput.print(created, location: shown, format: format)
            }
        }
    }
}
