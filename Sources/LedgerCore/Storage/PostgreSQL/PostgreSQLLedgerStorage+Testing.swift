// What the test support needs from the PostgreSQL backend, kept here so that tests hold no libpq:
// running administrative SQL (CREATE DATABASE, CREATE ROLE, tampering as the owner) on a URL.
// `@_spi(Testing)`: not part of LedgerCore's API for anyone else.

@_spi(Testing)
public enum PostgreSQLTestAccess {
    /// Runs `sql` (one or more statements, no parameters) on a fresh connection to `url`.
    public static func execute(url: String, _ sql: String) throws {
        try PostgreSQLConnection(url: url).execute(sql, context: "running test SQL")
    }

    /// Runs one statement with parameters (text as the format's bytes, integers as int8) and
    /// returns its rows.
    public static func rows(url: String, _ sql: String, _ arguments: [SQLValue] = []) throws -> [[String: SQLValue]] {
        try PostgreSQLConnection(url: url).run(PostgreSQLQuery(sql, arguments), context: "running test SQL").rows()
    }

    /// The libpq version, e.g. 150018.
    public static var libraryVersion: Int { Int(PostgreSQLConnection.libraryVersion) }
}
