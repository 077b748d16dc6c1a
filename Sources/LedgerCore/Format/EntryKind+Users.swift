/// The kinds of the ledger service's users (issue 14): who may call the service, written by
/// `ledger users add` / `ledger users revoke` on the service host. Their meaning: docs/ledger-format.md
/// and docs/service.md. A token is never recorded, only its id (the first 16 hex digits of its SHA-256).
extension EntryKind {
    /// A user of the ledger service was added: `details.user`, `details.role`, `details.token_id`
    /// and, when the token expires, `details.expires_at`.
    public static let userAdded = EntryKind(rawValue: "user.added")
    /// A user of the ledger service was revoked: `details.user`, `details.token_id`.
    public static let userRevoked = EntryKind(rawValue: "user.revoked")

    /// The kinds of the service's users.
    public static let userKinds: [EntryKind] = [.userAdded, .userRevoked]
}
