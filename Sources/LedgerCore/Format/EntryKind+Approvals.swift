/// The kinds of the approval workflow (issue 13): the policy in force, proposals, approvals,
/// declines and post-hoc reviews of emergency switches. Their meaning: docs/ledger-format.md and
/// docs/policy.md.
extension EntryKind {
    /// The approval policy in force changed: `details.policy` (canonical JSON object),
    /// `details.sha256` (hex of that canonical JSON) and `details.source` (the file name).
    public static let policySet = EntryKind(rawValue: "policy.set")
    /// A proposed switch (model, retrain_job_id, reason, actor; `details.policy_seq`). Its seq is the proposal id.
    public static let switchProposed = EntryKind(rawValue: "switch.proposed")
    /// An approval of a proposal (`ref_seq` = the proposal).
    public static let switchApproved = EntryKind(rawValue: "switch.approved")
    /// A decline of a proposal (`ref_seq` = the proposal): the proposal can no longer be switched.
    public static let switchDeclined = EntryKind(rawValue: "switch.declined")
    /// The post-hoc review of an emergency switch (`ref_seq` = its `switch.requested`).
    public static let switchReviewed = EntryKind(rawValue: "switch.reviewed")

    /// The kinds of the approval workflow.
    public static let approvalKinds: [EntryKind] = [.policySet, .switchProposed, .switchApproved, .switchDeclined, .switchReviewed]
}
