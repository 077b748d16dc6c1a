import Foundation
import LedgerCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why a user change was refused (nothing was written).
public enum UserServiceError: Error, Sendable, Equatable, LocalizedError {
    /// A user of that name exists and is not revoked.
    case userExists(String)
    /// No user of that name that is not revoked.
    case noSuchUser(String)
    /// The name is not accepted (``Identifier``).
    case invalidName(String, reason: String)
    /// `--expires-days` out of range.
    case invalidExpiry(Int)

    public var errorDescription: String? {
        switch self {
        case .userExists(let name): "user \(Identifier.escaped(name)) exists already (revoke it first to issue a new token)"
        case .noSuchUser(let name): "no user \(Identifier.escaped(name)) that is not revoked"
        case .invalidName(let name, let reason): "user name \"\(Identifier.escaped(name))\" is not accepted: \(reason)"
        case .invalidExpiry(let days): "--expires-days \(days) must be between 1 and 3650"
        }
    }
}

/// What ``UserService/add(name:role:expiresDays:provenance:)`` did.
public struct UserAdded: Sendable {
    /// The token: shown once to whoever runs the command; never stored, never logged.
    public var token: String
    /// The new user.
    public var user: UserRecord
    /// The signed `user.added` entry.
    public var entry: LedgerEntry
}

/// Users of the ledger service: `ledger users add/list/revoke` on the service host.
///
/// Every change is a signed entry (`user.added`, `user.revoked`) appended through the session
/// first, then the users file is replaced (so the ledger never misses a user the file has). The
/// users file is locked (`flock` on `FILE.lock`) for the whole change. Never prints.
public struct UserService {
    /// The ledger, opened for writing.
    public let session: LedgerSession
    /// The users file.
    public let usersPath: String

    /// A service writing to `session` and `usersPath`.
    public init(session: LedgerSession, usersPath: String) {
        self.session = session
        self.usersPath = usersPath
    }

    /// Adds `name` with `role`; its token expires after `expiresDays` days when given.
    public func add(name: String, role: UserRole, expiresDays: Int? = nil, provenance: Provenance) throws -> UserAdded {
        if let problem = Identifier.problem(with: name) { throw UserServiceError.invalidName(name, reason: problem) }
        if let days = expiresDays, !(1...3650).contains(days) { throw UserServiceError.invalidExpiry(days) }
        return try withFileLock {
            var file = try UsersFile.load(path: usersPath, missingIsEmpty: true)
            if file.current(named: name) != nil { throw UserServiceError.userExists(name) }
            let token = try UserToken.issue()
            let hash = try UserToken.sha256(token)
            let now = Timestamp.now()
            let expiresAt = expiresDays.map { days in
                Timestamp.format(epochMilliseconds: (Timestamp.parse(now) ?? 0) + Int64(days) * 86_400_000)
            }
            let user = UserRecord(
                name: name, role: role, tokenSHA256: hash, tokenID: UserToken.id(sha256: hash), createdAt: now, expiresAt: expiresAt)
            var draft = EntryDraft(kind: .userAdded)
            var details: [String: JSONValue] = ["user": .string(name), "role": .string(role.rawValue), "token_id": .string(user.tokenID)]
            if let expiresAt { details["expires_at"] = .string(expiresAt) }
            draft.details = details
            let entry = try session.append(draft, provenance: provenance)
            file.users.append(user)
            try file.save(path: usersPath)
            return UserAdded(token: token, user: user, entry: entry)
        }
    }

    /// Revokes `name` (the token stops working on the service's next request).
    public func revoke(name: String, provenance: Provenance) throws -> (user: UserRecord, entry: LedgerEntry) {
        try withFileLock {
            var file = try UsersFile.load(path: usersPath)
            guard let index = file.users.lastIndex(where: { $0.name == name && $0.revokedAt == nil }) else {
                throw UserServiceError.noSuchUser(name)
            }
            var draft = EntryDraft(kind: .userRevoked)
            draft.details = ["user": .string(name), "token_id": .string(file.users[index].tokenID)]
            let entry = try session.append(draft, provenance: provenance)
            file.users[index].revokedAt = entry.recordedAt
            try file.save(path: usersPath)
            return (file.users[index], entry)
        }
    }

    /// Runs `body` holding an exclusive `flock` on `FILE.lock`.
    private func withFileLock<T>(_ body: () throws -> T) throws -> T {
        let lockPath = usersPath + ".lock"
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw UsersFileError(path: usersPath, reason: "cannot create \(lockPath): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        guard flock(fd, LOCK_EX) == 0 else {
            throw UsersFileError(path: usersPath, reason: "cannot lock \(lockPath): \(String(cString: strerror(errno)))")
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }
}
