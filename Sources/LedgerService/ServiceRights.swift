import Hummingbird
import LedgerPresentation
import LedgerWorkflows
import Logging

/// What a route needs the caller's role to allow (contract D).
enum ServiceRight: String, Sendable {
    /// switch, uploads, status, resolve, propose (switcher, admin).
    case operate
    /// approve, decline, review (approver, admin).
    case approve
    /// report, history, verify, log, show, switch lookup (every role).
    case read
    /// export (auditor, admin).
    case export
    /// checkpoints (admin).
    case administer

    func allows(_ role: UserRole) -> Bool {
        switch self {
        case .operate: role == .switcher || role == .admin
        case .approve: role == .approver || role == .admin
        case .read: true
        case .export: role == .auditor || role == .admin
        case .administer: role == .admin
        }
    }
}

extension ServiceBackend {
    /// The caller, when its role allows `right`; a 403 (counted, logged rate-limited with the token id) otherwise.
    func authorize(_ context: ServiceContext, _ right: ServiceRight) throws -> AuthenticatedUser {
        guard let user = context.user else {
            metrics.authFailure(reason: "missing_token")
            throw ErrorPresentation.unauthorized("this endpoint needs `Authorization: Bearer <token>`")
        }
        guard right.allows(user.role) else {
            metrics.authFailure(reason: "forbidden")
            authLog.warning(
                reason: "forbidden", "request refused: role lacks the right",
                metadata: ["status": "403", "token_id": .string(user.tokenID), "role": .string(user.role.rawValue), "right": .string(right.rawValue)])
            throw ErrorPresentation.forbidden("the role \(user.role.rawValue) of user \(user.name) may not do this (\(right.rawValue))")
        }
        return user
    }
}
