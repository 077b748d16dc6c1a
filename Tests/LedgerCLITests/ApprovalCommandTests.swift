import Foundation
import LedgerCore
import LedgerTestSupport
import LedgerWorkflows
import Testing

/// A simulator with three finished jobs of `churn`, a fresh ledger and an optional policy file;
/// runs the built `ledger` as a named actor.
private final class ApprovalBench: @unchecked Sendable {
    static let apiKey = "key-churn-SECRET-approvals-1"
    static let fixture = """
        {
          "api_keys": [{"key": "\(apiKey)", "model": "churn", "state": "active"}],
          "models": [{"name": "churn", "model_id": 101, "jobs": [
            {"id": "job-a", "status": "finished"}, {"id": "job-b", "status": "finished"},
            {"id": "job-c", "status": "finished"}, {"id": "job-d", "status": "finished"}]}],
          "upload_defaults": {"finish_after_checks": 1, "end_status": "finished"}
        }
        """
    let simulator: SimulatorProcess
    let ledger: TestLedger
    let policyPath: String

    init(policy: String?) throws {
        simulator = try SimulatorProcess(fixture: Self.fixture)
        ledger = try TestLedger()
        policyPath = ledger.directory.file("policy.toml")
        if let policy { try writePolicy(policy) }
    }

    func writePolicy(_ text: String) throws { try Data(text.utf8).write(to: URL(fileURLWithPath: policyPath)) }

    /// `ledger ARGS --db … --key-file …` as `actor`, with `--policy` when `policy` and the policy file exists.
    @discardableResult
    func run(_ arguments: [String], actor: String, policy: Bool = true) throws -> ProcessResult {
        let env = [
            "EPA_BASE_URL": simulator.baseURL, "EPA_API_KEY": Self.apiKey, "LEDGER_ACTOR": actor, "NO_COLOR": "1",
            "HOME": ledger.directory.path,
        ]
        let withPolicy = policy && FileManager.default.fileExists(atPath: policyPath)
        return try Binaries.ledger(arguments + ledger.arguments + (withPolicy ? ["--policy", policyPath] : []), environment: env)
    }

    func entries() throws -> [LedgerEntry] {
        var all: [LedgerEntry] = []
        try LedgerStore.open(path: ledger.dbPath, writable: false).forEachEntry(matching: EntryFilter()) { all.append($0) }
        return all
    }

    func entries(_ kind: EntryKind) throws -> [LedgerEntry] { try entries().filter { $0.kind == kind } }

    /// The PUTs the simulator received (every earlier command has exited, so its PUT was answered).
    func puts() throws -> Int { try simulator.requests(pathSuffix: "/update_model", method: "PUT").count }

    func live() throws -> String? { try simulator.liveJob(model: "churn") }

    func verifyIntact() throws -> Bool {
        let result = try Binaries.ledger(["verify"] + ledger.arguments, environment: ["HOME": ledger.directory.path])
        return result.exitCode == 0 && result.stdout.contains("INTACT")
    }

    /// `ledger propose JOB` as `actor`; returns the proposal id.
    func propose(_ job: String, actor: String = "alice") throws -> Int64 {
        let result = try run(["propose", job, "--model", "churn", "--reason", "CHG-\(job)", "--format", "json"], actor: actor)
        guard result.exitCode == 0, let seq = try JSONValue(parsing: result.stdout)["seq"]?.integerValue else {
            throw ScenarioFailure(step: "propose \(job)", output: result.allOutput)
        }
        return seq
    }

    /// A switch that must be refused: exit 7, nothing written, no PUT. Returns stderr.
    func expectRefusedSwitch(_ arguments: [String], actor: String = "alice") throws -> String {
        let before = try entries().count, putsBefore = try puts()
        let result = try run(arguments, actor: actor)
        #expect(result.exitCode == 7, "\(result.allOutput)")
        #expect(try entries().count == before, "a refused switch wrote nothing")
        #expect(try puts() == putsBefore, "a refused switch sent no PUT")
        return result.stderr
    }
}

private let onePerson = """
    [default]
    approvals_required = 1
    requester_may_approve = false
    emergency_allowed = false
    """

/// Four-eyes approvals, the switch gate, the emergency path and rollback, through the built
/// `ledger` against the simulator on loopback. Every case leaves `ledger verify` INTACT; every
/// refusal writes nothing and sends no PUT.
@Suite(.serialized)
struct ApprovalCommandTests {
    @Test func requesterCannotApproveOwnProposalUnlessPolicyAllows() throws {
        let bench = try ApprovalBench(policy: onePerson)
        let proposal = try bench.propose("job-a", actor: "alice")
        let own = try bench.run(["approve", String(proposal), "--reason", "mine"], actor: "alice")
        #expect(own.exitCode == 7 && own.stderr.contains("alice proposed this switch and may not approve it"), "\(own.allOutput)")
        #expect(try bench.entries(.switchApproved).isEmpty)
        let stderr = try bench.expectRefusedSwitch(["switch", "--proposal", String(proposal)])
        #expect(stderr.contains("needs 1 approval(s)") && stderr.contains("has 0"))
        #expect(try bench.verifyIntact())

        let allowed = try ApprovalBench(policy: onePerson.replacingOccurrences(of: "requester_may_approve = false", with: "requester_may_approve = true"))
        let p2 = try allowed.propose("job-a", actor: "alice")
        #expect(try allowed.run(["approve", String(p2), "--reason", "self-approved, allowed"], actor: "alice").exitCode == 0)
        let switched = try allowed.run(["switch", "--proposal", String(p2)], actor: "alice")
        #expect(switched.exitCode == 0, "\(switched.allOutput)")
        #expect(try allowed.live() == "job-a" && allowed.puts() == 1)
        #expect(try allowed.verifyIntact())
    }

    @Test func switchNeedsNDistinctApproversAndRecordsThem() throws {
        let bench = try ApprovalBench(policy: onePerson + "\n[models.churn]\napprovals_required = 2\n")
        let proposal = try bench.propose("job-a")
        #expect(try bench.run(["approve", String(proposal), "--reason", "ok"], actor: "bob").exitCode == 0)
        let twice = try bench.run(["approve", String(proposal), "--reason", "ok again"], actor: "bob")
        #expect(twice.exitCode == 7 && twice.stderr.contains("already approved"))
        // `switch JOB --model M` finds the one open proposal; one approver is not enough.
        let stderr = try bench.expectRefusedSwitch(["switch", "job-a", "--model", "churn", "--reason", "CHG-job-a"])
        #expect(stderr.contains("needs 2 approval(s)") && stderr.contains("has 1"), "\(stderr)")
        #expect(try bench.run(["approve", String(proposal), "--reason", "ok"], actor: "carol").exitCode == 0)
        let switched = try bench.run(["switch", "job-a", "--model", "churn", "--reason", "CHG-job-a", "--format", "json"], actor: "alice")
        #expect(switched.exitCode == 0, "\(switched.allOutput)")
        let approvals = try bench.entries(.switchApproved).map(\.seq)
        let request = try #require(try bench.entries(.switchRequested).last)
        let details = try #require(request.detailsObject)
        #expect(details["proposal_seq"]?.integerValue == proposal)
        #expect(details["approval_seqs"] == .array(approvals.map { .integer($0) }))
        #expect(details["policy_seq"]?.integerValue == (try bench.entries(.policySet).last?.seq))
        #expect(try JSONValue(parsing: switched.stdout)["proposal_seq"]?.integerValue == proposal)
        #expect(try bench.puts() == 1 && bench.verifyIntact())
    }

    @Test func expiredApprovalIsRefused() throws {
        let bench = try ApprovalBench(policy: onePerson + "\napproval_ttl = \"1s\"\n")
        let proposal = try bench.propose("job-a")
        #expect(try bench.run(["approve", String(proposal), "--reason", "ok"], actor: "bob").exitCode == 0)
        Thread.sleep(forTimeInterval: 2.2)
        let stderr = try bench.expectRefusedSwitch(["switch", "--proposal", String(proposal)])
        #expect(stderr.contains("expired at") && stderr.contains("approval_ttl 1s"), "\(stderr)")
        // A fresh approval by the same person counts again.
        #expect(try bench.run(["approve", String(proposal), "--reason", "re-approved"], actor: "bob").exitCode == 0)
        #expect(try bench.run(["switch", "--proposal", String(proposal)], actor: "alice").exitCode == 0)
        #expect(try bench.verifyIntact())
    }

    @Test func declinedProposalIsRefused() throws {
        let bench = try ApprovalBench(policy: onePerson)
        let proposal = try bench.propose("job-a")
        #expect(try bench.run(["approve", String(proposal), "--reason", "ok"], actor: "bob").exitCode == 0)
        #expect(try bench.run(["decline", String(proposal), "--reason", "metrics regressed"], actor: "dave").exitCode == 0)
        let stderr = try bench.expectRefusedSwitch(["switch", "--proposal", String(proposal)])
        #expect(stderr.contains("was declined by dave"), "\(stderr)")
        let late = try bench.run(["approve", String(proposal), "--reason", "late"], actor: "carol")
        #expect(late.exitCode == 7 && late.stderr.contains("declined"))
        #expect(try bench.puts() == 0 && bench.verifyIntact())
    }

    @Test func usedProposalIsNotReusable() throws {
        let bench = try ApprovalBench(policy: onePerson)
        let proposal = try bench.propose("job-a")
        #expect(try bench.run(["approve", String(proposal), "--reason", "ok"], actor: "bob").exitCode == 0)
        #expect(try bench.run(["switch", "--proposal", String(proposal)], actor: "alice").exitCode == 0)
        let used = try #require(try bench.entries(.switchRequested).last).seq
        let stderr = try bench.expectRefusedSwitch(["switch", "--proposal", String(proposal)])
        #expect(stderr.contains("already used by the switch at seq \(used)"), "\(stderr)")
        // Without --proposal there is no open proposal left for the job.
        let again = try bench.expectRefusedSwitch(["switch", "job-a", "--model", "churn", "--reason", "again"])
        #expect(again.contains("no open proposal"))
        #expect(try bench.puts() == 1 && bench.verifyIntact())
    }

    @Test func policyChangeBetweenApprovalAndSwitchAppliesAtSwitchTime() throws {
        let bench = try ApprovalBench(policy: onePerson)
        let proposal = try bench.propose("job-a")
        #expect(try bench.run(["approve", String(proposal), "--reason", "ok"], actor: "bob").exitCode == 0)
        let firstPolicy = try #require(try bench.entries(.policySet).last)
        // The policy now requires two approvers from a list: bob's approval alone no longer suffices.
        try bench.writePolicy(onePerson + "\n[models.churn]\napprovals_required = 2\napprovers = [\"bob\", \"carol\"]\n")
        let stderr = try bench.expectRefusedSwitch(["switch", "--proposal", String(proposal)])
        #expect(stderr.contains("needs 2 approval(s)") && stderr.contains("among bob, carol"), "\(stderr)")
        // The refused switch recorded nothing, not even the new policy; the next write records it.
        #expect(try bench.entries(.policySet).count == 1)
        let outsider = try bench.run(["approve", String(proposal), "--reason", "ok"], actor: "dave")
        #expect(outsider.exitCode == 7 && outsider.stderr.contains("not among the approvers"))
        #expect(try bench.run(["approve", String(proposal), "--reason", "ok"], actor: "carol").exitCode == 0)
        let policies = try bench.entries(.policySet)
        #expect(policies.count == 2 && policies[1].detailsObject?["sha256"] != firstPolicy.detailsObject?["sha256"])
        // A writer without the policy file is bound by the recorded policy (it cannot drop the rules).
        let other = try bench.propose("job-b")
        let noFile = try bench.run(["switch", "--proposal", String(other)], actor: "alice", policy: false)
        #expect(noFile.exitCode == 7 && noFile.stderr.contains("needs 2 approval(s)"))
        let switched = try bench.run(["switch", "--proposal", String(proposal)], actor: "alice")
        #expect(switched.exitCode == 0, "\(switched.allOutput)")
        let details = try #require(try bench.entries(.switchRequested).last?.detailsObject)
        #expect(details["policy_seq"]?.integerValue == policies[1].seq)
        #expect(try bench.puts() == 1 && bench.verifyIntact())
    }

    @Test func emergencySwitchOpensAReviewUntilReviewed() throws {
        let refusing = try ApprovalBench(policy: onePerson)
        let stderr = try refusing.expectRefusedSwitch(["switch", "job-a", "--model", "churn", "--emergency", "--reason", "INC-1"])
        #expect(stderr.contains("emergency_allowed = false"))

        let bench = try ApprovalBench(policy: onePerson.replacingOccurrences(of: "emergency_allowed = false", with: "emergency_allowed = true"))
        let switched = try bench.run(["switch", "job-a", "--model", "churn", "--emergency", "--reason", "INC-88 hotfix"], actor: "alice")
        #expect(switched.exitCode == 0 && switched.stdout.contains("EMERGENCY"), "\(switched.allOutput)")
        let log = try bench.run(["log", "--kind", "switch.requested", "--format", "json"], actor: "alice", policy: false)
        let logged = try #require(try JSONValue(parsing: log.stdout).arrayValueForTest?.last)
        #expect(logged["details"]?["emergency"] == .bool(true))
        let seq = try #require(logged["seq"]?.integerValue)
        let store = try LedgerStore.open(path: bench.ledger.dbPath, writable: false)
        #expect(try ApprovalLedger.pendingReviews(in: store).map(\.seq) == [seq])
        let own = try bench.run(["review", String(seq), "--reason", "self"], actor: "alice")
        #expect(own.exitCode == 7 && own.stderr.contains("may not review it"))
        #expect(try ApprovalLedger.pendingReviews(in: store).map(\.seq) == [seq])
        #expect(try bench.run(["review", String(seq), "--reason", "INC-88 reviewed"], actor: "carol").exitCode == 0)
        #expect(try ApprovalLedger.pendingReviews(in: store).isEmpty)
        let review = try #require(try bench.entries(.switchReviewed).last)
        #expect(review.refSeq == seq && review.actor == "carol")
        #expect(try bench.run(["review", String(seq), "--reason", "again"], actor: "dave").exitCode == 7)
        #expect(try bench.verifyIntact())
    }

    @Test func rollbackTwiceWalksBackTwoJobs() throws {
        let bench = try ApprovalBench(policy: nil)
        var requests: [String: Int64] = [:]
        for job in ["job-a", "job-b", "job-c"] {
            #expect(try bench.run(["switch", job, "--model", "churn", "--reason", "CHG-\(job)"], actor: "alice", policy: false).exitCode == 0)
            requests[job] = try bench.entries(.switchRequested).last?.seq
        }
        let first = try bench.run(["rollback", "--model", "churn", "--reason", "INC-1", "--format", "json"], actor: "alice", policy: false)
        #expect(first.exitCode == 0, "\(first.allOutput)")
        #expect(try bench.live() == "job-b")
        #expect(try bench.entries(.switchRequested).last?.detailsObject?["rollback_of"]?.integerValue == requests["job-c"])
        let second = try bench.run(["rollback", "--model", "churn", "--reason", "INC-2"], actor: "alice", policy: false)
        #expect(second.exitCode == 0 && second.stdout.contains("job-b → job-a"), "\(second.allOutput)")
        #expect(try bench.live() == "job-a")
        #expect(try bench.entries(.switchRequested).last?.detailsObject?["rollback_of"]?.integerValue == requests["job-b"])
        let third = try bench.expectRefusedSwitch(["rollback", "--model", "churn", "--reason", "INC-3"])
        #expect(third.contains("nothing to roll back to"))
        #expect(try bench.puts() == 5 && bench.verifyIntact())
    }

    @Test func rollbackWithNoHistoryIsRefused() throws {
        let bench = try ApprovalBench(policy: nil)
        let none = try bench.expectRefusedSwitch(["rollback", "--model", "churn", "--reason", "INC-1"])
        #expect(none.contains("nothing to roll back to"))
        #expect(try bench.run(["switch", "job-a", "--model", "churn", "--reason", "r"], actor: "alice", policy: false).exitCode == 0)
        _ = try bench.expectRefusedSwitch(["rollback", "--model", "churn", "--reason", "INC-1"])
        #expect(try bench.puts() == 1 && bench.verifyIntact())
    }

    @Test func rollbackIsSubjectToThePolicy() throws {
        let bench = try ApprovalBench(policy: nil)
        for job in ["job-a", "job-b"] {
            #expect(try bench.run(["switch", job, "--model", "churn", "--reason", "r"], actor: "alice", policy: false).exitCode == 0)
        }
        try bench.writePolicy(onePerson)
        let stderr = try bench.expectRefusedSwitch(["rollback", "--model", "churn", "--reason", "INC-1"])
        #expect(stderr.contains("no open proposal for job job-a"))
        let proposal = try bench.propose("job-a")
        #expect(try bench.run(["approve", String(proposal), "--reason", "ok"], actor: "bob").exitCode == 0)
        let rolled = try bench.run(["rollback", "--model", "churn", "--reason", "INC-1", "--proposal", String(proposal)], actor: "alice")
        #expect(rolled.exitCode == 0, "\(rolled.allOutput)")
        let details = try #require(try bench.entries(.switchRequested).last?.detailsObject)
        #expect(details["proposal_seq"]?.integerValue == proposal && details["rollback_of"] != nil)
        #expect(try bench.live() == "job-a" && bench.verifyIntact())
    }

    @Test func badPolicyFilesAreConfigurationErrorsNamingKeyAndLine() throws {
        let bench = try ApprovalBench(policy: nil)
        let cases: [(String, String)] = [
            ("[default]\napprovals_required = 1\n\n[models.churn]\naproovals_required = 2\n", "models.churn.aproovals_required: unknown key"),
            ("[default]\napprovals_required = \"two\"\n", "line 2: default.approvals_required: must be an integer"),
            ("[default]\napproval_ttl = \"soon\"\n", "line 2: default.approval_ttl"),
            ("[default]\napprovals_required = 1\nemergency_allowed = 1\n", "line 3: default.emergency_allowed: must be true or false"),
            ("[default\n", "not valid TOML"),
        ]
        for (text, expected) in cases {
            try bench.writePolicy(text)
            let result = try bench.run(["propose", "job-a", "--model", "churn", "--reason", "r"], actor: "alice")
            #expect(result.exitCode == 78 && result.stderr.contains(expected), "\(text): \(result.allOutput)")
        }
        let missing = try bench.run(
            ["propose", "job-a", "--model", "churn", "--reason", "r", "--policy", "/nonexistent/p.toml"], actor: "alice", policy: false)
        #expect(missing.exitCode == 78)
        #expect(try bench.entries().count == 1, "nothing written")
    }
}

extension JSONValue {
    fileprivate var arrayValueForTest: [JSONValue]? { if case .array(let items) = self { items } else { nil } }
}
