import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

/// A ledger written by the built `ledger` binary against the built simulator, with known switches:
///
/// | label | model | actor       | job       | outcome                                      |
/// |-------|-------|-------------|-----------|----------------------------------------------|
/// | s1    | churn | ci-pipeline | job-ok    | succeeded                                    |
/// | s2    | churn | ci-pipeline | job-nope  | rejected (Not found retrain job.)            |
/// | s3    | churn | alice       | job-500   | failed (HTTP 500)                            |
/// | s4    | fraud | bob         | fraud-job | rejected (Not found classifier.)             |
/// | s5    | churn | alice       | job-ok-2  | succeeded                                    |
/// | s6    | churn | bob         | job-delay | killed mid-call, then `ledger resolve` → succeeded (by carol) |
/// | s7    | churn | ci-pipeline | job-delay-2 | killed mid-call: unresolved                |
final class ReportScenario: @unchecked Sendable {
    let bench: SwitchBench
    /// The switch.requested entry of each switch, by label.
    private(set) var requests: [String: LedgerEntry] = [:]
    /// The completion (switch.completed or switch.resolved) of each switch that has one, by label.
    private(set) var completions: [String: LedgerEntry] = [:]

    init() throws {
        bench = try SwitchBench()
        try record("s1") { try self.bench.switchModel("job-ok") }
        try record("s2") { try self.bench.switchModel("job-nope", extra: ["--skip-preflight"]) }
        try record("s3") { try self.bench.switchModel("job-500", extra: ["--actor", "alice"]) }
        try record("s4") {
            try self.bench.switchModel("fraud-job", model: "fraud", apiKey: SwitchFixture.fraudKey, extra: ["--skip-preflight", "--actor", "bob"])
        }
        try record("s5") { try self.bench.switchModel("job-ok-2", extra: ["--actor", "alice"]) }
        try killedSwitch("s6", job: "job-delay", actor: "bob")
        guard let s6 = requests["s6"] else { throw ScenarioFailure(step: "s6", output: "no request") }
        let resolve = try bench.run([
            "resolve", String(s6.seq), "--outcome", "succeeded",
            "--reason", "INC-7: console shows job-delay live", "--actor", "carol",
        ])
        guard resolve.exitCode == 0 else { throw ScenarioFailure(step: "resolve", output: resolve.allOutput) }
        completions["s6"] = try bench.last(EntryKind.switchResolved)
        try killedSwitch("s7", job: "job-delay-2", actor: "ci-pipeline")
        bench.simulator.stop()
    }

    var args: [String] { bench.ledgerArgs }

    private func record(_ label: String, _ run: () throws -> ProcessResult) throws {
        let result = try run()
        guard [0, 3, 4].contains(result.exitCode) else { throw ScenarioFailure(step: label, output: result.allOutput) }
        requests[label] = try bench.last(EntryKind.switchRequested)
        completions[label] = try bench.last(EntryKind.switchCompleted)
    }

    /// `ledger switch JOB` (a job whose answer the simulator delays 4 s) killed with SIGKILL once the
    /// simulator has processed its PUT: the switch stays unresolved.
    private func killedSwitch(_ label: String, job: String, actor: String) throws {
        let (process, _) = try bench.startSwitch(job, reason: "CHG-\(label)", extra: ["--actor", actor], waitForPUT: true)
        guard try bench.simulator.liveJob(model: "churn") == job else {
            kill(process.processIdentifier, SIGKILL)
            throw ScenarioFailure(step: label, output: "the PUT did not reach the simulator")
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        requests[label] = try bench.last(EntryKind.switchRequested)
        guard requests[label]?.actor == actor else { throw ScenarioFailure(step: label, output: "the switch was not requested in time") }
    }

    func request(_ label: String) throws -> LedgerEntry { try #require(requests[label]) }
    func completion(_ label: String) throws -> LedgerEntry { try #require(completions[label]) }

    /// `ledger ARGS --db … --key-file …`.
    func ledger(_ arguments: [String]) throws -> ProcessResult {
        try Binaries.ledger(arguments + args, environment: ["LEDGER_ACTOR": "reviewer"])
    }

    /// `ledger ARGS --format json` parsed.
    func json(_ arguments: [String]) throws -> JSONValue {
        let result = try ledger(arguments + ["--format", "json"])
        guard result.exitCode == 0 else { throw ScenarioFailure(step: arguments.joined(separator: " "), output: result.allOutput) }
        return try JSONValue(parsing: result.stdout)
    }

    /// One millisecond before/after a recorded time.
    static func shift(_ recordedAt: String, _ ms: Int64) -> String {
        Timestamp.format(epochMilliseconds: (Timestamp.parse(recordedAt) ?? 0) + ms)
    }
}

struct ScenarioFailure: Error, CustomStringConvertible {
    let step: String
    let output: String
    var description: String { "building the scenario failed at \(step): \(output)" }
}

/// RFC 4180 CSV: fields, quoted fields with "" escapes and line breaks.
func parseCSV(_ text: String) throws -> [[String]] {
    var rows: [[String]] = [], row: [String] = [], field = ""
    var quoted = false, afterQuote = false
    var chars = Array(text).makeIterator()
    while let ch = chars.next() {
        if quoted {
            if ch == "\"" { quoted = false; afterQuote = true } else { field.append(ch) }
            continue
        }
        switch ch {
        case "\"":
            if afterQuote { field.append("\"") } else if !field.isEmpty { throw CSVError(reason: "quote inside an unquoted field") }
            quoted = true
            afterQuote = false
        case ",": row.append(field); field = ""; afterQuote = false
        case "\n", "\r\n": row.append(field); rows.append(row); row = []; field = ""; afterQuote = false
        default:
            if afterQuote { throw CSVError(reason: "text after a closing quote") }
            field.append(ch)
        }
    }
    if quoted { throw CSVError(reason: "unterminated quoted field") }
    if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
    return rows
}

struct CSVError: Error { let reason: String }

@Suite("ledger report / history (built binary, ledger written against the simulator)")
struct ReportCommandTests {
    static func counts(_ value: JSONValue?) -> [Int64] {
        ["succeeded", "rejected", "failed", "unresolved", "total"].map { value?[$0]?.integerValue ?? -1 }
    }

    @Test("report numbers match the switches made: per model, per actor, per outcome, failures, unresolved; JSON, CSV, table, Markdown")
    func numbers() throws {
        let scenario = try ReportScenario()
        let report = try scenario.json(["report"])
        #expect(report["verification"]?["status"]?.stringValue == "intact")
        #expect(Self.counts(report["totals"]) == [3, 2, 1, 1, 7])
        guard case .array(let models)? = report["by_model"], case .array(let actors)? = report["by_actor"] else {
            Issue.record("by_model / by_actor missing"); return
        }
        #expect(models.compactMap { $0["model"]?.stringValue } == ["churn", "fraud"])
        #expect(Self.counts(models.first?["counts"]) == [3, 1, 1, 1, 6])
        #expect(Self.counts(models.last?["counts"]) == [0, 1, 0, 0, 1])
        let byActor = Dictionary(uniqueKeysWithValues: actors.compactMap { a in a["actor"]?.stringValue.map { ($0, Self.counts(a["counts"])) } })
        #expect(byActor["ci-pipeline"] == [1, 1, 0, 1, 3])
        #expect(byActor["alice"] == [1, 0, 1, 0, 2])
        #expect(byActor["bob"] == [1, 1, 0, 0, 2])
        guard case .array(let failures)? = report["failures"], case .array(let unresolved)? = report["unresolved"] else {
            Issue.record("failures / unresolved missing"); return
        }
        let reasons = Set(failures.compactMap { f in f["error_message"]?.stringValue.map { "\(f["outcome"]?.stringValue ?? ""): \($0)" } })
        #expect(reasons.contains("rejected: Not found retrain job."))
        #expect(reasons.contains("rejected: Not found classifier."))
        #expect(failures.contains { $0["outcome"]?.stringValue == "failed" && $0["error_code"]?.stringValue == "5001000201" })
        #expect(failures.count == 3)
        #expect(unresolved.compactMap { $0["request_seq"]?.integerValue } == [try scenario.request("s7").seq])
        #expect(report["ledger"]?["head_seq"]?.integerValue == (try scenario.bench.entries().last?.seq))

        // Filters.
        #expect(Self.counts(try scenario.json(["report", "--model", "churn", "--outcome", "rejected"])["totals"]) == [0, 1, 0, 0, 1])
        #expect(Self.counts(try scenario.json(["report", "--actor", "bob"])["totals"]) == [1, 1, 0, 0, 2])
        let resolved = try scenario.json(["report", "--kind", "switch.resolved"])
        #expect(Self.counts(resolved["totals"]) == [1, 0, 0, 0, 1])
        #expect(resolved["switches"]?["items"]?.arrayCount == 1)
        #expect(resolved["switches"]?["items"]?.arrayFirst?["request_seq"]?.integerValue == (try scenario.request("s6").seq))
        let s3 = try scenario.request("s3")
        let period = try scenario.json(["report", "--since", s3.recordedAt, "--until", try scenario.request("s5").recordedAt])
        #expect(Self.counts(period["totals"]) == [1, 1, 1, 0, 3])

        // CSV parses, in long form.
        let csvResult = try scenario.ledger(["report", "--format", "csv"])
        #expect(csvResult.exitCode == 0)
        let rows = try parseCSV(csvResult.stdout)
        let header = try #require(rows.first)
        #expect(
            header == [
                "section", "model", "actor", "outcome", "count", "seq", "recorded_at", "retrain_job_id", "reason",
                "error_code", "error_message", "detail",
            ])
        #expect(rows.dropFirst().allSatisfy { $0.count == header.count })
        func value(_ section: String, _ key: String, _ outcome: String) -> String? {
            rows.first { $0[0] == section && ($0[1] == key || $0[2] == key) && $0[3] == outcome }?[4]
        }
        #expect(value("by_model", "churn", "succeeded") == "3" && value("by_model", "churn", "unresolved") == "1")
        #expect(value("by_actor", "alice", "failed") == "1")
        #expect(rows.filter { $0[0] == "switch" }.count == 7)
        #expect(rows.first { $0[0] == "unresolved" }?[5] == String(try scenario.request("s7").seq))
        #expect(rows.first { $0[0] == "verification" }?[3] == "intact")

        let table = try scenario.ledger(["report"])
        #expect(table.exitCode == 0, "\(table.stderr)")
        #expect(table.stdout.contains("Switches per model") && table.stdout.contains("INTACT"))
        #expect(table.stdout.contains("Not found classifier."))
        let markdown = try scenario.ledger(["report", "--format", "markdown"])
        #expect(markdown.stdout.hasPrefix("# Switch report") && markdown.stdout.contains("| churn | 3 | 1 | 1 | 1 | 6 |"))
    }

    @Test("--as-of: nothing before the first switch; at a success's recorded_at; unchanged after rejected and failed; resolved and pending")
    func asOf() throws {
        let scenario = try ReportScenario()
        func live(_ time: String, _ model: String = "churn") throws -> JSONValue? {
            let answer = try scenario.json(["report", "--as-of", time])
            guard case .array(let models)? = answer["models"] else { return nil }
            #expect(answer["as_of"]?.stringValue == ReportTime.instant(time))
            return models.first { $0["model"]?.stringValue == model }
        }
        let r1 = try scenario.request("s1"), c1 = try scenario.completion("s1")
        // Before the first switch: nothing live for either model (both are listed).
        let before = try live(ReportScenario.shift(r1.recordedAt, -1))
        #expect(before?["live"] == .null && before?["live_retrain_job_id"] == .null)
        #expect(try live(ReportScenario.shift(r1.recordedAt, -1), "fraud")?["live"] == .null)
        // Exactly at the success's recorded_at: live, with who, when and why.
        let at = try live(c1.recordedAt)
        #expect(at?["live_retrain_job_id"]?.stringValue == "job-ok")
        #expect(at?["live"]?["actor"]?.stringValue == "ci-pipeline" && at?["live"]?["reason"]?.stringValue == "CHG-job-ok")
        #expect(at?["live"]?["requested_at"]?.stringValue == r1.recordedAt && at?["live"]?["completed_at"]?.stringValue == c1.recordedAt)
        // After a rejected and after a failed switch: unchanged.
        #expect(try live(try scenario.completion("s2").recordedAt)?["live_retrain_job_id"]?.stringValue == "job-ok")
        #expect(try live(try scenario.completion("s3").recordedAt)?["live_retrain_job_id"]?.stringValue == "job-ok")
        let c5 = try scenario.completion("s5")
        #expect(try live(ReportScenario.shift(c5.recordedAt, -1))?["live_retrain_job_id"]?.stringValue == "job-ok")
        #expect(try live(c5.recordedAt)?["live_retrain_job_id"]?.stringValue == "job-ok-2")
        // The killed switch is pending until resolved, then live (resolved by carol).
        let r6 = try scenario.request("s6"), resolution = try scenario.completion("s6")
        let pending = try live(ReportScenario.shift(resolution.recordedAt, -1))
        #expect(pending?["live_retrain_job_id"]?.stringValue == "job-ok-2")
        #expect(pending?["pending"]?.arrayCount == 1)
        #expect(pending?["pending"]?.arrayFirst?["request_seq"]?.integerValue == r6.seq)
        let resolved = try live(resolution.recordedAt)
        #expect(resolved?["live_retrain_job_id"]?.stringValue == "job-delay")
        #expect(resolved?["live"]?["completion_kind"]?.stringValue == "switch.resolved")
        #expect(resolved?["live"]?["completed_by"]?.stringValue == "carol" && resolved?["live"]?["actor"]?.stringValue == "bob")
        // Now: still job-delay (s6); the unresolved s7 is pending. fraud never had a success.
        let now = try live("2999-01-01")
        #expect(now?["live"]?["request_seq"]?.integerValue == r6.seq)
        #expect(now?["pending"]?.arrayFirst?["request_seq"]?.integerValue == (try scenario.request("s7").seq))
        #expect(try live("2999-01-01", "fraud")?["live"] == .null)

        let table = try scenario.ledger(["report", "--as-of", c1.recordedAt])
        #expect(table.exitCode == 0 && table.stdout.contains("job-ok") && table.stdout.contains("most recently requested switch"))
        #expect(try scenario.ledger(["report", "--as-of", c1.recordedAt, "--since", "2026-01-01"]).exitCode == 64)
        #expect(try scenario.ledger(["report", "--as-of", "noon"]).exitCode == 64)
    }

    @Test("history lists one model's timeline; HTML reports are self-contained (no http at all) with an SVG timeline")
    func historyAndHTML() throws {
        let scenario = try ReportScenario()
        let history = try scenario.json(["history", "--model", "churn"])
        guard case .array(let switches)? = history["switches"] else { Issue.record("no switches"); return }
        #expect(switches.compactMap { $0["outcome"]?.stringValue } == ["succeeded", "rejected", "failed", "succeeded", "succeeded", "unresolved"])
        #expect(switches.compactMap { $0["reason"]?.stringValue } == ["CHG-job-ok", "CHG-job-nope", "CHG-job-500", "CHG-job-ok-2", "CHG-s6", "CHG-s7"])
        #expect(history["live_request_seq"]?.integerValue == (try scenario.request("s6").seq))
        #expect(switches[4]["resolution_reason"]?.stringValue == "INC-7: console shows job-delay live")
        #expect(switches.filter { $0["live_now"] == .bool(true) }.count == 1)
        let csv = try parseCSV(try scenario.ledger(["history", "--model", "churn", "--format", "csv"]).stdout)
        #expect(csv.count == 7 && csv.allSatisfy { $0.count == csv[0].count })

        let head = try #require(try scenario.bench.entries().last)
        let dir = scenario.bench.ledger.directory
        for (name, command) in [
            ("report.html", ["report"]), ("history.html", ["history", "--model", "churn"]),
            ("asof.html", ["report", "--as-of", "2999-01-01"]),
        ] {
            let result = try scenario.ledger(command + ["--format", "html", "--out", dir.file(name)])
            #expect(result.exitCode == 0, "\(result.allOutput)")
            let html = try String(contentsOfFile: dir.file(name), encoding: .utf8)
            #expect(!html.lowercased().contains("http"), "\(name) mentions http")
            #expect(!html.contains("<script") && !html.contains("<link") && !html.contains("<img") && !html.contains("url("))
            #expect(html.hasPrefix("<!DOCTYPE html>") && html.contains("<style>"))
            #expect(html.contains(head.ledgerID) && html.contains(head.mac) && html.contains(">\(head.seq)<"))
            if name != "asof.html" {
                #expect(html.contains("<svg") && html.contains("class=\"ok\"") && html.contains("class=\"rej\"") && html.contains("class=\"unres\""))
            }
        }
        let report = try String(contentsOfFile: dir.file("report.html"), encoding: .utf8)
        #expect(report.contains("class=\"fail\"") && report.contains("Failures by reason") && report.contains("Not found classifier."))
    }

    @Test("a tampered ledger is announced at the top of every format and exits 2; without a key the report says NOT VERIFIED")
    func tamperedAndUnverified() throws {
        let ledger = try TestLedger()
        try ledger.appendSample(count: 60)
        try ledger.tamper("UPDATE entries SET reason = 'forged' WHERE seq = 30")
        let args = ["--db", ledger.dbPath, "--key-file", ledger.keyPath]
        let table = try Binaries.ledger(["report"] + args)
        #expect(table.exitCode == 2)
        #expect(table.stdout.split(separator: "\n").prefix(3).contains { $0.contains("LEDGER TAMPERED") })
        #expect(table.stdout.contains("seq 30") && table.stderr.contains("does not verify"))
        let html = ledger.directory.file("r.html")
        #expect(try Binaries.ledger(["report", "--format", "html", "--out", html] + args).exitCode == 2)
        let page = try String(contentsOfFile: html, encoding: .utf8)
        let banner = try #require(page.range(of: "LEDGER TAMPERED")), summary = try #require(page.range(of: "<h2>Summary</h2>"))
        #expect(banner.lowerBound < summary.lowerBound && page.contains("class=\"alert danger\""))
        let json = try JSONValue(parsing: try Binaries.ledger(["report", "--format", "json"] + args).stdout)
        #expect(json["verification"]?["status"]?.stringValue == "tampered")
        #expect(try Binaries.ledger(["history", "--model", "churn"] + args).exitCode == 2)

        let skipped = try Binaries.ledger(["report", "--no-verify"] + args)
        #expect(skipped.exitCode == 0 && skipped.stdout.contains("NOT VERIFIED") && skipped.stdout.contains("--no-verify"))
        let noKey = try Binaries.ledger(["report", "--db", ledger.dbPath, "--key-file", ledger.directory.file("missing.key")])
        #expect(noKey.exitCode == 0 && noKey.stdout.contains("NOT VERIFIED") && noKey.stdout.contains("no key file"))

        #expect(try Binaries.ledger(["report", "--kind", "job.checked"] + args).exitCode == 64)
        #expect(try Binaries.ledger(["report", "--since", "soon"] + args).exitCode == 64)
        #expect(try Binaries.ledger(["report", "--since", "2026-11-02", "--until", "2026-11-01"] + args).exitCode == 64)
        #expect(try Binaries.ledger(["report", "--db", ledger.directory.file("none.sqlite")]).exitCode == 74)
    }
}

extension JSONValue {
    /// The first element of an array.
    var arrayFirst: JSONValue? { if case .array(let items) = self { items.first } else { nil } }
    /// The number of elements of an array.
    var arrayCount: Int? { if case .array(let items) = self { items.count } else { nil } }
}
