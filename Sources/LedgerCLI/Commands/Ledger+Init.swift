import ArgumentParser
import Foundation
import LedgerCore

extension Ledger {
    /// `ledger init`: creates a ledger (and its key file when absent).
    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
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
                let dbPath = options.databasePath
                let keyPath = options.keyFilePath
                if FileManager.default.fileExists(atPath: dbPath) { throw LedgerError.ledgerExists(path: dbPath) }
                // The database path is claimed (created exclusively) before the key file is touched: of two
                // `ledger init` racing on one path, the loser says the ledger exists and creates no key.
                var keyExisted = false
                var created: KeyRing?
                let (store, first) = try LedgerStore.create(path: dbPath, provenance: who.provenance) {
                    keyExisted = FileManager.default.fileExists(atPath: keyPath)
                    let ring = keyExisted ? try KeyFile.load(path: keyPath) : try KeyFile.create(path: keyPath)
                    created = ring
                    return ring
                }
                guard let ring = created else { throw LedgerError.ledgerExists(path: dbPath) }
                switch format {
                case .json:
                    Console.out(JSONValue.object([
                        "ledger_id": .string(store.ledgerID),
                        "db": .string(dbPath),
                        "key_file": .string(keyPath),
                        "key_file_created": .bool(!keyExisted),
                        "key_id": .string(ring.active.id),
                        "seq": .integer(first.seq),
                    ]).prettyPrinted())
                case .text:
                    Console.out("Created ledger \(store.ledgerID)")
                    Console.out("  database  \(DisplayText.terminal(dbPath))")
                    Console.out("  key file  \(DisplayText.terminal(keyPath)) (\(keyExisted ? "existing" : "new, mode 0600"))")
                    Console.out("  key_id    \(ring.active.id)")
                    Console.out("  entry     seq \(first.seq) \(first.kind) at \(first.recordedAt) by \(DisplayText.terminal(first.actor))")
                    Console.out("")
                    Console.out(Console.styled("Back up the key file separately from the database:", .bold)
                        + " without it the ledger cannot be verified, and whoever holds it can sign entries.")
                }
            }
        }
    }
}
