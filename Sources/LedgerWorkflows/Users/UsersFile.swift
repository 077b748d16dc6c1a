import Foundation
import LedgerCore

/// A role of a ledger service user: what it may call (docs/service.md).
public enum UserRole: String, Sendable, CaseIterable, Equatable {
    /// Switch, upload, status, resolve, propose, and read.
    case switcher
    /// Approve, decline, review, and read.
    case approver
    /// Read: report, history, verify, export, log, show.
    case auditor
    /// Everything, checkpoints included.
    case admin
}

/// One user of the ledger service, as the users file keeps it: never the token, only its SHA-256.
public struct UserRecord: Sendable, Equatable {
    /// The user's name: recorded as the actor of what the user does.
    public var name: String
    /// What the user may call.
    public var role: UserRole
    /// Lowercase-hex SHA-256 of the token.
    public var tokenSHA256: String
    /// The first 16 hex digits of ``tokenSHA256`` (what entries and logs name).
    public var tokenID: String
    /// When the user was added (ledger timestamp).
    public var createdAt: String
    /// When the token stops working, if ever.
    public var expiresAt: String?
    /// When the user was revoked, if so.
    public var revokedAt: String?

    /// A record.
    public init(
        name: String, role: UserRole, tokenSHA256: String, tokenID: String, createdAt: String, expiresAt: String? = nil,
        revokedAt: String? = nil
    ) {
        self.name = name
        self.role = role
        self.tokenSHA256 = tokenSHA256
        self.tokenID = tokenID
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
    }

    /// Whether the token works at `nowMilliseconds` (not revoked, not expired).
    public func isActive(nowMilliseconds: Int64) -> Bool {
        guard revokedAt == nil else { return false }
        if let expiresAt {
            guard let limit = Timestamp.parse(expiresAt), nowMilliseconds < limit else { return false }
        }
        return true
    }

    /// `active`, `revoked` or `expired` at `nowMilliseconds`.
    public func status(nowMilliseconds: Int64) -> String {
        if revokedAt != nil { return "revoked" }
        return isActive(nowMilliseconds: nowMilliseconds) ? "active" : "expired"
    }
}

/// Why the users file cannot be used (a configuration error).
public struct UsersFileError: Error, Sendable, Equatable, LocalizedError {
    /// The file.
    public var path: String
    /// What is wrong.
    public var reason: String

    /// An error about `path`.
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var errorDescription: String? { "users file \(path): \(reason)" }
}

/// The ledger service's users file (JSON, mode 0600):
/// `{"version":1,"users":[{"name","role","token_sha256","token_id","created_at","expires_at","revoked_at"}]}`.
///
/// It holds hashes of tokens only. It is read with the rules of every secret file (``SecretFile``:
/// owned by the user, no group/other permission) and replaced atomically.
public struct UsersFile: Sendable, Equatable {
    /// The format version this code reads and writes.
    public static let version: Int64 = 1
    /// The largest users file read.
    public static let maximumBytes = 1 << 20

    /// The users, in the order they were added (a revoked user stays, with `revoked_at`).
    public var users: [UserRecord]

    /// A file with `users`.
    public init(users: [UserRecord] = []) {
        self.users = users
    }

    /// The user named `name` that is not revoked, if any.
    public func current(named name: String) -> UserRecord? {
        users.last { $0.name == name && $0.revokedAt == nil }
    }

    /// Loads `path`; a missing file is an empty one when `missingIsEmpty`.
    public static func load(path: String, missingIsEmpty: Bool = false) throws -> UsersFile {
        var bytes: [UInt8]
        do {
            bytes = try SecretFile.read(path: path, what: "users file")
        } catch LedgerError.keyFileMissing {
            if missingIsEmpty { return UsersFile() }
            throw UsersFileError(path: path, reason: "no such file (create it with `ledger users add`)")
        } catch let error as LedgerError {
            throw UsersFileError(path: path, reason: Self.reason(error))
        }
        defer { Digest.wipe(&bytes) }
        return try parse(bytes, path: path)
    }

    private static func reason(_ error: LedgerError) -> String {
        if case let .keyFilePermissions(_, mode) = error {
            return "it has mode \(String(format: "%04o", mode)); it must not be readable or writable by group or others (chmod 600)"
        }
        return error.localizedDescription
    }

    /// Parses the file's bytes (strict JSON: duplicate members and unknown members are refused).
    public static func parse(_ bytes: [UInt8], path: String) throws -> UsersFile {
        func fail(_ reason: String) -> UsersFileError { UsersFileError(path: path, reason: reason) }
        let value: JSONValue
        do {
            value = try JSONValue(parsing: bytes)
        } catch {
            throw fail("not valid JSON: \(error)")
        }
        guard let top = value.objectValue else { throw fail("not a JSON object") }
        guard Set(top.keys).isSubset(of: ["version", "users"]) else { throw fail("unknown member at the top level") }
        guard top["version"]?.integerValue == version else { throw fail("version must be \(version)") }
        guard case .array(let items)? = top["users"] else { throw fail("users must be an array") }
        var users: [UserRecord] = []
        let members: Set<String> = ["name", "role", "token_sha256", "token_id", "created_at", "expires_at", "revoked_at"]
        for (index, item) in items.enumerated() {
            guard let object = item.objectValue, Set(object.keys).isSubset(of: members) else {
                throw fail("users[\(index)] must be an object with the members \(members.sorted().joined(separator: ", "))")
            }
            func text(_ key: String) throws -> String {
                guard let value = object[key]?.stringValue else { throw fail("users[\(index)].\(key) must be a string") }
                return value
            }
            func optional(_ key: String) throws -> String? {
                switch object[key] {
                case nil, .null?: return nil
                case .string(let value)?:
                    guard Timestamp.parse(value) != nil else { throw fail("users[\(index)].\(key) is not a time") }
                    return value
                default: throw fail("users[\(index)].\(key) must be a string or null")
                }
            }
            let name = try text("name")
            guard Identifier.problem(with: name) == nil else { throw fail("users[\(index)].name is not a valid name") }
            guard let role = UserRole(rawValue: try text("role")) else { throw fail("users[\(index)].role is not a role") }
            let hash = try text("token_sha256")
            guard Hex.isLowercaseHex(hash, count: 64) else { throw fail("users[\(index)].token_sha256 must be 64 lowercase hex digits") }
            let tokenID = try text("token_id")
            guard tokenID == UserToken.id(sha256: hash) else { throw fail("users[\(index)].token_id does not match token_sha256") }
            users.append(
                UserRecord(
                    name: name, role: role, tokenSHA256: hash, tokenID: tokenID, createdAt: try text("created_at"),
                    expiresAt: try optional("expires_at"), revokedAt: try optional("revoked_at")))
        }
        return UsersFile(users: users)
    }

    /// The file's JSON text (indented, members sorted, newline-terminated).
    public func encoded() -> [UInt8] {
        let list: [JSONValue] = users.map { user in
            .object([
                "name": .string(user.name), "role": .string(user.role.rawValue), "token_sha256": .string(user.tokenSHA256),
                "token_id": .string(user.tokenID), "created_at": .string(user.createdAt),
                "expires_at": user.expiresAt.map(JSONValue.string) ?? .null, "revoked_at": user.revokedAt.map(JSONValue.string) ?? .null,
            ])
        }
        let document: JSONValue = .object(["version": .integer(Self.version), "users": .array(list)])
        return Array((document.prettyPrinted() + "\n").utf8)
    }

    /// Writes the file atomically, mode 0600.
    public func save(path: String) throws {
        do {
            try SecretFile.replace(path: path, contents: encoded(), what: "users file", temporarySuffix: ".tmp-\(getpid())")
        } catch let error as LedgerError {
            throw UsersFileError(path: path, reason: Self.reason(error))
        }
    }
}
