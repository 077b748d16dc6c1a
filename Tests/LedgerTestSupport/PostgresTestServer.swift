import Foundation
@_spi(Testing) import LedgerCore
import Testing

/// The PostgreSQL server the PostgreSQL tests run against: `LEDGER_TEST_POSTGRES_URL`, a superuser
/// URL (`scripts/pg-test-cluster.sh start DIR` prints one: `postgresql://postgres@/postgres?host=DIR/socket`).
///
/// Without it a test is a loud skip on a developer machine and a failure under `CI=true` (the
/// `RequiredTool` rule). Each test makes its own database (`makeDatabase()`), so tests never share rows.
public enum PostgresTestServer {
    /// The environment variable naming the server.
    public static let environmentVariable = "LEDGER_TEST_POSTGRES_URL"

    /// The superuser URL, or a loud skip (under CI: a failure) when it is not set.
    @discardableResult
    public static func required(sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        if let url = ProcessInfo.processInfo.environment[environmentVariable], !url.isEmpty { return url }
        let message =
            RequiredTool.inCI
            ? "MISSING in CI: a PostgreSQL server (\(environmentVariable)) is required for the PostgreSQL tests; start one with scripts/pg-test-cluster.sh"
            : "SKIPPED: \(environmentVariable) is not set, so the PostgreSQL adapter was NOT checked (this fails under CI=true); "
                + "start a server with `scripts/pg-test-cluster.sh start DIR` and export the URL it prints"
        if RequiredTool.inCI { throw MissingTool(message: message) }
        FileHandle.standardError.write(Data("\(message)\n".utf8))
        Issue.record(Comment(rawValue: message), severity: .warning, sourceLocation: sourceLocation)
        try Test.cancel(Comment(rawValue: message), sourceLocation: sourceLocation)
    }

    /// Creates a fresh, empty database (`ledger_t_<random>`) and returns its superuser URL.
    public static func makeDatabase(sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let server = try required(sourceLocation: sourceLocation)
        let name = "ledger_t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        try PostgreSQLTestAccess.execute(url: server, "CREATE DATABASE \(name)")
        return url(server, database: String(name))
    }

    /// Creates a login role `name` (with `password`, when given) and returns it. Roles are
    /// cluster-wide: give each test its own name (`uniqueRoleName`).
    @discardableResult
    public static func makeRole(name: String, password: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let server = try required(sourceLocation: sourceLocation)
        let quotedPassword = password.map { " PASSWORD '" + $0.replacingOccurrences(of: "'", with: "''") + "'" } ?? ""
        try PostgreSQLTestAccess.execute(url: server, "CREATE ROLE \(name) LOGIN\(quotedPassword)")
        return name
    }

    /// A role name no other test uses (`<prefix>_<random>`).
    public static func uniqueRoleName(_ prefix: String) -> String {
        prefix + "_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(10)
    }

    /// `url` with its database (and, when given, its user and password) replaced; the query (e.g.
    /// `?host=/socket/dir`) is kept.
    public static func url(_ url: String, database: String? = nil, user: String? = nil, password: String? = nil) -> String {
        guard let schemeEnd = url.range(of: "://") else { return url }
        let scheme = url[..<schemeEnd.upperBound]
        var rest = String(url[schemeEnd.upperBound...])
        var query = ""
        if let question = rest.firstIndex(of: "?") {
            query = String(rest[question...])
            rest = String(rest[..<question])
        }
        var authority = rest
        var path = ""
        if let slash = rest.firstIndex(of: "/") {
            authority = String(rest[..<slash])
            path = String(rest[rest.index(after: slash)...])
        }
        var userInfo = ""
        var host = authority
        if let at = authority.lastIndex(of: "@") {
            userInfo = String(authority[..<at])
            host = String(authority[authority.index(after: at)...])
        }
        if let user { userInfo = user + (password.map { ":" + $0 } ?? "") }
        let auth = userInfo.isEmpty ? host : userInfo + "@" + host
        return String(scheme) + auth + "/" + (database ?? path) + query
    }
}
