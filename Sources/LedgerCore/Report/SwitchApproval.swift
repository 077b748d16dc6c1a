import Foundation

/// The sentence every report carries once: in local mode an entry's `actor` is whatever the
/// writer declared (`--actor`, `LEDGER_ACTOR`, the OS user), not an authenticated identity.
public enum ReportIdentity {
    /// `identity not authenticated (local mode)`.
    public static let localMode = "identity not authenticated (local mode)"
}

/// One approval-workflow entry as a report shows it: a `switch.approved`, `switch.declined` or
/// `switch.reviewed` entry's seq, who wrote it and when.
public struct ApprovalFact: Sendable, Equatable {
    public var seq: Int64
    /// The entry's actor (self-declared in local mode: see ``ReportIdentity``).
    public var actor: String
    /// The entry's `recorded_at`.
    public var recordedAt: String
    /// The entry's reason.
    public var reason: String?

    public init(seq: Int64, actor: String, recordedAt: String, reason: String?) {
        self.seq = seq
        self.actor = actor
        self.recordedAt = recordedAt
        self.reason = reason
    }

    init(_ entry: LedgerEntry) {
        self.init(seq: entry.seq, actor: entry.actor, recordedAt: entry.recordedAt, reason: entry.reason)
    }

    /// `carol (seq 13, 2026-11-02T10:00:00.000Z)`
    public var summary: String { "\(actor) (seq \(seq), \(recordedAt))" }

    /// The fact as JSON.
    public var jsonValue: JSONValue {
        .object([
            "seq": .integer(seq), "actor": .string(actor), "recorded_at": .string(recordedAt),
            "reason": reason.map { .string($0) } ?? .null,
        ])
    }
}

/// What the ledger records about how a switch was authorised (issue 13): the proposal it ran,
/// the approvals its request counted, whether it was an emergency switch and its post-hoc
/// review, and the switch it rolled back.
public struct SwitchApproval: Sendable, Equatable {
    /// seq of the `switch.proposed` entry the request names (`details.proposal_seq`).
    public var proposalSeq: Int64?
    /// Who proposed it, and when (nil when the proposal is not in the ledger).
    public var proposedBy: String?
    public var proposedAt: String?
    /// The approvals the request counted (`details.approval_seqs`), as recorded; an approval
    /// seq that names no `switch.approved` of the proposal is listed in `unknownApprovalSeqs`.
    public var approvals: [ApprovalFact] = []
    /// Approval seqs the request names that are not approvals of its proposal in the ledger.
    public var unknownApprovalSeqs: [Int64] = []
    /// The policy in force the request names (`details.policy_seq`).
    public var policySeq: Int64?
    /// True for a switch run with `--emergency` (`details.emergency`).
    public var emergency = false
    /// The first `switch.reviewed` of an emergency switch, nil while there is none.
    public var review: ApprovalFact?
    /// seq of the `switch.requested` this switch rolled back (`details.rollback_of`).
    public var rollbackOf: Int64?

    public init() {}

    /// An emergency switch with no post-hoc review yet.
    public var reviewOverdue: Bool { emergency && review == nil }

    /// True when the request records nothing of the approval workflow.
    public var isEmpty: Bool {
        proposalSeq == nil && approvals.isEmpty && unknownApprovalSeqs.isEmpty && policySeq == nil && !emergency
            && review == nil && rollbackOf == nil
    }

    /// `proposal 12 (bob) · approved by carol (seq 13, …) · emergency · review overdue · rollback of seq 9`
    public var summary: String {
        var parts: [String] = []
        if let proposalSeq { parts.append("proposal \(proposalSeq)" + (proposedBy.map { " (\($0))" } ?? "")) }
        if !approvals.isEmpty { parts.append("approved by " + approvals.map(\.summary).joined(separator: ", ")) }
        if !unknownApprovalSeqs.isEmpty {
            parts.append("approval seqs not in the ledger: " + unknownApprovalSeqs.map(String.init).joined(separator: ", "))
        }
        if emergency {
            parts.append("EMERGENCY")
            parts.append(review.map { "reviewed by \($0.summary)" } ?? "REVIEW OVERDUE")
        }
        if let rollbackOf { parts.append("rollback of seq \(rollbackOf)") }
        if parts.isEmpty { return "no approval recorded" }
        return parts.joined(separator: " · ")
    }

    /// The facts as JSON (absent facts as null).
    public var jsonValue: JSONValue {
        .object([
            "proposal_seq": proposalSeq.map { .integer($0) } ?? .null,
            "proposed_by": proposedBy.map { .string($0) } ?? .null,
            "proposed_at": proposedAt.map { .string($0) } ?? .null,
            "approvals": .array(approvals.map(\.jsonValue)),
            "unknown_approval_seqs": .array(unknownApprovalSeqs.map { .integer($0) }),
            "policy_seq": policySeq.map { .integer($0) } ?? .null,
            "emergency": .bool(emergency),
            "review": review?.jsonValue ?? .null,
            "review_overdue": .bool(reviewOverdue),
            "rollback_of": rollbackOf.map { .integer($0) } ?? .null,
        ])
    }
}

/// A switch that went live although the approvals recorded before its request do not satisfy the
/// policy in force then (re-evaluated with `ApprovalRules.evaluate`).
public struct UnapprovedSwitch: Sendable, Equatable {
    /// The switch, with its approval facts.
    public var record: SwitchRecord
    /// seq of the `policy.set` in force at its request.
    public var policySeq: Int64
    /// What the policy required that was missing, in words.
    public var missing: [String]

    public init(record: SwitchRecord, policySeq: Int64, missing: [String]) {
        self.record = record
        self.policySeq = policySeq
        self.missing = missing
    }

    /// The entry as JSON: the switch's members plus `policy_seq` and `missing`.
    public var jsonValue: JSONValue {
        var object = record.jsonValue.objectValue ?? [:]
        object["policy_seq_in_force"] = .integer(policySeq)
        object["missing"] = .array(missing.map { .string($0) })
        return .object(object)
    }
}

/// A proposal that is neither declined nor used by a switch (at the report's head).
public struct PendingProposal: Sendable, Equatable {
    public var seq: Int64
    public var proposedAt: String
    public var model: String?
    public var retrainJobID: String?
    /// Who proposed it.
    public var actor: String
    public var reason: String?
    /// Its approvals so far, oldest first.
    public var approvals: [ApprovalFact]
    /// What the policy in force at the head still requires before `ledger switch --proposal`
    /// would run it, in words; empty when it could run now (as of the report).
    public var missing: [String]

    public init(
        seq: Int64, proposedAt: String, model: String?, retrainJobID: String?, actor: String, reason: String?,
        approvals: [ApprovalFact], missing: [String]
    ) {
        self.seq = seq
        self.proposedAt = proposedAt
        self.model = model
        self.retrainJobID = retrainJobID
        self.actor = actor
        self.reason = reason
        self.approvals = approvals
        self.missing = missing
    }

    /// The proposal as JSON.
    public var jsonValue: JSONValue {
        .object([
            "proposal_seq": .integer(seq), "proposed_at": .string(proposedAt),
            "model": model.map { .string($0) } ?? .null, "retrain_job_id": retrainJobID.map { .string($0) } ?? .null,
            "actor": .string(actor), "reason": reason.map { .string($0) } ?? .null,
            "approvals": .array(approvals.map(\.jsonValue)), "missing": .array(missing.map { .string($0) }),
        ])
    }
}
