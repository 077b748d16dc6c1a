import Foundation

/// Where a ledger's rows live: a SQLite file, or a PostgreSQL database named by a libpq URL.
///
/// `--db` and `LEDGER_DB` accept either form: a value starting with `postgresql://` or `postgres://`
/// (any case) names a PostgreSQL database, as libpq reads the URL (a Unix socket directory through
/// `?host=/run/postgresql`, TCP, `sslmode=verify-full`); anything else is a SQLite file path.
public enum LedgerDatabase: Sendable, Hashable, CustomStringConvertible {
    /// A SQLite database file.
    case sqlite(path: String)
    /// A PostgreSQL database, by its libpq connection URL (it may hold a password: never print it;
    /// print `description`).
    case postgresql(url: String)

    /// `postgresql://…` or `postgres://…` (case-insensitive scheme) → `.postgresql`, anything else → `.sqlite(path)`.
    public init(_ text: String) {
        if Self.hasPostgreSQLScheme(text) {
            self = .postgresql(url: text)
        } else {
            self = .sqlite(path: text)
        }
    }

    /// For messages: the path, or the URL with any password replaced by `***` (never the password).
    public var description: String {
        switch self {
        case .sqlite(let path): return path
        case .postgresql(let url): return Self.redacted(url)
        }
    }

    /// True for `.postgresql`.
    public var isPostgreSQL: Bool {
        if case .postgresql = self { return true }
        return false
    }

    static func hasPostgreSQLScheme(_ text: String) -> Bool {
        let lower = text.prefix(13).lowercased()
        return lower.hasPrefix("postgresql://") || lower.hasPrefix("postgres://")
    }

    /// `url` with the password of its user info (`user:secret@`) and every `password=` query
    /// parameter replaced by `***`. Works on the text as written (no decoding), so whatever the
    /// password holds, none of it survives.
    static func redacted(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return url }
        let scheme = url[..<schemeEnd.upperBound]
        let rest = url[schemeEnd.upperBound...]
        // The authority ends at the first '/', '?' or '#'; user info ends at its last '@'.
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        var authority = String(rest[..<authorityEnd])
        var tail = String(rest[authorityEnd...])
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            if let colon = userInfo.firstIndex(of: ":") {
                authority = String(userInfo[..<colon]) + ":***" + String(authority[at...])
            }
        }
        if let question = tail.firstIndex(of: "?") {
            let path = tail[..<question]
            var query = String(tail[tail.index(after: question)...])
            var fragment = ""
            if let hash = query.firstIndex(of: "#") {
                fragment = String(query[hash...])
                query = String(query[..<hash])
            }
            let items = query.split(separator: "&", omittingEmptySubsequences: false).map { item -> String in
                let key = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
                // libpq percent-decodes keywords too (`pass%77ord=` is `password=`).
                return percentDecoded(String(key)).lowercased() == "password" ? "\(key)=***" : String(item)
            }
            tail = String(path) + "?" + items.joined(separator: "&") + fragment
        }
        return String(scheme) + authority + tail
    }

    /// `text` with `%XX` sequences decoded (malformed ones kept as written).
    static func percentDecoded(_ text: String) -> String {
        var bytes: [UInt8] = []
        let utf8 = Array(text.utf8)
        var i = 0
        while i < utf8.count {
            if utf8[i] == UInt8(ascii: "%"), i + 2 < utf8.count, let high = hexValue(utf8[i + 1]), let low = hexValue(utf8[i + 2]) {
                bytes.append(high << 4 | low)
                i += 3
            } else {
                bytes.append(utf8[i])
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
