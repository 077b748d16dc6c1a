import Foundation

/// A SQL statement and its arguments, built together: every value is bound to the numbered
/// placeholder that the builder writes for it, so no caller edits SQL text to renumber `?`.
///
/// The column names and operators come from this library's code, never from input; values only
/// ever travel as bound arguments.
struct SQLQuery {
    /// The statement text.
    private(set) var sql: String
    /// The values, in placeholder order (`?1` is `arguments[0]`).
    private(set) var arguments: [SQLValue]

    /// A statement with no arguments yet.
    init(_ sql: String, _ arguments: [SQLValue] = []) {
        self.sql = sql
        self.arguments = arguments
    }

    /// A placeholder bound to `value` (`?N`).
    mutating func bind(_ value: SQLValue) -> String {
        arguments.append(value)
        return "?\(arguments.count)"
    }

    /// Appends SQL text (no values in it).
    mutating func append(_ text: String) {
        sql += text
    }
}

/// Conditions joined with AND, each comparing one column with one bound value.
struct SQLConditions {
    /// A comparison the builder may write.
    enum Comparison: String {
        case equals = "="
        case atLeast = ">="
        case atMost = "<="
    }

    private(set) var clauses: [String] = []
    private var query: SQLQuery

    /// Conditions whose placeholders continue after `arguments`.
    init(after arguments: [SQLValue] = []) {
        query = SQLQuery("", arguments)
    }

    /// `column op ?N`, with `value` bound to `?N`. Nil adds nothing.
    mutating func add(_ column: String, _ comparison: Comparison = .equals, _ value: SQLValue?) {
        guard let value else { return }
        clauses.append("\(column) \(comparison.rawValue) \(query.bind(value))")
    }

    /// A condition written with its placeholders already bound through `bind`.
    mutating func add(_ clause: (inout SQLQuery) -> String) {
        clauses.append(clause(&query))
    }

    /// Every value bound so far, in placeholder order.
    var arguments: [SQLValue] { query.arguments }

    /// `WHERE a AND b …`, or the empty string.
    var whereClause: String { clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ") }
}

/// A constant of the format written into SQL text as a literal. Only for the partial indexes of
/// `migrations/sqlite/`: SQLite uses a partial index only when the query's text implies the index's
/// `WHERE`, which a bound parameter does not. The values come from `EntryKind`/`Outcome`, never input.
protocol SQLLiteralConstant: RawRepresentable where RawValue == String {}

extension SQLLiteralConstant {
    /// `'value'`, single quotes doubled.
    var sqlLiteral: String { "'" + rawValue.replacingOccurrences(of: "'", with: "''") + "'" }
}

extension EntryKind: SQLLiteralConstant {}
extension Outcome: SQLLiteralConstant {}
