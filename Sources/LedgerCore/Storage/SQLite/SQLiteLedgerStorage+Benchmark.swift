// What `ledger-bench` needs from the SQLite backend, kept here so that the bench holds no SQL:
// the machine's limit for `ledger verify` (a bare scan of the rows) and a WAL checkpoint after
// generating a ledger. `@_spi(Benchmark)`: not part of LedgerCore's API for anyone else.

@_spi(Benchmark)
extension SQLiteLedgerStorage {
    /// The version of the SQLite library in use (e.g. "3.45.1").
    public static var libraryVersion: String { SQLiteConnection.libraryVersion }

    /// Reads every column of every entry of the ledger at `path` in seq order, touching the bytes
    /// (integers summed, text lengths summed) and nothing else: the lower bound of any scan the
    /// verifier does. Opens its own read-only connection. Returns the (meaningless) checksum so
    /// that the work cannot be optimised away.
    public static func scanEveryColumn(ofLedgerAt path: String) throws -> Int {
        let connection = try SQLiteConnection(path: path, mode: .readOnly)
        let statement = try connection.prepare("SELECT * FROM entries ORDER BY seq", context: "scanning the entries")
        let columns = statement.columnCount
        var total = 0
        while try statement.step() {
            for i in 0..<columns {
                switch statement.storageClass(at: i) {
                case .integer: total &+= Int(truncatingIfNeeded: statement.int64(at: i))
                case .text: total &+= statement.withText(at: i) { $0.count }
                default: break
                }
            }
        }
        return total
    }

    /// Moves the write-ahead log into the database file and truncates it
    /// (`PRAGMA wal_checkpoint(TRUNCATE)`), so every measurement starts from the same files.
    public func checkpointWriteAheadLog() throws {
        try connection.execute("PRAGMA wal_checkpoint(TRUNCATE)", context: "checkpointing the write-ahead log")
    }
}
