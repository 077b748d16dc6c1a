import Foundation
import LedgerTestSupport
import Testing

@_spi(Testing) @testable import LedgerCore

/// A ledger written through the library with switches whose outcomes the test chooses.
/// Each append waits 2 ms first, so that every entry has its own recorded_at.
final class SwitchScenario: @unchecked Sendable {
    let ledger: TestLedger
    let store: LedgerStore

    init() throws {
        ledger = try TestLedger()
        store = try ledger.open()
    }

    @discardableResult
    func append(_ draft: EntryDraft, actor: String) throws -> LedgerEntry {
        usleep(2_000)
        return try store.append(draft, keyRing: ledger.keyRing, provenance: Provenance(actor: actor, osUser: "tester", host: "test-host"))
    }

    /// A `switch.requested`; returns its entry.
    @discardableResult
    func request(_ model: String, _ job: String, by actor: String, reason: String? = nil) throws -> LedgerEntry {
        var draft = EntryDraft(kind: EntryKind.switchRequested)
        draft.model = model
        draft.retrainJobID = job
        draft.reason = reason ?? "CHG-\(job)"
        draft.requestMethod = "PUT"
        draft.requestURL = "https://example.invalid/v1/external/retrain_jobs/\(job)/update_model"
        return try append(draft, actor: actor)
    }

    /// A `switch.completed` for `request`.
    @discardableResult
    func complete(_ request: LedgerEntry, _ outcome: Outcome, code: String? = nil, message: String? = nil) throws -> LedgerEntry {
        var draft = EntryDraft(kind: EntryKind.switchCompleted)
        draft.model = request.model
        draft.retrainJobID = request.retrainJobID
        draft.reason = request.reason
        draft.refSeq = request.seq
        draft.outcome = outcome
        draft.httpStatus = outcome == .succeeded ? 200 : (outcome == .rejected ? 400 : nil)
        draft.errorCode = code
        draft.errorMessage = message
        draft.durationMs = 12
        return try append(draft, actor: request.actor)
    }

    /// A `switch.resolved` for `request`.
    @discardableResult
    func resolve(_ request: LedgerEntry, _ outcome: Outcome, by actor: String, reason: String) throws -> LedgerEntry {
        var draft = EntryDraft(kind: EntryKind.switchResolved)
        draft.model = request.model
        draft.retrainJobID = request.retrainJobID
        draft.refSeq = request.seq
        draft.outcome = outcome
        draft.reason = reason
        return try append(draft, actor: actor)
    }

    /// A request and its completion.
    @discardableResult
    func switchModel(
        _ model: String, _ job: String, by actor: String, _ outcome: Outcome, code: String? = nil, message: String? = nil
    ) throws -> (request: LedgerEntry, completion: LedgerEntry) {
        let request = try request(model, job, by: actor)
        return (request, try complete(request, outcome, code: code, message: message))
    }

    func reporter() -> Reporter { Reporter(store: store) }

    func verified() throws -> ReportVerification { .verified(try Verifier(keyRing: ledger.keyRing).verify(store)) }

    /// One millisecond before/after a recorded time.
    static func shift(_ recordedAt: String, _ ms: Int64) -> String {
        Timestamp.format(epochMilliseconds: (Timestamp.parse(recordedAt) ?? 0) + ms)
    }
}

@Suite("reports from the ledger (library)")
struct ReportCoreTests {
    /// churn: 2 succeeded, 2 rejected (same reason), 1 failed, 1 unresolved, 1 resolved succeeded;
    /// fraud: 1 succeeded, 1 rejected; a key.rotated-like and a checkpoint entry in between.
    static func mixed() throws -> (SwitchScenario, [String: LedgerEntry]) {
        let s = try SwitchScenario()
        var e: [String: LedgerEntry] = [:]
        e["c1"] = try s.switchModel("churn", "job-1", by: "alice", .succeeded).request
        e["c2"] = try s.switchModel("churn", "job-2", by: "bob", .rejected, code: "4001000204", message: "Not found retrain job.").request
        e["f1"] = try s.switchModel("fraud", "fraud-1", by: "alice", .succeeded).request
        e["c3"] = try s.switchModel("churn", "job-3", by: "bob", .rejected, code: "4001000204", message: "Not found retrain job.").request
        var checkpoint = EntryDraft(kind: EntryKind.checkpoint)
        checkpoint.details = ["entries_before": 12]
        e["checkpoint"] = try s.append(checkpoint, actor: "carol")
        e["c4"] = try s.switchModel("churn", "job-4", by: "ci", .failed, code: "5001000201", message: "Internal server error.").request
        e["f2"] = try s.switchModel("fraud", "fraud-2", by: "ci", .rejected, code: "4001000204", message: "Not found classifier.").request
        e["c5"] = try s.request("churn", "job-5", by: "alice")  // unresolved
        e["c6"] = try s.request("churn", "job-6", by: "ci")
        e["r6"] = try s.resolve(try #require(e["c6"]), .succeeded, by: "carol", reason: "INC-1: console shows job-6 live")
        e["c7"] = try s.switchModel("churn", "job-7", by: "alice", .succeeded).request
        return (s, e)
    }

    @Test("counts per model, per actor and per outcome, failures by reason, unresolved switches, events")
    func counts() throws {
        let (s, e) = try Self.mixed()
        let report = try s.reporter().report(filter: ReportFilter(), verification: try s.verified())
        #expect(report.verification.isIntact)
        #expect(report.totals.total == 9)
        #expect(report.totals.succeeded == 4 && report.totals.rejected == 3 && report.totals.failed == 1 && report.totals.unresolved == 1)
        let churn = try #require(report.byModel.first { $0.name == "churn" }).counts
        #expect((churn.succeeded, churn.rejected, churn.failed, churn.unresolved, churn.total) == (3, 2, 1, 1, 7))
        let fraud = try #require(report.byModel.first { $0.name == "fraud" }).counts
        #expect((fraud.succeeded, fraud.rejected, fraud.failed, fraud.unresolved) == (1, 1, 0, 0))
        #expect(report.byModel.map(\.name) == ["churn", "fraud"])
        #expect(report.byActor.map(\.name) == ["alice", "bob", "ci"])
        let alice = try #require(report.byActor.first { $0.name == "alice" }).counts
        #expect((alice.succeeded, alice.unresolved, alice.total) == (3, 1, 4))
        let ci = try #require(report.byActor.first { $0.name == "ci" }).counts
        #expect((ci.succeeded, ci.rejected, ci.failed) == (1, 1, 1))

        // Failures: the two identical rejections are one group, most frequent first.
        #expect(report.failures.count == 3)
        let top = try #require(report.failures.first)
        #expect(top.count == 2 && top.outcome == .rejected && top.errorMessage == "Not found retrain job." && top.errorCode == "4001000204")
        #expect(top.models == ["churn"] && top.firstRequestSeq == e["c2"]?.seq && top.lastRequestSeq == e["c3"]?.seq)
        #expect(report.failures.contains { $0.outcome == .failed && $0.errorCode == "5001000201" && $0.count == 1 })
        #expect(report.failures.contains { $0.errorMessage == "Not found classifier." && $0.models == ["fraud"] })

        #expect(report.unresolved.map(\.requestSeq) == [e["c5"]?.seq])
        #expect(report.unresolved.first?.retrainJobID == "job-5" && report.unresolved.first?.actor == "alice")
        #expect(report.checkpoints.map(\.seq) == [e["checkpoint"]?.seq])
        #expect(report.keyRotations.isEmpty)
        #expect(report.periodStart == e["c1"]?.recordedAt && report.periodEnd == e["c7"]?.recordedAt)

        // The switch list: all of them, oldest first, with the resolution attached.
        #expect(report.switches.count == 9)
        let resolved = try #require(report.switches.first { $0.requestSeq == e["c6"]?.seq })
        #expect(resolved.outcome == .succeeded && resolved.isResolvedByOperator && resolved.completedBy == "carol")
        #expect(resolved.resolutionReason == "INC-1: console shows job-6 live" && resolved.completionSeq == e["r6"]?.seq)
        #expect(report.usedReportIndexes)
    }

    @Test("filters: model, actor, outcome, kind and period combine with AND; --limit keeps the newest")
    func filters() throws {
        let (s, e) = try Self.mixed()
        let reporter = s.reporter()
        let verification = ReportVerification.notVerified(reason: "test")
        var filter = ReportFilter()
        filter.model = "fraud"
        var report = try reporter.report(filter: filter, verification: verification)
        #expect(report.totals.total == 2 && report.byModel.map(\.name) == ["fraud"])

        filter = ReportFilter()
        filter.actor = "bob"
        report = try reporter.report(filter: filter, verification: verification)
        #expect(report.totals.total == 2 && report.totals.rejected == 2)

        filter = ReportFilter()
        filter.outcome = .unresolved
        report = try reporter.report(filter: filter, verification: verification)
        #expect(report.totals.total == 1 && report.unresolved.count == 1)

        filter = ReportFilter()
        filter.kind = EntryKind.switchResolved
        report = try reporter.report(filter: filter, verification: verification)
        #expect(report.totals.total == 1 && report.switches.first?.requestSeq == e["c6"]?.seq)
        #expect(report.checkpoints.isEmpty)

        filter = ReportFilter()
        filter.kind = EntryKind.switchCompleted
        report = try reporter.report(filter: filter, verification: verification)
        #expect(report.totals.total == 7 && report.totals.unresolved == 0)

        filter = ReportFilter()
        filter.kind = EntryKind.checkpoint
        report = try reporter.report(filter: filter, verification: verification)
        #expect(report.totals.total == 0 && report.byModel.isEmpty && report.checkpoints.count == 1)

        // Period: from the third switch request to the fifth, inclusive at both ends.
        filter = ReportFilter()
        filter.since = try #require(e["f1"]?.recordedAt)
        filter.until = try #require(e["c4"]?.recordedAt)
        report = try reporter.report(filter: filter, verification: verification)
        #expect(report.switches.map(\.requestSeq) == [e["f1"], e["c3"], e["c4"]].map { $0?.seq })
        #expect(report.checkpoints.count == 1)
        filter.since = SwitchScenario.shift(try #require(e["f1"]?.recordedAt), 1)
        report = try reporter.report(filter: filter, verification: verification)
        #expect(report.switches.map(\.requestSeq) == [e["c3"], e["c4"]].map { $0?.seq })

        filter = ReportFilter()
        filter.model = "churn"
        filter.outcome = .rejected
        filter.actor = "bob"
        report = try reporter.report(filter: filter, verification: verification)
        #expect(report.totals.total == 2)
        filter.actor = "alice"
        report = try reporter.report(filter: filter, verification: verification)
        #expect(report.totals.total == 0 && report.failures.isEmpty)

        report = try reporter.report(filter: ReportFilter(), verification: verification, options: Reporter.Options(switchLimit: 3, includeTimeline: true))
        #expect(report.switches.map(\.requestSeq) == [e["c5"], e["c6"], e["c7"]].map { $0?.seq })
        #expect(report.totals.total == 9 && report.timeline.count == 9)
        #expect(report.timeline.filter { $0.outcome == .unresolved }.map(\.requestSeq) == [e["c5"]?.seq])
    }

    @Test("a request with two completions counts once, with the first completion's outcome")
    func firstCompletionWins() throws {
        let s = try SwitchScenario()
        let (request, _) = try s.switchModel("churn", "job-1", by: "alice", .rejected, message: "Not found retrain job.")
        try s.resolve(request, .succeeded, by: "mallory", reason: "a second, contradicting completion")
        let report = try s.reporter().report(filter: ReportFilter(), verification: .notVerified(reason: "test"))
        #expect(report.totals.total == 1 && report.totals.rejected == 1)
        let history = try s.reporter().history(model: "churn", filter: ReportFilter(), verification: .notVerified(reason: "test"))
        #expect(history.switches.count == 1 && history.switches.first?.outcome == .rejected)
        let asOf = try s.reporter().asOf("9999-12-31T00:00:00.000Z", model: "churn", verification: .notVerified(reason: "test"))
        #expect(asOf.models.first?.live == nil)
    }

    @Test("the report covers exactly the verified entries, even when more are appended after verification")
    func boundedByVerification() throws {
        let (s, _) = try Self.mixed()
        let verification = try s.verified()
        try s.switchModel("churn", "job-late", by: "alice", .succeeded)
        let report = try s.reporter().report(filter: ReportFilter(), verification: verification)
        #expect(report.totals.total == 9)
        #expect(report.snapshot.headSeq == verification.report?.headSeq)
        #expect(report.snapshot.headMac == verification.report?.headMac)
        let unverified = try s.reporter().report(filter: ReportFilter(), verification: .notVerified(reason: "test"))
        #expect(unverified.totals.total == 10)
    }

    @Test("as of a moment: the last succeeded switch counts; rejected, failed and unresolved ones never change it")
    func asOf() throws {
        let s = try SwitchScenario()
        let a = try s.switchModel("churn", "job-a", by: "alice", .succeeded)
        let rejected = try s.switchModel("churn", "job-b", by: "bob", .rejected, message: "Not found retrain job.")
        let failed = try s.switchModel("churn", "job-c", by: "ci", .failed, message: "timed out")
        let d = try s.switchModel("churn", "job-d", by: "alice", .succeeded)
        let reporter = s.reporter()
        let none = ReportVerification.notVerified(reason: "test")
        let live = { (time: String) throws -> LiveModel in try Self.churn(reporter, at: time) }
        #expect(try live(SwitchScenario.shift(a.request.recordedAt, -1)).live == nil)
        // At the request's own time the outcome is not yet known: pending.
        let atRequest = try live(a.request.recordedAt)
        #expect(atRequest.live == nil && atRequest.pending.map(\.requestSeq) == [a.request.seq])
        // Exactly at the completion's recorded_at (inclusive).
        let atCompletion = try live(a.completion.recordedAt)
        #expect(atCompletion.live?.retrainJobID == "job-a" && atCompletion.live?.actor == "alice")
        #expect(atCompletion.live?.reason == "CHG-job-a" && atCompletion.live?.completionSeq == a.completion.seq)
        #expect(atCompletion.pending.isEmpty)
        // After a rejected and after a failed switch: unchanged.
        #expect(try live(rejected.completion.recordedAt).live?.retrainJobID == "job-a")
        #expect(try live(failed.completion.recordedAt).live?.retrainJobID == "job-a")
        #expect(try live(SwitchScenario.shift(d.completion.recordedAt, -1)).live?.retrainJobID == "job-a")
        #expect(try live(d.completion.recordedAt).live?.retrainJobID == "job-d")
        // Every model is answered; a model with no success has nothing live.
        try s.switchModel("fraud", "fraud-1", by: "bob", .rejected, message: "Not found classifier.")
        let all = try reporter.asOf("9999-01-01T00:00:00.000Z", model: nil, verification: none)
        #expect(all.models.map(\.model) == ["churn", "fraud"])
        #expect(all.models[0].live?.retrainJobID == "job-d" && all.models[1].live == nil)
    }

    @Test("as of: a switch resolved later counts from its resolution, and never overrides a later request's success")
    func asOfLateResolution() throws {
        let s = try SwitchScenario()
        try s.switchModel("churn", "job-a", by: "alice", .succeeded)
        let killed = try s.request("churn", "job-b", by: "bob")  // the process died mid-call
        let c = try s.switchModel("churn", "job-c", by: "alice", .succeeded)
        let resolution = try s.resolve(killed, .succeeded, by: "carol", reason: "INC-7")
        let reporter = s.reporter()
        let live = { (time: String) throws -> LiveModel in try Self.churn(reporter, at: time) }
        // Between the killed request and job-c: job-a, with job-b pending (its outcome unknown then).
        let during = try live(SwitchScenario.shift(c.request.recordedAt, -1))
        #expect(during.live?.retrainJobID == "job-a" && during.pending.map(\.requestSeq) == [killed.seq])
        #expect(during.pending.first?.completedAt == resolution.recordedAt)
        // After job-c succeeded: job-c (job-b, requested earlier, is superseded whatever its outcome).
        let afterC = try live(c.completion.recordedAt)
        #expect(afterC.live?.retrainJobID == "job-c" && afterC.pending.isEmpty)
        // After the resolution: still job-c, because job-c was requested after job-b.
        let afterResolution = try live(resolution.recordedAt)
        #expect(afterResolution.live?.retrainJobID == "job-c")
    }

    @Test("history lists one model's switches oldest first, with outcomes, reasons and the live one")
    func history() throws {
        let (s, e) = try Self.mixed()
        let history = try s.reporter().history(model: "churn", filter: ReportFilter(), verification: .notVerified(reason: "test"))
        #expect(history.switches.map(\.requestSeq) == ["c1", "c2", "c3", "c4", "c5", "c6", "c7"].map { e[$0]?.seq })
        #expect(history.switches.map(\.outcome) == [.succeeded, .rejected, .rejected, .failed, .unresolved, .succeeded, .succeeded])
        #expect(history.switches[1].errorMessage == "Not found retrain job." && history.switches[1].httpStatus == 400)
        #expect(history.switches[5].resolutionReason == "INC-1: console shows job-6 live")
        #expect(history.liveRequestSeq == e["c7"]?.seq)
        var period = ReportFilter()
        period.until = try #require(e["c3"]?.recordedAt)
        let early = try s.reporter().history(model: "churn", filter: period, verification: .notVerified(reason: "test"))
        #expect(early.switches.count == 3 && early.liveRequestSeq == e["c7"]?.seq)
        #expect(try s.reporter().history(model: "nope", filter: ReportFilter(), verification: .notVerified(reason: "test")).switches.isEmpty)
    }

    @Test("the report queries read the migration-0003 indexes, not the table")
    func queryPlans() throws {
        let (s, _) = try Self.mixed()
        let connection = try #require(s.store.connection)
        func plan(_ sql: String, _ arguments: [SQLValue]) throws -> String {
            try connection.rows("EXPLAIN QUERY PLAN " + sql, arguments).compactMap { $0["detail"]?.text }.joined(separator: "\n")
        }
        let indexes = Set(SQLiteLedgerStorage.reportIndexes)
        var filter = ReportFilter()
        filter.model = "churn"
        filter.since = "2026-01-01T00:00:00.000Z"
        let byModel = SQLiteLedgerStorage.switchQuery(columns: "r.seq, c.outcome", scope: SwitchScope(bound: 100, filter: filter), indexes: indexes)
        let modelPlan = try plan(byModel.sql, byModel.arguments)
        #expect(modelPlan.contains("COVERING INDEX entries_switch_requests_by_model"), "\(modelPlan)")
        #expect(modelPlan.contains("COVERING INDEX entries_switch_completions"), "\(modelPlan)")
        #expect(!modelPlan.contains("SCAN r") && !modelPlan.contains("SCAN c"), "\(modelPlan)")
        filter.model = nil
        let byTime = SQLiteLedgerStorage.switchQuery(columns: "r.seq, c.outcome", scope: SwitchScope(bound: 100, filter: filter), indexes: indexes)
        let timePlan = try plan(byTime.sql, byTime.arguments)
        #expect(timePlan.contains("COVERING INDEX entries_switch_requests_by_time"), "\(timePlan)")
        #expect(try s.reporter().hasReportIndexes())
    }

    /// What was live for churn at `time`.
    static func churn(_ reporter: Reporter, at time: String) throws -> LiveModel {
        let models = try reporter.asOf(time, model: "churn", verification: .notVerified(reason: "test")).models
        return try #require(models.first)
    }

    @Test("times: RFC 3339 with any offset or a date; --until with a date covers that whole day")
    func times() {
        #expect(ReportTime.instant("2026-11-29") == "2026-11-29T00:00:00.000Z")
        #expect(ReportTime.instant("2026-11-29T15:05:00+01:00") == "2026-11-29T14:05:00.000Z")
        #expect(ReportTime.instant("2026-11-29T14:05:00.1234Z") == "2026-11-29T14:05:00.123Z")
        #expect(ReportTime.upperBound("2026-11-29") == "2026-11-29T23:59:59.999Z")
        #expect(ReportTime.upperBound("2026-11-29T10:00:00Z") == "2026-11-29T10:00:00.000Z")
        #expect(ReportTime.instant("yesterday") == nil && ReportTime.upperBound("2026-13-01") == nil)
    }
}

/// A big ledger shaped like real use, for timing `ledger report` (release build): every switch is a
/// job.checked, a switch.requested and a switch.completed of the same model (8 models, 5 actors), with
/// 80 % succeeded, 14 % rejected, 6 % failed, and one switch in 1,000 left unresolved.
///
///     REPORT_BENCH_DIR=/tmp/rb swift test --filter ReportBenchLedger   # 1,000,000 entries
///
/// writes `report-bench.sqlite` and `report-bench.key` there, through `LedgerStore.append(contentsOf:)`
/// in batches of 10,000.
@Suite("report bench ledger (opt-in)")
struct ReportBenchLedger {
    static let models = ["churn", "fraud", "ltv", "pricing", "upsell", "risk", "eta", "search"]
    static let actors = ["alice@example.com", "bob@example.com", "carol@example.com", "ci-pipeline", "release-bot"]
    static let rejections = ["Not found retrain job.", "Retrain job is not finished.", "Inactive_credential.", "Not found classifier."]

    /// The draft for entry `n` (0-based; its seq is n + 2, after ledger.created).
    static func draft(_ n: Int) -> EntryDraft {
        let k = n / 3, phase = n % 3
        let model = models[k % models.count]
        let job = "\(model)-2026-\(k)"
        var draft: EntryDraft
        if phase == 1 {
            draft = EntryDraft(kind: EntryKind.switchRequested)
            draft.requestMethod = "PUT"
            draft.requestURL = "https://developer-api.easy-predictive-analytics.sony.com/v1/external/retrain_jobs/\(job)/update_model"
            draft.details = ["preflight_seq": .integer(Int64(n + 1))]
        } else if phase == 2 && k % 1000 != 999 {
            draft = EntryDraft(kind: EntryKind.switchCompleted)
            draft.refSeq = Int64(n + 1)
            draft.requestMethod = "PUT"
            draft.requestURL = "https://developer-api.easy-predictive-analytics.sony.com/v1/external/retrain_jobs/\(job)/update_model"
            draft.durationMs = Int64(40 + k % 200)
            switch k % 50 {
            case 0..<40:
                draft.outcome = .succeeded
                draft.httpStatus = 200
                draft.responseBody = #"{"metadata":{"retrain_job_id":"\#(job)"}}"#
            case 40..<47:
                draft.outcome = .rejected
                draft.httpStatus = 400
                draft.errorCode = "4001000204"
                draft.errorMessage = rejections[k % rejections.count]
                draft.responseBody = #"{"error":{"code":"4001000204","message":"\#(rejections[k % rejections.count])"}}"#
            default:
                draft.outcome = .failed
                draft.httpStatus = k % 2 == 0 ? 500 : nil
                draft.errorCode = k % 2 == 0 ? "5001000201" : nil
                draft.errorMessage = k % 2 == 0 ? "Internal server error." : "the request timed out after 60 s"
            }
        } else {
            draft = EntryDraft(kind: EntryKind.jobChecked)
            draft.requestMethod = "GET"
            draft.requestURL = "https://developer-api.easy-predictive-analytics.sony.com/v1/external/retrain_jobs/\(job)"
            draft.details = ["purpose": "preflight", "status": "finished"]
            draft.httpStatus = 200
        }
        draft.model = model
        draft.retrainJobID = job
        draft.reason = "CHG-\(10_000 + k) weekly retrain"
        draft.apiKeyID = "0123456789abcdef"
        draft.modelID = Int64(100 + k % models.count)
        return draft
    }

    @Test("writes a report bench ledger", .enabled(if: ProcessInfo.processInfo.environment["REPORT_BENCH_DIR"] != nil))
    func generate() throws {
        let environment = ProcessInfo.processInfo.environment
        let dir = try #require(environment["REPORT_BENCH_DIR"])
        let count = environment["REPORT_BENCH_ENTRIES"].flatMap { Int($0) } ?? 1_000_000
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let db = dir + "/report-bench.sqlite", keyPath = dir + "/report-bench.key"
        try? FileManager.default.removeItem(atPath: db)
        try? FileManager.default.removeItem(atPath: keyPath)
        let ring = try KeyFile.create(path: keyPath)
        let (store, _) = try LedgerStore.create(path: db, keyRing: ring, provenance: Provenance(actor: "bench", osUser: "bench", host: "bench"))
        var written = 1, batchIndex = 0
        while written < count {
            let drafts = (written - 1..<min(count, written + 10_000) - 1).map(Self.draft)
            let provenance = Provenance(actor: Self.actors[batchIndex % Self.actors.count], osUser: "bench", host: "bench")
            _ = try store.append(contentsOf: drafts, keyRing: ring, provenance: provenance)
            written += drafts.count
            batchIndex += 1
        }
        try #require(store.connection).execute("PRAGMA wal_checkpoint(TRUNCATE)")
        #expect(try store.head()?.seq == Int64(count))
    }
}
