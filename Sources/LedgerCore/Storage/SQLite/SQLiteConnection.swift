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
    /// True when a read-only connection had to read the file as immutable: the database sits
    /// in a directory this user cannot write (an auditor's read-only copy), so SQLite could not
    /// create the shared-memory file that WAL readers use.
    public let isImmutableSnapshot: Bool

    /// Opens `path`, sets a busy timeout and (for writers) `synchronous=FULL`.
    ///
    /// A file created here is created with mode 0600 (SQLite's -wal and -shm files inherit it).
    /// Reading never needs write access: when a read-only open cannot set up WAL shared memory
    /// (read-only directory or file), the file is read as immutable, provided no -wal file with
    /// unmerged entries sits beside it (then the open fails and says why, rather than silently
    /// reading an older state).
    public init(path: String, mode: Mode, busyTimeoutMilliseconds: Int32 = 15_000) throws {
        var flags: Int32 = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        switch mode {
        case .readOnly: flags |= SQLITE_OPEN_READONLY
        case .readWrite: flags |= SQLITE_OPEN_READWRITE
        case .create:
            flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
            // Owner-only from the first byte: the ledger names people, models and API key ids.
            let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            guard fd >= 0 else {
                throw SQLiteError(code: SQLITE_CANTOPEN, message: String(cString: strerror(errno)), context: "creating \(path)")
            }
            close(fd)
        }
        var handle = try Self.openHandle(path, flags: flags)
        var immutable = false
        if mode == .readOnly, let rc = Self.probeFailure(handle), Self.isReadOnlyAccessFailure(rc) {
            // A read-only copy: SQLite could not create or open the -shm file next to it.
            sqlite3_close_v2(handle)
            let wal = path + "-wal"
            var st = stat()
            if stat(wal, &st) == 0, st.st_size > 0 {
                throw SQLiteError(
                    code: rc,
                    message: "\(wal) holds entries not yet merged into the database, and this user cannot write to the directory to read them; "
                        + "copy the database together with its -wal file into a writable directory, or ask its owner to run "
                        + "`sqlite3 DB 'PRAGMA wal_checkpoint(TRUNCATE)'`",
                    context: "opening \(path) read-only")
            }
            handle = try Self.openHandle(Self.immutableURI(path), flags: flags | SQLITE_OPEN_URI)
            immutable = true
        }
        self.handle = handle
        self.path = path
        self.isImmutableSnapshot = immutable
        sqlite3_extended_result_codes(handle, 1)
        sqlite3_busy_timeout(handle, busyTimeoutMilliseconds)
        if mode != .readOnly {
            try execute("PRAGMA synchronous = FULL", context: "configuring the database")
        }
    }

    private static func openHandle(_ name: String, flags: Int32) throws -> OpaquePointer {
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(name, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
            sqlite3_close_v2(db)
            throw SQLiteError(code: rc, message: message, context: "opening \(name)")
        }
        return db
    }

    /// Runs a first read; the extended result code when it fails (opening is lazy in SQLite).
    private static func probeFailure(_ db: OpaquePointer) -> Int32? {
        let rc = sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", nil, nil, nil)
        return rc == SQLITE_OK ? nil : sqlite3_extended_errcode(db)
    }

    private static func isReadOnlyAccessFailure(_ rc: Int32) -> Bool {
        let primary = rc & 0xFF
        return primary == SQLITE_READONLY || primary == SQLITE_CANTOPEN
    }

    /// `file:` URI for `path` with `mode=ro&immutable=1`, percent-encoding what URIs reserve.
    static func immutableURI(_ path: String) -> String {
        var encoded = ""
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "/"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                encoded += "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 0xF, radix: 16, uppercase: true)
            }
        }
        return "file:" + encoded + "?mode=ro&immutable=1"
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
