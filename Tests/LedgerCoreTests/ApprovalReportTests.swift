import Foundation
import LedgerTestSupport
import Testing

@_spi(Testing) @testable import LedgerCore

/// A ledger written through the library in the issue-13 entry format: a policy requiring one
/// approval from someone other than the requester, an approved switch, one that went live
/// without approval, one approved only by its own requester, two emergency switches (one
/// reviewed), a pending and a declined proposal, and a rollback.
final class ApprovalScenario: @unchecked Sendable {
    let s: SwitchScenario
    var policy: LedgerEntry!
    var approvedProposal: LedgerEntry!, carolApproval: LedgerEntry!, approvedSwitch: LedgerEntry!, approvedDone: LedgerEntry!
    var unapprovedSwitch: LedgerEntry!
    var selfApprovedSwitch: LedgerEntry!
    var emergencyOpen: LedgerEntry!, emergencyReviewed: LedgerEntry!, review: LedgerEntry!
    var pendingProposal: LedgerEntry!, pendingApproval: LedgerEntry!
    var declinedProposal: LedgerEntry!
    var rollbackProposal: LedgerEntry!, rollbackApproval: LedgerEntry!, rollbackSwitch: LedgerEntry!

    /// A reason with an ESC sequence, a bidi override, a newline and markup: every renderer must neutralise it.
    static let hostileReason = "CHG-9 \u{1B}]8;;x\u{07}link\u{1B}]8;;\u{07} \u{202E}gpj\nnext | </script> =1+1"

    init() throws {
        s = try SwitchScenario()
        // Recorded as the writer records it: the merged policy's canonical JSON.
        let table: JSONValue = .object([
            "default": .object(["approvals_required": .integer(1), "requester_may_approve": .bool(false), "emergency_allowed": .bool(true)])
        ])
        let rules = try ApprovalPolicy(json: table)
        var set = EntryDraft(kind: .policySet)
        set.reason = "policy file changed"
        set.details = ["policy": try JSONValue(parsing: rules.canonicalJSON), "sha256": .string(rules.sha256), "source": .string("policy.toml")]
        policy = try s.append(set, actor: "admin")

        approvedProposal = try propose("churn", "job-a", by: "alice")
        carolApproval = try approve(approvedProposal, by: "carol")
        approvedSwitch = try request("churn", "job-a", by: "alice", proposal: approvedProposal, approvals: [carolApproval])
        approvedDone = try s.complete(approvedSwitch, .succeeded)

        unapprovedSwitch = try request("churn", "job-b", by: "mallory", proposal: nil, approvals: [])
        try s.complete(unapprovedSwitch, .succeeded)

        let own = try propose("churn", "job-c", by: "erin")
        let ownApproval = try approve(own, by: "erin")
        selfApprovedSwitch = try request("churn", "job-c", by: "erin", proposal: own, approvals: [ownApproval])
        try s.complete(selfApprovedSwitch, .succeeded)

        emergencyOpen = try request("fraud", "job-e1", by: "bob", proposal: nil, approvals: [], emergency: true)
        try s.complete(emergencyOpen, .succeeded)
        emergencyReviewed = try request("fraud", "job-e2", by: "bob", proposal: nil, approvals: [], emergency: true)
        try s.complete(emergencyReviewed, .succeeded)
        var reviewDraft = EntryDraft(kind: .switchReviewed)
        reviewDraft.refSeq = emergencyReviewed.seq
        reviewDraft.reason = "post-hoc review: fine"
        review = try s.append(reviewDraft, actor: "carol")

        pendingProposal = try propose("churn", "job-p", by: "alice", reason: Self.hostileReason)
        pendingApproval = try approve(pendingProposal, by: "dave")
        declinedProposal = try propose("churn", "job-d", by: "alice")
        var decline = EntryDraft(kind: .switchDeclined)
        decline.refSeq = declinedProposal.seq
        decline.reason = "not this one"
        try s.append(decline, actor: "carol")

        rollbackProposal = try propose("churn", "job-c2", by: "alice")
        rollbackApproval = try approve(rollbackProposal, by: "dave")
        rollbackSwitch = try request(
            "churn", "job-c2", by: "alice", proposal: rollbackProposal, approvals: [rollbackApproval], rollbackOf: selfApprovedSwitch.seq)
        try s.complete(rollbackSwitch, .succeeded)
    }

    func propose(_ model: String, _ job: String, by actor: String, reason: String? = nil) throws -> LedgerEntry {
        var draft = EntryDraft(kind: .switchProposed)
        draft.model = model
        draft.retrainJobID = job
        draft.reason = reason ?? "CHG-\(job)"
        draft.details = ["policy_seq": .integer(policy.seq)]
        return try s.append(draft, actor: actor)
    }

    func approve(_ proposal: LedgerEntry, by actor: String) throws -> LedgerEntry {
        var draft = EntryDraft(kind: .switchApproved)
        draft.refSeq = proposal.seq
        draft.reason = "looked at the metrics"
        return try s.append(draft, actor: actor)
    }

    func request(
        _ model: String, _ job: String, by actor: String, proposal: LedgerEntry?, approvals: [LedgerEntry], emergency: Bool = false,
        rollbackOf: Int64? = nil
    ) throws -> LedgerEntry {
        var draft = EntryDraft(kind: .switchRequested)
        draft.model = model
        draft.retrainJobID = job
        draft.reason = "CHG-\(job)"
        draft.requestMethod = "PUT"
        var details: [String: JSONValue] = ["policy_seq": .integer(policy.seq)]
        if let proposal { details["proposal_seq"] = .integer(proposal.seq) }
        if !approvals.isEmpty || proposal != nil { details["approval_seqs"] = .array(approvals.map { .integer($0.seq) }) }
        if emergency { details["emergency"] = .bool(true) }
        if let rollbackOf { details["rollback_of"] = .integer(rollbackOf) }
        draft.details = details
        return try s.append(draft, actor: actor)
    }

    func report(_ filter: ReportFilter = ReportFilter()) throws -> LedgerReport {
        try s.reporter().report(filter: filter, verification: try s.verified(), options: .init(switchLimit: 0))
    }
}

@Suite("Approval reports: proposals, approvers, unapproved switches, pending proposals, overdue reviews")
struct ApprovalReportTests {
    @Test("each switch carries its proposal, the approvals it counted (seq, actor, time), emergency, review and rollback_of")
    func switchRecordsCarryApprovalFacts() throws {
        let a = try ApprovalScenario()
        let report = try a.report()
        #expect(report.approvalsInUse)
        func record(_ entry: LedgerEntry) throws -> SwitchApproval {
            try #require(report.switches.first { $0.requestSeq == entry.seq }?.approval)
        }
        let approved = try record(a.approvedSwitch)
        #expect(approved.proposalSeq == a.approvedProposal.seq && approved.proposedBy == "alice")
        #expect(
            approved.approvals == [
                ApprovalFact(seq: a.carolApproval.seq, actor: "carol", recordedAt: a.carolApproval.recordedAt, reason: "looked at the metrics")
            ])
        #expect(!approved.emergency && approved.review == nil && approved.rollbackOf == nil)
        let open = try record(a.emergencyOpen)
        #expect(open.emergency && open.reviewOverdue && open.approvals.isEmpty)
        let reviewed = try record(a.emergencyReviewed)
        #expect(reviewed.emergency && !reviewed.reviewOverdue && reviewed.review?.seq == a.review.seq && reviewed.review?.actor == "carol")
        #expect(try record(a.rollbackSwitch).rollbackOf == a.selfApprovedSwitch.seq)
        // The JSON of a switch has the same facts.
        let json = try #require(report.switches.first { $0.requestSeq == a.approvedSwitch.seq }?.jsonValue["approval"])
        #expect(first(json["approvals"])?["actor"]?.stringValue == "carol")
        #expect(json["proposal_seq"]?.integerValue == a.approvedProposal.seq)
    }

    @Test(
        "went live without required approvals: the switch with no proposal and the self-approved one, re-evaluated with ApprovalRules; never the approved, emergency or rollback ones"
    )
    func unapprovedSection() throws {
        let a = try ApprovalScenario()
        let report = try a.report()
        #expect(report.unapproved.map(\.record.requestSeq) == [a.unapprovedSwitch.seq, a.selfApprovedSwitch.seq])
        #expect(report.unapproved.allSatisfy { $0.policySeq == a.policy.seq })
        let selfApproved = try #require(report.unapproved.last)
        #expect(selfApproved.missing.contains { $0.contains("erin proposed the switch and may not approve it") }, "\(selfApproved.missing)")
        #expect(report.unapproved.first?.missing.first?.contains("needs 1 approval(s)") == true)
        // Filters apply: only fraud switches → nothing unapproved.
        var fraud = ReportFilter()
        fraud.model = "fraud"
        #expect(try a.report(fraud).unapproved.isEmpty)
    }

    @Test("a switch before any policy.set needs no approval: not listed")
    func switchBeforePolicyIsNotListed() throws {
        let s = try SwitchScenario()
        try s.switchModel("churn", "job-0", by: "alice", .succeeded)
        let table: JSONValue = .object(["default": .object(["approvals_required": .integer(1)])])
        let rules = try ApprovalPolicy(json: table)
        var set = EntryDraft(kind: .policySet)
        set.details = ["policy": table, "sha256": .string(rules.sha256), "source": .string("p.toml")]
        try s.append(set, actor: "admin")
        let report = try s.reporter().report(filter: ReportFilter(), verification: try s.verified())
        #expect(report.approvalsInUse && report.unapproved.isEmpty)
        // Its record still gets the (empty) approval facts, like every switch of this ledger.
        #expect(report.switches.first?.approval == SwitchApproval())
    }

    @Test("overdue reviews: the emergency switch without switch.reviewed, not the reviewed one")
    func overdueReviews() throws {
        let a = try ApprovalScenario()
        #expect(try a.report().overdueReviews.map(\.requestSeq) == [a.emergencyOpen.seq])
    }

    @Test("pending proposals: proposed, not declined, not used; with approvals so far and what is still missing")
    func pendingProposals() throws {
        let a = try ApprovalScenario()
        let pending = try a.report().pendingProposals
        #expect(pending.map(\.seq) == [a.pendingProposal.seq])
        #expect(pending.first?.approvals.map(\.actor) == ["dave"])
        #expect(pending.first?.missing == [], "one approval by someone else: ready")
        #expect(pending.first?.reason == ApprovalScenario.hostileReason)
    }

    @Test("--as-of shows who approved the live job")
    func asOfShowsApprovers() throws {
        let a = try ApprovalScenario()
        let reporter = a.s.reporter()
        let early = try reporter.asOf(a.approvedDone.recordedAt, model: "churn", verification: try a.s.verified())
        #expect(early.models.first?.live?.requestSeq == a.approvedSwitch.seq)
        #expect(early.models.first?.live?.approval?.approvals.map(\.actor) == ["carol"])
        let now = try reporter.asOf(Reporter.endOfTime, model: "churn", verification: try a.s.verified())
        #expect(now.models.first?.live?.approval?.approvals.map(\.seq) == [a.rollbackApproval.seq])
        #expect(now.models.first?.live?.approval?.rollbackOf == a.selfApprovedSwitch.seq)
        #expect(now.jsonValue["identity"]?.stringValue == "identity not authenticated (local mode)")
    }

    @Test("history carries the same approval facts as report")
    func historyCarriesApprovalFacts() throws {
        let a = try ApprovalScenario()
        let history = try a.s.reporter().history(model: "churn", filter: ReportFilter(), verification: try a.s.verified())
        let report = try a.report()
        for record in history.switches {
            #expect(record.approval == report.switches.first { $0.requestSeq == record.requestSeq }?.approval)
        }
        #expect(history.switches.first { $0.requestSeq == a.approvedSwitch.seq }?.approval?.approvals.map(\.actor) == ["carol"])
    }

    @Test("a ledger without approval entries: no approval facts, no approval sections in JSON, only the identity member")
    func ledgerWithoutApprovalsReadsAsBefore() throws {
        let s = try SwitchScenario()
        try s.switchModel("churn", "job-1", by: "alice", .succeeded)
        let report = try s.reporter().report(filter: ReportFilter(), verification: try s.verified())
        #expect(!report.approvalsInUse && report.switches.allSatisfy { $0.approval == nil })
        let json = report.jsonValue
        #expect(json["identity"]?.stringValue == ReportIdentity.localMode)
        #expect(json["not_approved"] == nil && json["pending_proposals"] == nil && json["overdue_reviews"] == nil)
        #expect(first(json["switches"]?["items"])?["approval"] == nil)
    }
}

/// The first element of a JSON array.
private func first(_ value: JSONValue?) -> JSONValue? {
    if case .array(let items)? = value { return items.first }
    return nil
}
