import Foundation
import LedgerCore

/// A proposed switch: the plain input of ``ProposeService``.
public struct ProposeRequest: Sendable {
    /// The model (already validated by the front end).
    public var model: String
    /// The retrain job to switch to (already validated).
    public var retrainJobID: String
    /// Why.
    public var reason: String
    /// Who proposes (the requester).
    public var provenance: Provenance
    /// The policy file given to this writer, if any (``ApprovalLedger/policyInForce(file:store:)``).
    public var policy: LoadedPolicy?

    /// Creates a request.
    public init(model: String, retrainJobID: String, reason: String, provenance: Provenance, policy: LoadedPolicy?) {
        self.model = model
        self.retrainJobID = retrainJobID
        self.reason = reason
        self.provenance = provenance
        self.policy = policy
    }
}

/// An approval, decline or review: which entry it is about, why, who, under which policy file.
public struct ApprovalActionRequest: Sendable {
    /// The proposal's seq (approve, decline) or the emergency `switch.requested`'s seq (review).
    public var seq: Int64
    /// Why.
    public var reason: String
    /// Who.
    public var provenance: Provenance
    /// The policy file given to this writer, if any.
    public var policy: LoadedPolicy?

    /// Creates a request.
    public init(seq: Int64, reason: String, provenance: Provenance, policy: LoadedPolicy?) {
        self.seq = seq
        self.reason = reason
        self.provenance = provenance
        self.policy = policy
    }
}

/// What an approval-workflow service wrote.
public struct ApprovalActionResult: Sendable {
    /// The entry written (`switch.proposed`, `switch.approved`, `switch.declined` or `switch.reviewed`).
    public var entry: LedgerEntry
    /// The `policy.set` written first, when the policy in force changed.
    public var policySet: LedgerEntry?
    /// The policy in force (its `policy.set` seq, nil when none).
    public var policySeq: Int64?
    /// The rules in force for the entry's model.
    public var rules: ApprovalPolicy.Rules
    /// For proposals and approvals: whether the proposal may be switched now, and what is missing.
    public var decision: ApprovalDecision?
}

private func result(_ written: [LedgerEntry], inForce: PolicyInForce, rules: ApprovalPolicy.Rules, decision: ApprovalDecision?) -> ApprovalActionResult {
    // `written` is [policy.set?, entry]: the last one is the service's own entry.
    ApprovalActionResult(
        entry: written[written.count - 1], policySet: written.count > 1 ? written[0] : nil, policySeq: inForce.seq, rules: rules,
        decision: decision)
}

/// Records a proposed switch (`switch.proposed`; its seq is the proposal id), with `details.policy_seq`.
/// Never prints; throws ``ApprovalRefusal`` or ``LedgerError``.
public struct ProposeService {
    /// The ledger, opened for writing.
    public let session: LedgerSession
    /// A service writing to `session`.
    public init(session: LedgerSession) { self.session = session }

    /// Appends `switch.proposed` (after a `policy.set` when the policy in force changed).
    public func run(_ request: ProposeRequest, now: Date = Date()) throws -> ApprovalActionResult {
        nonisolated(unsafe) var seen: (PolicyInForce, ApprovalPolicy.Rules)?
        let written = try ApprovalLedger.append(session: session, policy: request.policy, provenance: request.provenance) { inForce, _ in
            seen = (inForce, inForce.rules(for: request.model))
            var draft = EntryDraft(kind: EntryKind.switchProposed)
            draft.model = request.model
            draft.retrainJobID = request.retrainJobID
            draft.reason = request.reason
            draft.details = ["policy_seq": inForce.seq.map { .integer($0) } ?? .null]
            return [draft]
        }
        guard let (inForce, rules) = seen else { throw ApprovalRefusal("the proposal was not recorded") }
        let proposal = written[written.count - 1]
        let decision = try ApprovalLedger.evaluate(proposal, rules: rules, in: session.store, now: now)
        return result(written, inForce: inForce, rules: rules, decision: decision)
    }
}

/// Records an approval of a proposal (`switch.approved`, `ref_seq` = the proposal).
///
/// Refused (``ApprovalRefusal``, nothing written) when, under the write lock and the policy in
/// force: the seq is not a proposal; the proposal was used or declined; the approver is the
/// requester (unless `requester_may_approve`) or not among the policy's `approvers`; or the approver
/// already has an approval of it that still counts. The switch re-checks everything at switch time
/// (``ApprovalRules``), under the policy in force then.
public struct ApproveService {
    /// The ledger, opened for writing.
    public let session: LedgerSession
    /// A service writing to `session`.
    public init(session: LedgerSession) { self.session = session }

    /// Appends `switch.approved`.
    public func run(_ request: ApprovalActionRequest, now: Date = Date()) throws -> ApprovalActionResult {
        nonisolated(unsafe) var seen: (PolicyInForce, ApprovalPolicy.Rules)?
        let approver = request.provenance.actor
        let written = try ApprovalLedger.append(session: session, policy: request.policy, provenance: request.provenance) { inForce, store in
            let proposal = try ApprovalLedger.proposal(seq: request.seq, in: store)
            let rules = inForce.rules(for: proposal.model ?? "")
            seen = (inForce, rules)
            if let used = try ApprovalLedger.usedBy(proposal, in: store) {
                throw ApprovalRefusal("proposal \(proposal.seq) was already used by the switch at seq \(used); it cannot be approved")
            }
            if let decline = try ApprovalLedger.referring(to: proposal.seq, kind: EntryKind.switchDeclined, model: proposal.model, in: store).first {
                throw ApprovalRefusal("proposal \(proposal.seq) was declined by \(decline.actor) (seq \(decline.seq)); it cannot be approved")
            }
            if approver == proposal.actor && !rules.requesterMayApprove {
                throw ApprovalRefusal(
                    "\(approver) proposed this switch and may not approve it (requester_may_approve = false); another person must approve")
            }
            if let approvers = rules.approvers, !approvers.contains(approver) {
                throw ApprovalRefusal(
                    "\(approver) is not among the approvers of model \(proposal.model ?? "?") (\(approvers.joined(separator: ", ")))")
            }
            let mine = try ApprovalLedger.referring(to: proposal.seq, kind: EntryKind.switchApproved, model: proposal.model, in: store)
                .filter { $0.actor == approver }
            if let earlier = mine.last {
                let stillCounts = ApprovalRules.evaluate(
                    proposal: proposal, approvals: [earlier], declines: [], usedBy: nil,
                    policy: ApprovalPolicy.Rules(
                        approvalsRequired: 1, requesterMayApprove: true, approvalTTL: rules.approvalTTL, approvers: nil),
                    now: now
                ).isSatisfied
                if stillCounts {
                    throw ApprovalRefusal(
                        "\(approver) already approved proposal \(proposal.seq) (seq \(earlier.seq)); approvals count once per distinct approver")
                }
            }
            return [EntryDraft(kind: EntryKind.switchApproved, about: proposal, reason: request.reason)]
        }
        guard let (inForce, rules) = seen else { throw ApprovalRefusal("the approval was not recorded") }
        let proposal = try ApprovalLedger.proposal(seq: request.seq, in: session.store)
        let decision = try ApprovalLedger.evaluate(proposal, rules: rules, in: session.store, now: now)
        return result(written, inForce: inForce, rules: rules, decision: decision)
    }
}

/// Records a decline of a proposal (`switch.declined`, `ref_seq` = the proposal): the proposal can
/// no longer be switched. Anyone may decline (the requester too: a withdrawal). Refused when the
/// seq is not a proposal, or it was already used or declined.
public struct DeclineService {
    /// The ledger, opened for writing.
    public let session: LedgerSession
    /// A service writing to `session`.
    public init(session: LedgerSession) { self.session = session }

    /// Appends `switch.declined`.
    public func run(_ request: ApprovalActionRequest) throws -> ApprovalActionResult {
        nonisolated(unsafe) var seen: (PolicyInForce, ApprovalPolicy.Rules)?
        let written = try ApprovalLedger.append(session: session, policy: request.policy, provenance: request.provenance) { inForce, store in
            let proposal = try ApprovalLedger.proposal(seq: request.seq, in: store)
            seen = (inForce, inForce.rules(for: proposal.model ?? ""))
            if let used = try ApprovalLedger.usedBy(proposal, in: store) {
                throw ApprovalRefusal("proposal \(proposal.seq) was already used by the switch at seq \(used); it cannot be declined")
            }
            if let decline = try ApprovalLedger.referring(to: proposal.seq, kind: EntryKind.switchDeclined, model: proposal.model, in: store).first {
                throw ApprovalRefusal("proposal \(proposal.seq) was already declined by \(decline.actor) (seq \(decline.seq))")
            }
            return [EntryDraft(kind: EntryKind.switchDeclined, about: proposal, reason: request.reason)]
        }
        guard let (inForce, rules) = seen else { throw ApprovalRefusal("the decline was not recorded") }
        return result(written, inForce: inForce, rules: rules, decision: nil)
    }
}

/// Records the post-hoc review of an emergency switch (`switch.reviewed`, `ref_seq` = its
/// `switch.requested`). Refused when the seq is not an emergency switch, it was already reviewed,
/// or the reviewer made the switch (unless the policy in force lets requesters approve).
public struct ReviewService {
    /// The ledger, opened for writing.
    public let session: LedgerSession
    /// A service writing to `session`.
    public init(session: LedgerSession) { self.session = session }

    /// Appends `switch.reviewed`.
    public func run(_ request: ApprovalActionRequest) throws -> ApprovalActionResult {
        nonisolated(unsafe) var seen: (PolicyInForce, ApprovalPolicy.Rules)?
        let reviewer = request.provenance.actor
        let written = try ApprovalLedger.append(session: session, policy: request.policy, provenance: request.provenance) { inForce, store in
            guard let entry = try store.entry(seq: request.seq) else { throw ApprovalRefusal("there is no entry with seq \(request.seq)") }
            guard entry.kind == EntryKind.switchRequested, entry.detailsObject?["emergency"] == .bool(true) else {
                throw ApprovalRefusal("seq \(request.seq) is not an emergency switch (a switch.requested recorded with --emergency)")
            }
            let rules = inForce.rules(for: entry.model ?? "")
            seen = (inForce, rules)
            if let review = try ApprovalLedger.referring(to: entry.seq, kind: EntryKind.switchReviewed, model: entry.model, in: store).first {
                throw ApprovalRefusal("the emergency switch at seq \(entry.seq) was already reviewed by \(review.actor) (seq \(review.seq))")
            }
            if reviewer == entry.actor && !rules.requesterMayApprove {
                throw ApprovalRefusal("\(reviewer) made the emergency switch and may not review it; another person must review it")
            }
            return [EntryDraft(kind: EntryKind.switchReviewed, about: entry, reason: request.reason)]
        }
        guard let (inForce, rules) = seen else { throw ApprovalRefusal("the review was not recorded") }
        return result(written, inForce: inForce, rules: rules, decision: nil)
    }
}

extension EntryDraft {
    /// An approval, decline or review of `entry`: `ref_seq` names it, and its model and retrain job
    /// are repeated so that `ledger log --model` lists the decision with the switch it is about.
    init(kind: EntryKind, about entry: LedgerEntry, reason: String) {
        self.init(kind: kind)
        refSeq = entry.seq
        model = entry.model
        retrainJobID = entry.retrainJobID
        self.reason = reason
    }
}
