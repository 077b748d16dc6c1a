import Foundation

/// A failing SQLite call. The message is SQLite's own (`sqlite3_errmsg`), which
/// never contains bound values; the SQL text of our statements holds no data either.
public struct SQLiteError: Error, LocalizedError, Equatable {
    /// SQLite's extended result code.
    public let code: Int32
    /// SQLite's message.
    public let message: String
    /// What the ledger was doing.
    public let context: String

    public var errorDescription: String? { "\(context): \(message) (SQLite code \(code))" }

    /// The file is not a SQLite database (SQLITE_NOTADB, 26) or is damaged (SQLITE_CORRUPT, 11).
    public var isNotADatabase: Bool { code & 0xff == 26 || code & 0xff == 11 }
}

/// A value in a SQLite column.
public enum SQLValue: Sendable, Equatable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    /// The text, if this is text.
    public var text: String? { if case let .text(s) = self { s } else { nil } }
    /// The integer, if this is an integer.
    public var integer: Int64? { if case let .integer(i) = self { i } else { nil } }
}

extension Optional where Wrapped == String {
    /// `.text` or `.null`.
    var sqlValue: SQLValue { map { .text($0) } ?? .null }
}

extension Optional where Wrapped == Int64 {
    /// `.integer` or `.null`.
    var sqlValue: SQLValue { map { .integer($0) } ?? .null }
}
