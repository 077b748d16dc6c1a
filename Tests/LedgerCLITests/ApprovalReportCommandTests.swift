import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

/// `ledger report`, `report --as-of` and `history` on a ledger written through the library in the
/// issue-13 entry format, in every format: the approval facts and sections are shown, and hostile
/// text in them (an approver's name, a proposal's reason) is neutralised as everywhere else.
@Suite("Approval report command: every renderer shows the approval facts, escaped")
struct ApprovalReportCommandTests {
    static let hostileActor = "carol\u{1B}[31m\u{202E}"
    static let hostileReason = "CHG-9 \u{1B}]8;;x\u{07}link \u{202E}gpj\nnext | </script>"

    struct Fixture {
        let ledger: TestLedger
        let approved: LedgerEntry, unapproved: LedgerEntry, emergency: LedgerEntry, pending: LedgerEntry
    }

    static func fixture() throws -> Fixture {
        let ledger = try TestLedger()
        let store = try ledger.open()
        func append(_ draft: EntryDraft, _ actor: String) throws -> LedgerEntry {
            usleep(2_000)
            return try store.append(draft, keyRing: ledger.keyRing, provenance: Provenance(actor: actor, osUser: "tester", host: "test-host"))
        }
        var set = EntryDraft(kind: .policySet)
        let table: JSONValue = .object(["default": .object(["approvals_required": .integer(1), "emergency_allowed": .bool(true)])])
        set.details = ["policy": table, "sha256": .string(try ApprovalPolicy(json: table).sha256), "source": .string("policy.toml")]
        let policy = try append(set, "admin")
        func proposal(_ job: String, reason: String) throws -> LedgerEntry {
            var draft = EntryDraft(kind: .switchProposed)
            draft.model = "churn"
            draft.retrainJobID = job
            draft.reason = reason
            draft.details = ["policy_seq": .integer(policy.seq)]
            return try append(draft, "alice")
        }
        func request(_ job: String, by actor: String, details: [String: JSONValue]) throws -> LedgerEntry {
            var draft = EntryDraft(kind: .switchRequested)
            draft.model = "churn"
            draft.retrainJobID = job
            draft.reason = "CHG-\(job)"
            draft.details = details.merging(["policy_seq": .integer(policy.seq)]) { a, _ in a }
            let request = try append(draft, actor)
            var done = EntryDraft(kind: .switchCompleted)
            done.model = "churn"
            done.refSeq = request.seq
            done.outcome = .succeeded
            done.httpStatus = 200
            _ = try append(done, actor)
            return request
        }
        let proposed = try proposal("job-a", reason: "CHG-a")
        var approve = EntryDraft(kind: .switchApproved)
        approve.refSeq = proposed.seq
        approve.reason = "ok"
        let approval = try append(approve, hostileActor)
        let approved = try request("job-a", by: "alice", details: ["proposal_seq": .integer(proposed.seq), "approval_seqs": .array([.integer(approval.seq)])])
        let unapproved = try request("job-b", by: "mallory", details: [:])
        let emergency = try request("job-e", by: "bob", details: ["emergency": .bool(true)])
        let pending = try proposal("job-p", reason: hostileReason)
        return Fixture(ledger: ledger, approved: approved, unapproved: unapproved, emergency: emergency, pending: pending)
    }

    static func run(_ f: Fixture, _ arguments: [String]) throws -> String {
        let result = try Binaries.ledger(arguments + f.ledger.arguments)
        #expect(result.exitCode == 0, "\(arguments): \(result.allOutput)")
        return result.stdout
    }

    @Test("table, markdown and HTML: the three sections, the approvers and the identity line; hostile text never raw")
    func humanFormats() throws {
        let f = try Self.fixture()
        for format in ["table", "markdown", "html"] {
            let out = try Self.run(f, ["report", "--format", format])
            for title in ["Went live without required approvals", "Overdue reviews", "Pending proposals", "identity not authenticated (local mode)"] {
                #expect(out.contains(title), "\(format): \(title)")
            }
            #expect(out.components(separatedBy: "identity not authenticated (local mode)").count == 2, "\(format): identity once")
            #expect(!out.contains("\u{1B}") && !out.contains("\u{202E}") && !out.contains("\u{07}"), "\(format): raw control character")
            // Markdown doubles the escape's backslash and escapes the bracket.
            #expect(out.contains(format == "markdown" ? "carol\\\\u{1B}\\[31m" : "carol\\u{1B}[31m"), "\(format): the approver's ESC is shown escaped")
            #expect(out.contains("mallory") && out.contains(String(f.unapproved.seq)))
        }
        let html = try Self.run(f, ["report", "--format", "html"])
        #expect(html.contains("&lt;/script&gt;") && !html.contains("</script>"))
        let markdown = try Self.run(f, ["report", "--format", "markdown"])
        #expect(markdown.contains("next \\| \\</script\\>"), "the pipe and markup of the proposal's reason are escaped")
        let asOf = try Self.run(f, ["report", "--as-of", "9999-12-31", "--model", "churn"])
        #expect(asOf.contains("APPROVED BY") && asOf.contains("none: EMERGENCY switch, review overdue"))
        let history = try Self.run(f, ["history", "--model", "churn"])
        #expect(history.contains("APPROVAL") && history.contains("carol\\u{1B}[31m") && history.contains("REVIEW OVERDUE"))
        #expect(!history.contains("\u{1B}"))
    }

    @Test("JSON and CSV: the exact stored values in the new members and rows")
    func machineFormats() throws {
        let f = try Self.fixture()
        let json = try JSONValue(parsing: try Self.run(f, ["report", "--format", "json"]))
        #expect(json["identity"]?.stringValue == "identity not authenticated (local mode)")
        guard case .array(let unapproved)? = json["not_approved"], case .array(let overdue)? = json["overdue_reviews"],
            case .array(let pending)? = json["pending_proposals"]
        else { Issue.record("approval sections missing: \(json)"); return }
        #expect(unapproved.compactMap { $0["request_seq"]?.integerValue } == [f.unapproved.seq])
        #expect(overdue.compactMap { $0["request_seq"]?.integerValue } == [f.emergency.seq])
        #expect(pending.first?["reason"]?.stringValue == Self.hostileReason)
        let asOf = try JSONValue(parsing: try Self.run(f, ["report", "--as-of", "9999-12-31", "--format", "json"]))
        guard case .array(let models)? = asOf["models"], case .array(let approvals)? = models.first?["live"]?["approval"]?["approvals"]
        else { Issue.record("no approvals on the live switch: \(asOf)"); return }
        #expect(models.first?["live"]?["request_seq"]?.integerValue == f.emergency.seq && approvals.isEmpty)

        let rows = try parseCSV(try Self.run(f, ["report", "--format", "csv"]))
        #expect(rows.first { $0.first == "identity" }?.last == "identity not authenticated (local mode)")
        #expect(rows.first { $0.first == "not_approved" }?[5] == String(f.unapproved.seq))
        #expect(rows.first { $0.first == "overdue_review" }?[5] == String(f.emergency.seq))
        #expect(rows.first { $0.first == "pending_proposal" }?[8] == Self.hostileReason)
        #expect(rows.first { $0.first == "switch" && $0[5] == String(f.approved.seq) }?.last?.contains(Self.hostileActor) == true)
    }

    @Test("a ledger without approval entries: no approval section or column, the identity line once")
    func ledgerWithoutApprovals() throws {
        let ledger = try TestLedger()
        try ledger.appendSample(count: 12)
        let result = try Binaries.ledger(["report"] + ledger.arguments)
        #expect(result.exitCode == 0)
        #expect(!result.stdout.contains("Pending proposals") && !result.stdout.contains("APPROVAL"))
        #expect(result.stdout.components(separatedBy: "identity not authenticated (local mode)").count == 2)
    }
}
