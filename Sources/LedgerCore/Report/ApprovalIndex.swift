import Foundation

/// The approval-workflow entries of one report snapshot, read once and indexed in memory: the
/// policies recorded, proposals, approvals, declines and reviews, and what each switch request
/// says of them (`details`). A ledger that never used approvals has none: `isEmpty`, and the
/// reports read exactly as before (only the identity line is new).
///
/// The rules are not here: whether approvals satisfy a policy is `ApprovalRules.evaluate`, the
/// function the switch gate calls.
struct ApprovalIndex {
    /// `policy.set` entries, by seq.
    private(set) var policies: [LedgerEntry] = []
    /// `switch.proposed` entries by seq, in seq order.
    private(set) var proposals: [LedgerEntry] = []
    private var proposalBySeq: [Int64: LedgerEntry] = [:]
    /// `switch.approved` / `switch.declined` entries by the proposal they name, oldest first.
    private var approvalsByProposal: [Int64: [LedgerEntry]] = [:]
    private var declinesByProposal: [Int64: [LedgerEntry]] = [:]
    /// `switch.reviewed` entries by the request they name, oldest first.
    private var reviewsByRequest: [Int64: [LedgerEntry]] = [:]
    /// The requests that name each proposal (`details.proposal_seq`), in seq order.
    private(set) var requestsByProposal: [Int64: [Int64]] = [:]
    /// The emergency requests (`details.emergency: true`), in seq order.
    private(set) var emergencyRequests: [Int64] = []
    /// seq of the first approval-workflow entry, nil when there is none.
    private(set) var firstSeq: Int64?

    /// True when the ledger (up to the bound) records nothing of the approval workflow.
    var isEmpty: Bool { firstSeq == nil }

    /// An index with nothing in it.
    init() {}

    /// The approval entries with seq ≤ `bound`, and the details of the requests after the first one.
    init(reader: any ReportReader, bound: Int64) throws {
        let entries = try reader.approvalEntries(bound: bound)
        guard let first = entries.first else { return }
        firstSeq = first.seq
        for entry in entries {
            switch entry.kind {
            case .policySet: policies.append(entry)
            case .switchProposed:
                proposals.append(entry)
                proposalBySeq[entry.seq] = entry
            case .switchApproved: if let ref = entry.refSeq { approvalsByProposal[ref, default: []].append(entry) }
            case .switchDeclined: if let ref = entry.refSeq { declinesByProposal[ref, default: []].append(entry) }
            case .switchReviewed: if let ref = entry.refSeq { reviewsByRequest[ref, default: []].append(entry) }
            default: break
            }
        }
        // A request can name a proposal, or be an emergency, only once the workflow is in use: the
        // requests before the first approval entry need not be read.
        for row in try reader.requestDetails(after: first.seq, bound: bound) {
            let facts = RequestFacts(details: row.details)
            if let proposal = facts.proposalSeq { requestsByProposal[proposal, default: []].append(row.seq) }
            if facts.emergency { emergencyRequests.append(row.seq) }
        }
    }

    /// The approval members of a request's `details`.
    struct RequestFacts {
        var proposalSeq: Int64?
        var approvalSeqs: [Int64] = []
        var policySeq: Int64?
        var emergency = false
        var rollbackOf: Int64?

        init(details: String?) {
            guard let details, let object = (try? JSONValue(parsing: details))?.objectValue else { return }
            proposalSeq = object["proposal_seq"]?.integerValue
            if case .array(let seqs)? = object["approval_seqs"] { approvalSeqs = seqs.compactMap(\.integerValue) }
            policySeq = object["policy_seq"]?.integerValue
            if case .bool(true)? = object["emergency"] { emergency = true }
            rollbackOf = object["rollback_of"]?.integerValue
        }

        /// True when the details name nothing of the approval workflow.
        var isEmpty: Bool { proposalSeq == nil && approvalSeqs.isEmpty && policySeq == nil && !emergency && rollbackOf == nil }
    }

    func proposal(_ seq: Int64) -> LedgerEntry? { proposalBySeq[seq] }
    func approvals(of proposal: Int64) -> [LedgerEntry] { approvalsByProposal[proposal] ?? [] }
    func declines(of proposal: Int64) -> [LedgerEntry] { declinesByProposal[proposal] ?? [] }
    func reviews(of request: Int64) -> [LedgerEntry] { reviewsByRequest[request] ?? [] }

    /// The newest `policy.set` with seq below `seq`: the policy in force when that entry was written.
    func policy(before seq: Int64) -> LedgerEntry? {
        var low = 0, high = policies.count
        while low < high {
            let mid = (low + high) / 2
            if policies[mid].seq < seq { low = mid + 1 } else { high = mid }
        }
        return low > 0 ? policies[low - 1] : nil
    }

    /// The approval facts of a request (seq and `details`): nil when the ledger records nothing
    /// of the workflow and the request names nothing of it either.
    func facts(request: Int64, details: String?) -> SwitchApproval? {
        let facts = RequestFacts(details: details)
        guard !isEmpty || !facts.isEmpty else { return nil }
        var approval = SwitchApproval()
        approval.proposalSeq = facts.proposalSeq
        approval.policySeq = facts.policySeq
        approval.emergency = facts.emergency
        approval.rollbackOf = facts.rollbackOf
        if let seq = facts.proposalSeq {
            let proposal = proposal(seq)
            approval.proposedBy = proposal?.actor
            approval.proposedAt = proposal?.recordedAt
            let recorded = approvals(of: seq)
            for approvalSeq in facts.approvalSeqs {
                if let entry = recorded.first(where: { $0.seq == approvalSeq }) {
                    approval.approvals.append(ApprovalFact(entry))
                } else {
                    approval.unknownApprovalSeqs.append(approvalSeq)
                }
            }
        } else {
            approval.unknownApprovalSeqs = facts.approvalSeqs
        }
        if let review = reviews(of: request).first { approval.review = ApprovalFact(review) }
        return approval
    }

    /// `record` with its approval facts from `details` (the request's).
    func attach(to record: inout SwitchRecord, details: String?) {
        record.approval = facts(request: record.requestSeq, details: details)
        record.requestDetails = nil
    }
}

extension Timestamp {
    /// A ledger time (`recorded_at`) as a `Date`; nil when it does not parse.
    static func date(_ recordedAt: String) -> Date? {
        parse(recordedAt).map { Date(timeIntervalSince1970: TimeInterval($0) / 1000) }
    }
}

extension ApprovalIndex {
    /// The rules of the policy recorded by `policy` for `model`, or why they cannot be read.
    static func rules(of policy: LedgerEntry, model: String?) -> Result<ApprovalPolicy.Rules, ApprovalPolicyError> {
        do {
            return .success(try ApprovalPolicy(recorded: policy).rules(for: model ?? ""))
        } catch {
            return .failure(error)
        }
    }

    /// What a switch lacked when it was requested: its approvals re-evaluated with
    /// `ApprovalRules.evaluate` against the policy of the newest `policy.set` before its request,
    /// at its request's time, counting only the approvals and declines recorded before it. Nil when
    /// no policy was in force or the policy was satisfied. Emergency switches are the caller's to
    /// leave out (they are listed for review instead).
    func unmetApprovals(of request: LedgerEntry) -> (policySeq: Int64, missing: [String])? {
        guard let policy = policy(before: request.seq) else { return nil }
        let rules: ApprovalPolicy.Rules
        switch Self.rules(of: policy, model: request.model) {
        case .success(let r): rules = r
        case .failure(let error):
            return (policy.seq, ["the policy recorded at seq \(policy.seq) cannot be read (\(error)): nothing shows this switch was allowed"])
        }
        let facts = RequestFacts(details: request.details)
        var notes: [String] = []
        // The proposal the request names; a request that names none (or one the ledger lacks) is
        // evaluated as a proposal of its own with no approvals, so the rules alone decide whether
        // the policy needed any.
        var proposal = request
        proposal.kind = .switchProposed
        if let seq = facts.proposalSeq {
            if let named = self.proposal(seq) {
                proposal = named
                if named.model != request.model || named.retrainJobID != request.retrainJobID {
                    notes.append(
                        "the switch ran \(request.model ?? "-")/\(request.retrainJobID ?? "-") but proposal \(seq) was for \(named.model ?? "-")/\(named.retrainJobID ?? "-")"
                    )
                }
            } else {
                notes.append("the switch names proposal \(seq), which is not a switch.proposed entry of this ledger")
            }
        }
        let before = { (entry: LedgerEntry) in entry.seq < request.seq }
        let usedBy = requestsByProposal[proposal.seq]?.first { $0 < request.seq }
        let decision = ApprovalRules.evaluate(
            proposal: proposal, approvals: approvals(of: proposal.seq).filter(before), declines: declines(of: proposal.seq).filter(before),
            usedBy: usedBy, policy: rules, now: Timestamp.date(request.recordedAt) ?? .distantFuture)
        // A policy that needed no approval is met whatever proposal the request names; otherwise a
        // mismatched or missing proposal means the approvals counted were not for this switch.
        let missing = decision.isSatisfied && decision.approvalSeqs.isEmpty ? [] : decision.missing + notes
        return missing.isEmpty ? nil : (policy.seq, missing)
    }

    /// What `proposal` still needs before the switch gate would run it, under the newest policy
    /// recorded up to the report's head, at `now`; empty when nothing is missing.
    func missing(for proposal: LedgerEntry, now: Date) -> [String] {
        guard let policy = policies.last else { return [] }
        switch Self.rules(of: policy, model: proposal.model) {
        case .failure(let error):
            return ["the policy recorded at seq \(policy.seq) cannot be read (\(error))"]
        case .success(let rules):
            return ApprovalRules.evaluate(
                proposal: proposal, approvals: approvals(of: proposal.seq), declines: declines(of: proposal.seq),
                usedBy: requestsByProposal[proposal.seq]?.first, policy: rules, now: now
            ).missing
        }
    }
}
