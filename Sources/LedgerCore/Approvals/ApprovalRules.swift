import Foundation

/// The answer of ``ApprovalRules/evaluate(proposal:approvals:declines:usedBy:policy:now:)``.
public enum ApprovalDecision: Sendable, Equatable {
    /// The proposal may be switched; these approvals (one per distinct approver, ascending seq) were counted.
    case satisfied(approvalSeqs: [Int64])
    /// The proposal may not be switched: what is missing, in words (one sentence each).
    case notSatisfied(missing: [String])

    /// Whether the proposal may be switched.
    public var isSatisfied: Bool { if case .satisfied = self { true } else { false } }
    /// The approvals counted (empty when not satisfied).
    public var approvalSeqs: [Int64] { if case .satisfied(let seqs) = self { seqs } else { [] } }
    /// What is missing (empty when satisfied).
    public var missing: [String] { if case .notSatisfied(let missing) = self { missing } else { [] } }
}

/// The approval rules: whether a proposed switch may go live now. One pure function, called by the
/// switch gate (under the ledger's write lock) and by reports; nothing else re-implements it.
///
/// The rules (docs/policy.md):
/// - a proposal already used by a switch (`switch.requested` naming it) is not reusable;
/// - a decline blocks the proposal for good;
/// - approvals count once per distinct approver (`actor`), and only when
///   - the approver is not the requester (the proposal's `actor`), unless `requester_may_approve`;
///   - the approver is listed in `approvers`, when the policy lists them;
///   - the approval is not older than `approval_ttl` at `now` (no expiry when the policy sets none);
/// - at least `approvals_required` approvals count.
///
/// `policy` is the policy in force at switch time: a policy changed between an approval and the
/// switch applies at switch time. Identities are the recorded `actor` names (self-declared in
/// local mode; authenticated when a ledger service writes them): the same rules for both.
public enum ApprovalRules {
    /// Evaluates `proposal` (a `switch.proposed` entry) with the `switch.approved` and
    /// `switch.declined` entries that refer to it, the seq of the `switch.requested` that already
    /// used it (nil when none), under `policy`, at `now`.
    public static func evaluate(
        proposal: LedgerEntry, approvals: [LedgerEntry], declines: [LedgerEntry], usedBy: Int64?, policy: ApprovalPolicy.Rules,
        now: Date
    ) -> ApprovalDecision {
        var missing: [String] = []
        if let usedBy {
            missing.append("proposal \(proposal.seq) was already used by the switch at seq \(usedBy); propose the switch again")
        }
        for decline in declines.filter({ $0.refSeq == proposal.seq }).sorted(by: { $0.seq < $1.seq }) {
            missing.append("proposal \(proposal.seq) was declined by \(decline.actor) (seq \(decline.seq))")
        }
        let nowMs = Int64((now.timeIntervalSince1970 * 1000).rounded(.down))
        var counted: [String: Int64] = [:]  // approver → newest approval counted
        var notes: [String] = []
        for approval in approvals.filter({ $0.refSeq == proposal.seq && $0.kind == EntryKind.switchApproved }).sorted(by: { $0.seq < $1.seq }) {
            let who = approval.actor
            if who == proposal.actor && !policy.requesterMayApprove {
                notes.append("the approval at seq \(approval.seq) does not count: \(who) proposed the switch and may not approve it")
                continue
            }
            if let approvers = policy.approvers, !approvers.contains(who) {
                notes.append("the approval at seq \(approval.seq) does not count: \(who) is not among the approvers (\(approvers.joined(separator: ", ")))")
                continue
            }
            if let ttl = policy.approvalTTLSeconds {
                guard let at = Timestamp.parse(approval.recordedAt) else {
                    notes.append("the approval at seq \(approval.seq) does not count: its time is unreadable")
                    continue
                }
                let expiresAt = at + ttl * 1000
                if expiresAt <= nowMs {
                    notes.append(
                        "the approval at seq \(approval.seq) by \(who) expired at \(Timestamp.format(epochMilliseconds: expiresAt)) (approval_ttl \(policy.approvalTTL ?? "\(ttl)s"))"
                    )
                    continue
                }
            }
            counted[who] = approval.seq
        }
        let have = counted.count
        if have < policy.approvalsRequired {
            let among = policy.approvers.map { " among \($0.joined(separator: ", "))" } ?? ""
            let notRequester = policy.requesterMayApprove ? "" : ", not the requester \(proposal.actor)"
            missing.append(
                "proposal \(proposal.seq) needs \(policy.approvalsRequired) approval(s) from distinct approvers\(among)\(notRequester); it has \(have) that count"
            )
            missing.append(contentsOf: notes)
        }
        guard missing.isEmpty else { return .notSatisfied(missing: missing) }
        return .satisfied(approvalSeqs: counted.values.sorted())
    }
}
