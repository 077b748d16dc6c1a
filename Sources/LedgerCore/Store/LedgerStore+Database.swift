import Foundation

extension LedgerStore {
    /// Creates the ledger (SQLite: a new file, as `create(path:…)`; PostgreSQL: the schema in an
    /// existing database that holds no ledger yet — `LedgerError.ledgerExists` when it holds entries)
    /// and writes `ledger.created`. The key ring is asked for only once the database is the caller's.
    public static func create(
        database: LedgerDatabase, provenance: Provenance, details: [String: JSONValue] = [:], keyRing makeKeyRing: () throws -> KeyRing
    ) throws -> (LedgerStore, LedgerEntry) {
        switch database {
        case .sqlite(let path):
            return try create(path: path, provenance: provenance, details: details, keyRing: makeKeyRing)
        case .postgresql(let url):
            do {
                let storage = try PostgreSQLLedgerStorage.create(url: url)
                let keyRing = try makeKeyRing()
                let store = LedgerStore(storage: storage, ledgerID: UUID().uuidString.lowercased())
                var draft = EntryDraft(kind: EntryKind.ledgerCreated)
                var facts = details
                facts["format_version"] = .integer(formatVersion)
                draft.details = facts
                // Under the write lock: another `ledger init` may have written its first entry meanwhile.
                let first = try store.append(contentsOf: [draft], keyRing: keyRing, provenance: provenance) { store, drafts in
                    if try store.storage.maxSeq() != nil { throw LedgerError.ledgerExists(path: storage.location) }
                    return drafts
                }[0]
                return (store, first)
            } catch {
                throw LedgerError.wrap(error)
            }
        }
    }

    /// Opens an existing ledger. Writers apply pending migrations; readers only check them.
    public static func open(database: LedgerDatabase, writable: Bool) throws -> LedgerStore {
        switch database {
        case .sqlite(let path):
            return try open(path: path, writable: writable)
        case .postgresql(let url):
            do {
                let storage = try PostgreSQLLedgerStorage.open(url: url, writable: writable)
                guard let ledgerID = try storage.firstLedgerID() else {
                    throw LedgerError.notALedger(path: storage.location, detail: "it holds no entries")
                }
                return LedgerStore(storage: storage, ledgerID: ledgerID)
            } catch {
                throw LedgerError.wrap(error)
            }
        }
    }

    /// Where the ledger lives, as a `LedgerDatabase` kind: true for PostgreSQL.
    public var isPostgreSQL: Bool { storage is PostgreSQLLedgerStorage }
}
