import CSQLite

/// A compiled statement. Raw `sqlite3_stmt*` access is confined to this file and, for the
/// verifier's hot path, `SQLiteRowScanner` (reading column values in place).
public final class SQLiteStatement {
    let handle: OpaquePointer
    private let connection: SQLiteConnection

    init(handle: OpaquePointer, connection: SQLiteConnection) {
        self.handle = handle
        self.connection = connection
    }

    deinit { sqlite3_finalize(handle) }

    /// Resets the statement and binds `values` to `?1`, `?2`, ….
    public func bind(_ values: [SQLValue]) throws {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        for (i, value) in values.enumerated() {
            let index = Int32(i + 1)
            let rc: Int32
            switch value {
            case .null: rc = sqlite3_bind_null(handle, index)
            case .integer(let v): rc = sqlite3_bind_int64(handle, index, v)
            case .real(let v): rc = sqlite3_bind_double(handle, index, v)
            case .text(let v):
                // By byte length, never NUL-terminated: a value holding U+0000 is stored whole.
                var text = v
                rc = text.withUTF8 { utf8 in
                    utf8.withMemoryRebound(to: CChar.self) { chars in
                        guard let base = chars.baseAddress else {
                            return sqlite3_bind_text64(handle, index, "", 0, SQLITE_TRANSIENT_PTR, UInt8(SQLITE_UTF8))
                        }
                        return sqlite3_bind_text64(handle, index, base, sqlite3_uint64(chars.count), SQLITE_TRANSIENT_PTR, UInt8(SQLITE_UTF8))
                    }
                }
            case .blob(let v):
                rc = v.withUnsafeBytes {
                    // An empty blob binds as a zero-length blob (a nil pointer would bind NULL).
                    guard let base = $0.baseAddress else { return sqlite3_bind_zeroblob(handle, index, 0) }
                    return sqlite3_bind_blob64(handle, index, base, sqlite3_uint64($0.count), SQLITE_TRANSIENT_PTR)
                }
            }
            guard rc == SQLITE_OK else { throw connection.error(rc, context: "binding a query parameter") }
        }
    }

    /// Advances to the next row: true when a row is available, false when done.
    @inline(__always)
    public func step(context: String = "reading the ledger") throws -> Bool {
        let rc = sqlite3_step(handle)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        throw connection.error(rc, context: context)
    }

    /// Runs a statement that returns no rows.
    public func run(_ values: [SQLValue] = [], context: String = "writing to the ledger") throws {
        try bind(values)
        while try step(context: context) {}
        sqlite3_reset(handle)
    }

    /// Number of result columns.
    public var columnCount: Int { Int(sqlite3_column_count(handle)) }

    /// Name of result column `index`.
    public func columnName(_ index: Int) -> String {
        // A column *name* is a NUL-terminated C string by SQLite's API (there is no byte-length
        // variant, and names never hold NUL); column *values* are read by length below.
        guard let name = sqlite3_column_name(handle, Int32(index)) else { return "" }
        return String(cString: name)
    }

    /// The value of column `index` of the current row.
    public func value(at index: Int) -> SQLValue {
        let i = Int32(index)
        switch sqlite3_column_type(handle, i) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(handle, i))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(handle, i))
        case SQLITE_TEXT:
            // By byte length: a NUL inside the value is kept, not treated as its end.
            let count = Int(sqlite3_column_bytes(handle, i))
            guard count > 0, let p = sqlite3_column_text(handle, i) else { return .text("") }
            return .text(String(decoding: UnsafeRawBufferPointer(start: p, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(handle, i))
            guard count > 0, let p = sqlite3_column_blob(handle, i) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: p, count: count)))
        default: return .null
        }
    }

    /// The current row as a dictionary keyed by column name.
    public func row() -> [String: SQLValue] {
        var row: [String: SQLValue] = [:]
        for i in 0..<columnCount { row[columnName(i)] = value(at: i) }
        return row
    }

    // MARK: Fast column access for the verifier's scan

    /// The storage class of column `index` of the current row.
    @inline(__always)
    public func storageClass(at index: Int) -> SQLStorageClass {
        switch sqlite3_column_type(handle, Int32(index)) {
        case SQLITE_INTEGER: return .integer
        case SQLITE_FLOAT: return .real
        case SQLITE_TEXT: return .text
        case SQLITE_BLOB: return .blob
        default: return .null
        }
    }

    /// The integer in column `index` of the current row.
    @inline(__always)
    public func int64(at index: Int) -> Int64 { sqlite3_column_int64(handle, Int32(index)) }

    /// Calls `body` with the UTF-8 bytes of column `index` (valid only during the call, no copy).
    @inline(__always)
    public func withText<R>(at index: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let i = Int32(index)
        let p = sqlite3_column_text(handle, i)
        let count = Int(sqlite3_column_bytes(handle, i))
        return try body(UnsafeRawBufferPointer(start: p, count: p == nil ? 0 : count))
    }
}

/// SQLite's storage classes.
public enum SQLStorageClass: Sendable {
    case null, integer, real, text, blob
}

// SQLITE_TRANSIENT is a macro Swift cannot import: ((sqlite3_destructor_type)-1).
private let SQLITE_TRANSIENT_PTR = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
