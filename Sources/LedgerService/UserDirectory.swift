import Foundation
import LedgerCore
import LedgerWorkflows

/// Who is calling: the user a bearer token belongs to.
public struct AuthenticatedUser: Sendable, Equatable {
    /// The user's name (the actor recorded for what the user does).
    public var name: String
    /// The user's role.
    public var role: UserRole
    /// The token's id (what logs may name).
    public var tokenID: String
}

/// Why a request was not authenticated (401). Never carries the token.
enum AuthFailure: String, Error, Sendable {
    case missing = "missing_token"
    case malformed = "malformed_token"
    case unknown = "unknown_token"
    case expired = "expired_token"
    case revoked = "revoked_token"
    case unavailable = "users_file_unusable"

    var message: String {
        switch self {
        case .missing: "this endpoint needs `Authorization: Bearer <token>`"
        case .malformed, .unknown: "the bearer token is not valid"
        case .expired: "the bearer token has expired"
        case .revoked: "the bearer token has been revoked"
        case .unavailable: "the service cannot read its users file"
        }
    }
}

/// The users file as the service sees it: re-read when its modification time, size or inode
/// changes (so a revocation takes effect on the next request); tokens compared by SHA-256 in
/// constant time against every user.
final class UserDirectory: @unchecked Sendable {
    private let path: String
    private let lock = NSLock()
    private var users: [UserRecord] = []
    private var signature: [Int64]?

    /// Loads `path` now (a missing or unusable users file stops the service from starting).
    init(path: String) throws(ServiceSetupError) {
        self.path = path
        do {
            try reloadIfChanged(force: true)
        } catch {
            throw .configuration(error.localizedDescription)
        }
    }

    private func fileSignature() -> [Int64]? { FileSignature.of(path) }

    /// Re-reads the file when it changed. Caller holds no lock.
    private func reloadIfChanged(force: Bool = false) throws {
        lock.lock()
        defer { lock.unlock() }
        let current = fileSignature()
        guard force || current != signature else { return }
        let file = try UsersFile.load(path: path)
        users = file.users
        signature = current
    }

    /// The user of `authorization` (the header's value), or why not.
    func authenticate(authorization: String?, now: Int64 = Timestamp.parse(Timestamp.now()) ?? 0) -> Result<AuthenticatedUser, AuthFailure> {
        guard let authorization, !authorization.isEmpty else { return .failure(.missing) }
        let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return .failure(.malformed) }
        let token = String(parts[1]).trimmingCharacters(in: .whitespaces)
        guard UserToken.isWellFormed(token), let hash = try? UserToken.sha256(token) else { return .failure(.malformed) }
        do {
            try reloadIfChanged()
        } catch {
            return .failure(.unavailable)
        }
        lock.lock()
        let snapshot = users
        lock.unlock()
        let presented = Array(hash.utf8)
        var match: UserRecord?
        for user in snapshot where UserToken.constantTimeEqual(Array(user.tokenSHA256.utf8), presented) {
            match = user
        }
        guard let user = match else { return .failure(.unknown) }
        if user.revokedAt != nil { return .failure(.revoked) }
        guard user.isActive(nowMilliseconds: now) else { return .failure(.expired) }
        return .success(AuthenticatedUser(name: user.name, role: user.role, tokenID: user.tokenID))
    }

    /// The token id of `authorization` when it is well formed (for logs of failures), else nil.
    static func tokenID(authorization: String?) -> String? {
        guard let authorization else { return nil }
        let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2 else { return nil }
        let token = String(parts[1]).trimmingCharacters(in: .whitespaces)
        guard UserToken.isWellFormed(token), let hash = try? UserToken.sha256(token) else { return nil }
        return UserToken.id(sha256: hash)
    }
}
