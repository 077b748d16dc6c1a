import Foundation
import LedgerCore
import Testing

/// The one approval rule (`ApprovalRules.evaluate`), the policy parser and the rollback walk, as pure functions.
struct ApprovalRulesTests {
    private static let base: Int64 = 1_800_000_000_000  // ms

    private static func entry(_ seq: Int64, _ kind: EntryKind, actor: String, ref: Int64? = nil, atSeconds: Int64 = 0) throws -> LedgerEntry {
        var row: [String: SQLValue] = [
            "seq": .integer(seq), "ledger_id": .text("l"), "recorded_at": .text(Timestamp.format(epochMilliseconds: base + atSeconds * 1000)),
            "kind": .text(kind.rawValue), "actor": .text(actor), "os_user": .text("u"), "host": .text("h"), "model": .text("churn"),
            "retrain_job_id": .text("job-a"), "key_id": .text("k"), "prev_mac": .text("0"), "mac": .text("0"),
        ]
        if let ref { row["ref_seq"] = .integer(ref) }
        return try LedgerEntry(row: row)
    }

    private static let proposal = { try! entry(10, .switchProposed, actor: "alice") }()
    private static func now(_ seconds: Int64) -> Date { Date(timeIntervalSince1970: Double(base) / 1000 + Double(seconds)) }

    private static func approve(_ seq: Int64, _ actor: String, at: Int64 = 1) throws -> LedgerEntry {
        try entry(seq, .switchApproved, actor: actor, ref: 10, atSeconds: at)
    }

    @Test func requesterApprovalDoesNotCountUnlessAllowed() throws {
        let approvals = [try Self.approve(11, "alice")]
        let strict = ApprovalRules.evaluate(
            proposal: Self.proposal, approvals: approvals, declines: [], usedBy: nil, policy: .init(approvalsRequired: 1), now: Self.now(5))
        #expect(!strict.isSatisfied)
        #expect(strict.missing.contains { $0.contains("alice proposed the switch and may not approve it") })
        let lenient = ApprovalRules.evaluate(
            proposal: Self.proposal, approvals: approvals, declines: [], usedBy: nil,
            policy: .init(approvalsRequired: 1, requesterMayApprove: true), now: Self.now(5))
        #expect(lenient == .satisfied(approvalSeqs: [11]))
    }

    @Test func approvalsCountOncePerDistinctApprover() throws {
        let approvals = [try Self.approve(11, "bob"), try Self.approve(12, "bob")]
        let rules = ApprovalPolicy.Rules(approvalsRequired: 2)
        let one = ApprovalRules.evaluate(proposal: Self.proposal, approvals: approvals, declines: [], usedBy: nil, policy: rules, now: Self.now(5))
        #expect(one.missing.first?.contains("has 1 that count") == true)
        let two = ApprovalRules.evaluate(
            proposal: Self.proposal, approvals: approvals + [try Self.approve(13, "carol")], declines: [], usedBy: nil, policy: rules, now: Self.now(5))
        #expect(two == .satisfied(approvalSeqs: [12, 13]))
    }

    @Test func approversListRestrictsWhoCounts() throws {
        let rules = ApprovalPolicy.Rules(approvalsRequired: 1, approvers: ["carol", "dave"])
        let bob = ApprovalRules.evaluate(
            proposal: Self.proposal, approvals: [try Self.approve(11, "bob")], declines: [], usedBy: nil, policy: rules, now: Self.now(5))
        #expect(bob.missing.contains { $0.contains("bob is not among the approvers (carol, dave)") })
        let carol = ApprovalRules.evaluate(
            proposal: Self.proposal, approvals: [try Self.approve(11, "carol")], declines: [], usedBy: nil, policy: rules, now: Self.now(5))
        #expect(carol.isSatisfied)
    }

    @Test func approvalsExpireAfterTheTTL() throws {
        let rules = ApprovalPolicy.Rules(approvalsRequired: 1, approvalTTL: "30m")
        let approvals = [try Self.approve(11, "bob", at: 0)]
        #expect(
            ApprovalRules.evaluate(proposal: Self.proposal, approvals: approvals, declines: [], usedBy: nil, policy: rules, now: Self.now(1799)).isSatisfied)
        let late = ApprovalRules.evaluate(proposal: Self.proposal, approvals: approvals, declines: [], usedBy: nil, policy: rules, now: Self.now(1800))
        #expect(late.missing.contains { $0.contains("expired at") && $0.contains("approval_ttl 30m") })
    }

    @Test func declineAndReuseBlockEvenWithEnoughApprovals() throws {
        let approvals = [try Self.approve(11, "bob")]
        let rules = ApprovalPolicy.Rules(approvalsRequired: 1)
        let declined = ApprovalRules.evaluate(
            proposal: Self.proposal, approvals: approvals, declines: [try Self.entry(12, .switchDeclined, actor: "dave", ref: 10)], usedBy: nil,
            policy: rules, now: Self.now(5))
        #expect(declined == .notSatisfied(missing: ["proposal 10 was declined by dave (seq 12)"]))
        let used = ApprovalRules.evaluate(proposal: Self.proposal, approvals: approvals, declines: [], usedBy: 14, policy: rules, now: Self.now(5))
        #expect(used.missing.first?.contains("already used by the switch at seq 14") == true)
        // No approval required: still blocked by a decline.
        let none = ApprovalRules.evaluate(
            proposal: Self.proposal, approvals: [], declines: [try Self.entry(12, .switchDeclined, actor: "alice", ref: 10)], usedBy: nil,
            policy: .noPolicy, now: Self.now(5))
        #expect(!none.isSatisfied)
    }

    @Test func approvalsOfAnotherProposalDoNotCount() throws {
        let other = try Self.entry(11, .switchApproved, actor: "bob", ref: 9)
        #expect(
            !ApprovalRules.evaluate(
                proposal: Self.proposal, approvals: [other], declines: [], usedBy: nil, policy: .init(approvalsRequired: 1), now: Self.now(5)
            ).isSatisfied)
    }

    @Test func policyParsesMergesAndHashesCanonically() throws {
        let json = try JSONValue(
            parsing:
                #"{"default":{"approvals_required":1,"approval_ttl":"24h","emergency_allowed":true},"models":{"churn":{"approvals_required":2,"approvers":["dave","carol"]}}}"#
        )
        let policy = try ApprovalPolicy(json: json)
        #expect(policy.rules(for: "fraud") == ApprovalPolicy.Rules(approvalsRequired: 1, approvalTTL: "24h", emergencyAllowed: true))
        #expect(
            policy.rules(for: "churn") == ApprovalPolicy.Rules(approvalsRequired: 2, approvalTTL: "24h", emergencyAllowed: true, approvers: ["carol", "dave"]))
        // The recorded (merged, canonical) form reads back to the same policy and hash.
        let again = try ApprovalPolicy(json: try JSONValue(parsing: policy.canonicalJSON))
        #expect(again == policy && again.sha256 == policy.sha256 && policy.sha256.count == 64)
    }

    @Test(arguments: [
        (#"{"default":{"approvals_required":1},"extra":{}}"#, "extra"),
        (#"{"default":{"aproovals_required":1}}"#, "default.aproovals_required"),
        (#"{"default":{"approvals_required":"1"}}"#, "default.approvals_required"),
        (#"{"default":{"approval_ttl":"24 hours"}}"#, "default.approval_ttl"),
        (#"{"default":{"approvers":["bob"]}}"#, "default.approvers"),
        (#"{"models":{"churn":{"approvers":[]}}}"#, "models.churn.approvers"),
        (#"{"models":{"churn":{"approvals_required":3,"approvers":["a","b"]}}}"#, "models.churn.approvals_required"),
    ])
    func policyErrorsNameTheKey(text: String, key: String) throws {
        let json = try JSONValue(parsing: text)
        let error = #expect(throws: ApprovalPolicyError.self) { try ApprovalPolicy(json: json) }
        #expect(error?.key == key)
    }

    @Test func durations() {
        #expect(ApprovalPolicy.seconds(ofDuration: "30s") == 30)
        #expect(ApprovalPolicy.seconds(ofDuration: "30m") == 1800)
        #expect(ApprovalPolicy.seconds(ofDuration: "24h") == 86_400)
        #expect(ApprovalPolicy.seconds(ofDuration: "7d") == 604_800)
        #expect(ApprovalPolicy.seconds(ofDuration: "1h30m") == 5400)
        for bad in ["", "0h", "h", "24", "24 h", "-1h", "1.5h", "1w", "99999999999d", "3651d"] {
            #expect(ApprovalPolicy.seconds(ofDuration: bad) == nil, "\(bad)")
        }
    }

    @Test func rollbackWalksBackAndNeverReturnsToARolledBackSwitch() {
        func s(_ seq: Int64, _ job: String, of: Int64? = nil, ok: Bool = true) -> RollbackPlan.Switch {
            .init(requestSeq: seq, retrainJobID: job, rollbackOf: of, succeeded: ok)
        }
        var history = [s(2, "A"), s(4, "B"), s(5, "X", ok: false), s(7, "C")]
        #expect(RollbackPlan.target(history).map { [$0.rollbackOf] + [] } == [7] && RollbackPlan.target(history)?.retrainJobID == "B")
        history.append(s(9, "B", of: 7))
        #expect(RollbackPlan.target(history)?.rollbackOf == 4 && RollbackPlan.target(history)?.retrainJobID == "A")
        history.append(s(11, "A", of: 4))
        #expect(RollbackPlan.target(history) == nil)
        #expect(RollbackPlan.target([]) == nil && RollbackPlan.target([s(2, "A")]) == nil)
    }
}
