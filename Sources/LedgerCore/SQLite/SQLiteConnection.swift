import CSQLite
import Foundation

/// One SQLite connection. The raw `sqlite3*` lives only here and in `SQLiteStatement`.
///
/// Not thread-safe: use a connection from one thread at a time.
public final class SQLiteConnection {
    /// How to open the file.
    public enum Mode: Sendable {
        /// Read only; the file must exist.
        case readOnly
        /// Read and write; the file must exist.
        case readWrite
        /// Read and write; the file is created when absent.
        case create
    }

    let handle: OpaquePointer
    /// The path this connection was opened with.
    public let path: String

    /// Opens `path`, sets a busy timeout and (for writers) `synchronous=FULL`.
    public init(path: String, mode: Mode, busyTimeoutMilliseconds: Int32 = 15_000) throws {
        var flags: Int32 = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        switch mode {
        case .readOnly: flags |= SQLITE_OPEN_READONLY
        case .readWrite: flags |= SQLITE_OPEN_READWRITE
        case .create: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        }
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
            sqlite3_close_v2(db)
            throw SQLiteError(code: rc, message: message, context: "opening \(path)")
        }
        self.handle = db
        self.path = path
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, busyTimeoutMilliseconds)
        if mode != .readOnly {
            try execute("PRAGMA synchronous = FULL", context: "configuring the database")
        }
    }

    deinit { sqlite3_close_v2(handle) }

    /// Runs one or more statements that return no rows we need.
    public func execute(_ sql: String, context: String = "running SQL") throws {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        if rc != SQLITE_OK {
            let message = errorMessage.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(errorMessage)
            throw SQLiteError(code: sqlite3_extended_errcode(handle), message: message, context: context)
        }
    }

    /// Compiles `sql` into a reusable statement.
    public func prepare(_ sql: String, context: String = "preparing a query") throws -> SQLiteStatement {
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        guard rc == SQLITE_OK, let stmt else {
            throw error(rc, context: context)
        }
        return SQLiteStatement(handle: stmt, connection: self)
    }

    /// Runs `body` in a transaction (`BEGIN IMMEDIATE` when `immediate`), committing on return and
    /// rolling back on a thrown error.
    public func transaction<T>(immediate: Bool = true, context: String = "writing to the ledger", _ body: () throws -> T) throws -> T {
        try execute(immediate ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED", context: context)
        do {
            let result = try body()
            try execute("COMMIT", context: context)
            return result
        } catch {
            try? execute("ROLLBACK", context: context)
            throw error
        }
    }

    /// Rows of a query as dictionaries (for small metadata queries).
    public func rows(_ sql: String, _ arguments: [SQLValue] = [], context: String = "reading the database") throws -> [[String: SQLValue]] {
        let statement = try prepare(sql, context: context)
        try statement.bind(arguments)
        var result: [[String: SQLValue]] = []
        while try statement.step() {
            result.append(statement.row())
        }
        return result
    }

    /// The first column of the first row, or `.null`.
    public func scalar(_ sql: String, _ arguments: [SQLValue] = [], context: String = "reading the database") throws -> SQLValue {
        let statement = try prepare(sql, context: context)
        try statement.bind(arguments)
        return try statement.step() ? statement.value(at: 0) : .null
    }

    /// The SQLite library version, e.g. `3.40.1`.
    public static var libraryVersion: String { String(cString: sqlite3_libversion()) }

    func error(_ rc: Int32, context: String) -> SQLiteError {
        SQLiteError(code: sqlite3_extended_errcode(handle), message: String(cString: sqlite3_errmsg(handle)), context: context)
    }
}
