import ArgumentParser
import Foundation
import LedgerCore
import LedgerWorkflows

extension Ledger {
    /// `ledger copy`: copies a ledger into an empty database, SQLite or PostgreSQL, keeping every mac.
    struct Copy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "copy",
            abstract: "Copy the ledger into an empty database (SQLite or PostgreSQL), keeping every mac.",
            discussion: """
                Streams every entry of the ledger (--db, LEDGER_DB, …) in seq order and inserts it
                unchanged into --to: a SQLite path where no file exists yet, or a PostgreSQL
                database (postgresql://…) that holds no ledger (the schema is created in it). The
                same columns and the same macs: the copy verifies with the same key file and has
                the same head mac. Either direction; no key is needed (nothing is signed).

                Before anything is committed every source row is checked against the chain rules
                (seq, ledger_id, links, key lifecycle, as stored); afterwards the destination is read
                back through the same checks and must hold the same rows, byte for byte, and the
                same head. A destination that is not empty is refused and nothing is written.
                Progress is shown on stderr every 100,000 rows when stderr is a terminal.

                Copying into PostgreSQL runs as the owner of the schema's tables (the owner may
                insert rows whose db_role is another role's, or none); point the writers at the copy
                afterwards and stop writing to the source: two ledgers that grow apart from one
                copy are two ledgers.

                Exit status: 0 copied and checked, 6 the source does not verify (nothing copied),
                64 usage, 74 the destination is not empty, or a database cannot be read or written.

                Examples:
                  ledger copy --db ./ledger.sqlite --to 'postgresql://ledger_owner@/ledger?host=/run/postgresql'
                  ledger copy --db 'postgresql://ledger_owner@/ledger?host=/run/postgresql' --to ./ledger-copy.sqlite --format json
                """)

        @OptionGroup var options: LedgerOptions
        @Option(
            name: .customLong("to"),
            help: ArgumentHelp("The empty destination: a new SQLite path, or a postgresql:// URL of a database holding no ledger.", valueName: "db"))
        var to: String
        @Option(help: "Output format: text or json.") var format: TextOrJSON = .text

        func validate() throws {
            if to.isEmpty { throw ValidationError("--to must not be empty") }
        }

        func run() async throws {
            try await runReportingErrors {
                let destination = LedgerDatabase(to).isPostgreSQL ? to : Paths.expand(to)
                let result: LedgerCopyResult
                do {
                    result = try CopyService.run(source: options.databasePath, destination: destination) { n in
                        Console.progress("copying… \(n.formatted()) entries")
                    }
                } catch let error as LedgerCopyError {
                    let code: LedgerExitCode =
                        switch error.reason {
                        case .sourceDoesNotVerify: .ledgerUnsafe
                        case .sameDatabase: .usage
                        case .destinationNotEmpty, .destinationDiffers: .ledgerError
                        }
                    throw CLIError(message: error.message, exitCode: code)
                }
                Console.endProgress()
                print(result)
            }
        }

        private func print(_ result: LedgerCopyResult) {
            switch format {
            case .json:
                Console.out(
                    JSONValue.object([
                        "ledger_id": .string(result.ledgerID),
                        "from": .string(result.source),
                        "to": .string(result.destination),
                        "rows": .integer(result.rows),
                        "head_seq": .integer(result.headSeq),
                        "head_mac": .string(result.headMac),
                        "verified": .bool(true),
                    ]).prettyPrinted())
            case .text:
                Console.out("Copied \(result.rows.formatted()) entries of ledger \(result.ledgerID)")
                Console.out("  from      \(DisplayText.terminal(result.source))")
                Console.out("  to        \(DisplayText.terminal(result.destination))")
                Console.out("  head      seq \(result.headSeq), mac \(result.headMac)")
                Console.out("  checked   every row and the head are the source's (\(String(format: "%.1f", result.seconds)) s)")
            }
        }
    }
}
