import Foundation
import LedgerCore

/// What the switch gate decided: the members it adds to `switch.requested`'s details, the `policy.set`
/// to write first (when the policy in force changed), and what it counted.
public struct SwitchGateDecision: Sendable, Equatable {
    /// Members added to `switch.requested` `details` (`proposal_seq`, `approval_seqs`, `policy_seq`,
    /// `emergency`, `rollback_of`); empty when no policy is in force and none of them applies.
    public var details: [String: JSONValue] = [:]
    /// The `policy.set` to write before the request, when the policy in force changed.
    public var policyDraft: EntryDraft?
    /// The proposal used, if any.
    public var proposalSeq: Int64?
    /// The approvals counted.
    public var approvalSeqs: [Int64] = []
    /// The `policy.set` seq in force (nil when no policy is in force).
    public var policySeq: Int64?
}

/// The switch gate: whether a switch may go out now under the policy in force. Run once before
/// anything is written or sent (so a refused switch writes nothing and sends nothing), and again
/// inside the append of `switch.requested`, under the write lock, where it decides (so two switches
/// can never both use one proposal). Refuses with ``ApprovalRefusal``.
public enum SwitchGate {
    /// Decides for `request` on what `store` holds now.
    public static func check(_ request: SwitchRequest, store: LedgerStore, now: Date = Date()) throws -> SwitchGateDecision {
        let (inForce, policyDraft) = try ApprovalLedger.policyInForce(file: request.policy, store: store)
        let rules = inForce.rules(for: request.model)
        var decision = SwitchGateDecision(policyDraft: policyDraft, policySeq: inForce.seq)
        if inForce.policy != nil || request.proposalSeq != nil || request.emergency || request.rollbackOf != nil {
            decision.details["policy_seq"] = inForce.seq.map { .integer($0) } ?? .null
        }
        if let rollbackOf = request.rollbackOf {
            let target = RollbackPlan.target(try ApprovalLedger.switches(model: request.model, in: store))
            guard let target, target.rollbackOf == rollbackOf, target.retrainJobID == request.retrainJobID else {
                throw ApprovalRefusal(
                    "the history of model \(request.model) changed since the rollback was planned (another switch ran); run the rollback again")
            }
            decision.details["rollback_of"] = .integer(rollbackOf)
        }
        if request.emergency {
            guard inForce.policy != nil else {
                throw ApprovalRefusal("--emergency needs an approval policy that allows it (emergency_allowed = true); no policy is in force")
            }
            guard rules.emergencyAllowed else {
                throw ApprovalRefusal(
                    "the policy in force (policy.set seq \(inForce.seq.map(String.init) ?? "?")) does not allow emergency switches of model \(request.model) (emergency_allowed = false)"
                )
            }
            decision.details["emergency"] = .bool(true)
            return decision
        }
        let proposal: LedgerEntry
        if let seq = request.proposalSeq {
            proposal = try ApprovalLedger.proposal(seq: seq, in: store)
            guard proposal.model == request.model, proposal.retrainJobID == request.retrainJobID else {
                throw ApprovalRefusal(
                    "proposal \(seq) is for model \(proposal.model ?? "?") → \(proposal.retrainJobID ?? "?"), not \(request.model) → \(request.retrainJobID)")
            }
        } else if rules.approvalsRequired > 0 {
            let open = try ApprovalLedger.openProposals(model: request.model, retrainJobID: request.retrainJobID, in: store)
            switch open.count {
            case 0:
                throw ApprovalRefusal(
                    "model \(request.model) needs \(rules.approvalsRequired) approval(s) before a switch, and there is no open proposal for job \(request.retrainJobID): run `ledger propose \(request.retrainJobID) --model \(request.model) --reason …` and have it approved"
                )
            case 1:
                proposal = open[0]
            default:
                throw ApprovalRefusal(
                    "several open proposals for model \(request.model) → \(request.retrainJobID) (seqs \(open.map { String($0.seq) }.joined(separator: ", "))): name one with --proposal"
                )
            }
        } else {
            return decision
        }
        let verdict = try ApprovalLedger.evaluate(proposal, rules: rules, in: store, now: now)
        guard case .satisfied(let approvals) = verdict else { throw ApprovalRefusal(verdict.missing) }
        decision.proposalSeq = proposal.seq
        decision.approvalSeqs = approvals
        decision.details["proposal_seq"] = .integer(proposal.seq)
        decision.details["approval_seqs"] = .array(approvals.map { .integer($0) })
        return decision
    }
}

extension ApprovalLedger {
    /// The `switch.requested` entries of `model`, oldest first, with whether each succeeded (every
    /// completion recorded `succeeded`, at least one): the input of ``RollbackPlan``.
    public static func switches(model: String, in store: LedgerStore) throws -> [RollbackPlan.Switch] {
        var filter = EntryFilter()
        filter.kind = EntryKind.switchRequested
        filter.model = model
        var requests: [LedgerEntry] = []
        try store.forEachEntry(matching: filter) { requests.append($0) }
        return try requests.compactMap { request in
            guard let job = request.retrainJobID else { return nil }
            let completions = try store.completions(of: request.seq)
            let succeeded = !completions.isEmpty && completions.allSatisfy { $0.outcome == .succeeded }
            return RollbackPlan.Switch(
                requestSeq: request.seq, retrainJobID: job, rollbackOf: request.detailsObject?["rollback_of"]?.integerValue, succeeded: succeeded)
        }
    }
}
