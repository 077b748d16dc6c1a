import Foundation

/// The SQLite adapter of the storage port: the only place (with its `+…` extension files and the
/// `SQLite*` files beside it) where the SQLite backend's SQL is written.
///
/// One instance wraps one connection; use it from one thread at a time. Concurrent processes are
/// safe: every append runs in `BEGIN IMMEDIATE`, so the chain stays linear.
public final class SQLiteLedgerStorage {
    /// The database file.
    public let path: String
    /// The connection. Internal: callers outside the adapter go through the storage port.
    let connection: SQLiteConnection

    init(path: String, connection: SQLiteConnection) {
        self.path = path
        self.connection = connection
    }
}
