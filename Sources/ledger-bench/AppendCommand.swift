import ArgumentParser
import Foundation
import LedgerCore

/// `ledger-bench append --db PATH --key-file PATH --count N [--batch B]`: appends N entries in
/// transactions of B entries each (the last may be shorter) through `LedgerStore.append(contentsOf:)`,
/// writing `appended X/N head_seq S` on stdout (unbuffered) after each commit. Creates the key file
/// and the ledger when they do not exist (the ledger's first entry is then `ledger.created`).
/// A bulk writer for crash tests, not a benchmark.
struct AppendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "append",
        abstract: "Append N sample entries in transactions of B, printing one line per committed batch (for crash tests).")

    @Option(help: ArgumentHelp("The ledger: a SQLite path or a postgresql:// URL (created when missing).", valueName: "db")) var db: String
    @Option(help: ArgumentHelp("Its key file (created when missing).", valueName: "path")) var keyFile: String
    @Option(help: ArgumentHelp("How many entries to append (0 or more).", valueName: "n")) var count: Int
    @Option(help: ArgumentHelp("Entries per transaction (1 or more).", valueName: "n")) var batch = 1_000

    func validate() throws {
        guard count >= 0 else { throw ValidationError("--count must be 0 or more") }
        guard batch >= 1 else { throw ValidationError("--batch must be 1 or more") }
    }

    func run() throws {
        try reportingFailures {
            let ring = FileManager.default.fileExists(atPath: keyFile) ? try KeyFile.load(path: keyFile) : try KeyFile.create(path: keyFile)
            let provenance = Provenance(actor: "ledger-bench", osUser: "bench", host: "bench")
            let database = LedgerDatabase(db)
            let store: LedgerStore
            switch database {
            case .sqlite(let path) where !FileManager.default.fileExists(atPath: path):
                store = try LedgerStore.create(database: database, provenance: provenance) { ring }.0
            case .postgresql:
                // A database without the ledger's schema gets it (PostgreSQL: the schema in an existing database).
                if let open = try? LedgerStore.open(database: database, writable: true) {
                    store = open
                } else {
                    store = try LedgerStore.create(database: database, provenance: provenance) { ring }.0
                }
            default:
                store = try LedgerStore.open(database: database, writable: true)
            }
            var written = 0
            while written < count {
                let drafts = (written..<min(count, written + batch)).map(SampleEntries.draft)
                let entries = try store.append(contentsOf: drafts, keyRing: ring, provenance: provenance)
                written += drafts.count
                let line = Array("appended \(written)/\(count) head_seq \(entries.last?.seq ?? 0)\n".utf8)
                _ = line.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
            }
        }
    }
}
