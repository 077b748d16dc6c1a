import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

/// `ledger switch` (the built binary) against `epa-simulator` (the built binary) on a loopback port.
@Suite("ledger switch against the simulator")
struct SwitchCommandTests {
    @Test("a successful switch records pre-flight, request and completion, and the service sees GET then one PUT")
    func success() throws {
        let bench = try SwitchBench()
        let result = try bench.switchModel("job-ok")
        #expect(result.exitCode == 0, "\(result.allOutput)")
        #expect(result.stdout.contains("switched churn → job-ok: succeeded (HTTP 200)"))
        let entries = try bench.entries()
        #expect(entries.map(\.kind.rawValue) == ["ledger.created", "job.checked", "switch.requested", "switch.completed"])
        let checked = entries[1], requested = entries[2], completed = entries[3]
        #expect(checked.detailsObject?["status"]?.stringValue == "finished" && checked.modelID == 101)
        #expect(requested.requestMethod == "PUT" && requested.requestURL == bench.simulator.baseURL + "/retrain_jobs/job-ok/update_model")
        #expect(requested.reason == "CHG-job-ok" && requested.actor == "ci-pipeline" && requested.model == "churn")
        #expect(completed.refSeq == requested.seq && completed.outcome == .succeeded && completed.httpStatus == 200)
        #expect(completed.responseBody?.contains("\"job-ok\"") == true)
        #expect(completed.modelID == 101 && completed.durationMs != nil)
        let expectedKeyID = String(try Digest.sha256Hex(SwitchFixture.churnKey).prefix(16))
        #expect(completed.apiKeyID == expectedKeyID && requested.apiKeyID == expectedKeyID)
        let requests = try bench.simulator.requests().map { "\($0["method"]?.stringValue ?? "") \($0["path"]?.stringValue ?? "")" }
        #expect(requests == ["GET /v1/external/retrain_jobs/job-ok", "PUT /v1/external/retrain_jobs/job-ok/update_model"])
        #expect(try bench.verifyExitCode() == 0)
    }

    @Test(
        "every documented switch error: exit 3, the manual's message, a rejected entry",
        arguments: [
            (TestSecret("unknown", SwitchFixture.unknownKey), "job-ok", "churn", "invalid_api_key."),
            (TestSecret("inactive", SwitchFixture.inactiveKey), "job-ok", "churn", "Inactive_credential."),
            (TestSecret("not-found", SwitchFixture.goneKey), "job-ok", "churn", "Not_found_credential."),
            (TestSecret("churn", SwitchFixture.churnKey), "job-nope", "churn", "Not found retrain job."),
            (TestSecret("fraud", SwitchFixture.fraudKey), "fraud-job", "fraud", "Not found classifier."),
            (TestSecret("churn", SwitchFixture.churnKey), "job-running", "churn", "Retrain job is not finished."),
        ])
    func documentedErrors(key: TestSecret, job: String, model: String, message: String) throws {
        let bench = try SwitchBench()
        let result = try bench.switchModel(job, model: model, apiKey: key.value, extra: ["--skip-preflight"])
        #expect(result.exitCode == 3, "\(result.allOutput)")
        #expect(result.stdout.contains("NOT switched") && result.stdout.contains("rejected (HTTP 400)"))
        #expect(result.stderr.contains(message))
        let completed = try #require(try bench.last(EntryKind.switchCompleted))
        #expect(completed.outcome == .rejected && completed.httpStatus == 400)
        #expect(completed.errorCode == "4001000204" && completed.errorMessage == message)
        #expect(completed.responseBody?.contains(message) == true)
        #expect(try bench.simulator.requests(pathSuffix: "/update_model", method: "PUT").count == 1)
        #expect(try bench.verifyExitCode() == 0)
    }

    @Test(
        "pre-flight refuses a job that is not finished: exit 5, no PUT, a job.checked entry and no request entry",
        arguments: ["job-running", "job-failed"])
    func preflightRefusal(job: String) throws {
        let bench = try SwitchBench()
        let result = try bench.switchModel(job)
        #expect(result.exitCode == 5, "\(result.allOutput)")
        #expect(result.stderr.contains("not \"finished\""))
        #expect(try bench.simulator.requests(pathSuffix: "/update_model").isEmpty)
        let kinds = try bench.entries().map(\.kind)
        #expect(kinds == [.ledgerCreated, .jobChecked])
        #expect(try bench.verifyExitCode() == 0)
    }

    @Test("a pre-flight status error stops before the switch: exit 3 and no PUT")
    func preflightError() throws {
        let bench = try SwitchBench()
        let result = try bench.switchModel("job-nope")
        #expect(result.exitCode == 3)
        #expect(try bench.simulator.requests(pathSuffix: "/update_model").isEmpty)
        #expect(try bench.last(EntryKind.jobChecked)?.errorMessage == "Not found retrain job.")
    }

    /// The simulator's request log is read only after the command exited, a settle period passed
    /// and the simulator stopped gracefully (answering and logging what was still in flight): a retry
    /// sent at any moment before exit — even behind the 4 s delayed first PUT — would be counted.
    @Test(
        "service faults: failed, exit 4, and exactly one PUT reached the service (a late retry would be counted)",
        arguments: [
            ("job-delay", ["--timeout", "1"], "within 1 s", Int64?.none),
            ("job-500", [], "5001000201", Int64?.some(500)),
            ("job-nonjson", [], "JSON", Int64?.some(200)),
            ("job-drop", [], "connection", Int64?.none),
            ("job-wrongid", [], "job-wrongid", Int64?.some(200)),
        ])
    func faultsSendExactlyOnePUT(job: String, extra: [String], expected: String, status: Int64?) throws {
        let bench = try SwitchBench()
        let result = try bench.switchModel(job, extra: extra)
        #expect(result.exitCode == 4, "\(result.allOutput)")
        #expect(result.allOutput.localizedCaseInsensitiveContains(expected), "\(result.allOutput)")
        let completed = try #require(try bench.last(EntryKind.switchCompleted))
        #expect(completed.outcome == .failed)
        #expect(completed.httpStatus == status)
        #expect(completed.errorMessage?.isEmpty == false)
        #expect(try bench.finalPUTs(to: job).count == 1, "the PUT was retried, or never sent")
        #expect(try bench.verifyExitCode() == 0)
    }

    @Test("connection refused (no server): failed, exit 4, recorded, and no PUT reached anything")
    func connectionRefused() throws {
        let bench = try SwitchBench()
        bench.simulator.stop()
        let result = try bench.switchModel("job-ok", extra: ["--skip-preflight", "--connect-timeout", "2"])
        #expect(result.exitCode == 4, "\(result.allOutput)")
        let completed = try #require(try bench.last(EntryKind.switchCompleted))
        #expect(completed.outcome == .failed && completed.httpStatus == nil)
        #expect(try bench.finalPUTs(to: "job-ok", settle: 0).isEmpty)
        #expect(try bench.verifyExitCode() == 0)
    }

    /// (A NUL cannot travel through argv at all; EPAClientTests cover it at the library level.)
    @Test(
        "invalid retrain job ids: exit 64, nothing sent, nothing written",
        arguments: [
            "../x", "a/b", "a?b", "a#b", "%2e%2e", "a b", "a\tb", "a\nb", "x × 10000", "job-😀", "", "..", "a\\b",
        ])
    func invalidJobIDs(label: String) throws {
        let job = label == "x × 10000" ? String(repeating: "x", count: 10_000) : label
        let bench = try SwitchBench()
        let before = try bench.entries()
        let result = try bench.switchModel(job)
        #expect(result.exitCode == 64, "\(result.allOutput)")
        #expect(try bench.simulator.requests().isEmpty)
        #expect(try bench.entries() == before)
    }

    @Test("the whole lifecycle: upload → status --wait → switch, with the data's lineage recorded")
    func lifecycle() throws {
        let bench = try SwitchBench()
        let data = bench.ledger.directory.file("train.csv")
        try Data("a,b\n1,2\n3,4\n".utf8).write(to: URL(fileURLWithPath: data))
        let upload = try bench.run(["retrain", "upload", data, "--model", "churn", "--reason", "CHG-9", "--format", "json"])
        #expect(upload.exitCode == 0, "\(upload.allOutput)")
        let uploaded = try JSONValue(parsing: upload.stdout)
        let job = try #require(uploaded["retrain_job_id"]?.stringValue)
        let details = try #require(uploaded["details"])
        #expect(details["file_name"]?.stringValue == "train.csv")
        #expect(details["file_size"]?.integerValue == 12)
        #expect(details["file_sha256"]?.stringValue == (try Digest.sha256Hex("a,b\n1,2\n3,4\n")))

        let status = try bench.run(["retrain", "status", job, "--model", "churn", "--wait", "--interval", "0.1"])
        #expect(status.exitCode == 0, "\(status.allOutput)")
        #expect(status.stdout.contains("\(job): finished"))
        #expect(try bench.switchModel(job).exitCode == 0)
        let kinds = try bench.entries().map(\.kind)
        #expect(kinds.first(where: { $0 == EntryKind.jobUploaded }) != nil)
        #expect(kinds.suffix(2) == [EntryKind.switchRequested, EntryKind.switchCompleted])
        #expect(try bench.verifyExitCode() == 0)
    }

    @Test("a switch killed while its PUT is held by the service stays unresolved in log and verify until `ledger resolve` records the outcome")
    func killedMidCall() throws {
        let bench = try SwitchBench()
        // Killed once the simulator has processed the PUT, while it still holds the answer back (4 s).
        let (process, _) = try bench.startSwitch("job-delay", reason: "CHG-kill", waitForPUT: true)
        #expect(try bench.simulator.liveJob(model: "churn") == "job-delay", "the PUT never reached the simulator")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let requested = try #require(try bench.last(EntryKind.switchRequested))
        #expect(try bench.last(EntryKind.switchCompleted) == nil)

        let log = try Binaries.ledger(["log"] + bench.ledgerArgs)
        #expect(log.stdout.contains("unresolved — outcome unknown"))
        let verify = try Binaries.ledger(["verify", "--format", "json"] + bench.ledgerArgs)
        #expect(verify.exitCode == 0)
        #expect(try JSONValue(parsing: verify.stdout)["unresolved_switches"] == .array([.integer(requested.seq)]))

        let resolve = try bench.run(["resolve", String(requested.seq), "--outcome", "succeeded", "--reason", "INC-1: console shows job live"])
        #expect(resolve.exitCode == 0, "\(resolve.allOutput)")
        #expect(try bench.entries().last?.refSeq == requested.seq)
        let after = try JSONValue(parsing: try Binaries.ledger(["verify", "--format", "json"] + bench.ledgerArgs).stdout)
        #expect(after["unresolved_switches"] == .array([]) && after["intact"] == .bool(true))
        #expect(try bench.run(["resolve", String(requested.seq), "--outcome", "failed", "--reason", "again"]).exitCode == 64)
    }

    @Test("a switch on a tampered ledger is refused (exit 6) and the service receives nothing")
    func tamperedLedgerRefused() throws {
        let bench = try SwitchBench()
        #expect(try bench.switchModel("job-ok").exitCode == 0)
        let sent = try bench.simulator.requests().count
        try bench.ledger.tamper("UPDATE entries SET reason = 'forged' WHERE seq = (SELECT max(seq) FROM entries)")
        let result = try bench.switchModel("job-ok-2")
        #expect(result.exitCode == 6, "\(result.allOutput)")
        #expect(result.stderr.contains("refusing to append"))
        #expect(try bench.simulator.requests().count == sent)
    }

    @Test("API key problems: exit 78, nothing sent")
    func apiKeyProblems() throws {
        let bench = try SwitchBench()
        let missing = try bench.switchModel("job-ok", apiKey: nil)
        #expect(missing.exitCode == 78 && missing.stderr.contains("EPA_API_KEY"))
        let keyFile = bench.ledger.directory.file("churn.apikey")
        try Data((SwitchFixture.churnKey + "\n").utf8).write(to: URL(fileURLWithPath: keyFile))
        chmod(keyFile, 0o644)
        let loose = try bench.switchModel("job-ok", apiKey: nil, extra: ["--api-key-file", keyFile])
        #expect(loose.exitCode == 78 && loose.stderr.contains("chmod 600 \(keyFile)"))
        #expect(try bench.simulator.requests().isEmpty)
        chmod(keyFile, 0o600)
        #expect(try bench.switchModel("job-ok", apiKey: nil, extra: ["--api-key-file", keyFile]).exitCode == 0)
    }

    @Test("plain http to a non-loopback host is refused before anything is sent")
    func httpsRequired() throws {
        let bench = try SwitchBench()
        let result = try bench.switchModel("job-ok", extra: ["--base-url", "http://203.0.113.7/v1/external"])
        #expect(result.exitCode == 64, "\(result.allOutput)")
        #expect(result.allOutput.contains("https"))
        #expect(try bench.entries().count == 1)
    }

    @Test("no API key ever reaches the database, the WAL, the simulator's log or any output")
    func secretsNeverStored() throws {
        let bench = try SwitchBench()
        for job in ["job-ok", "job-running", "job-500", "job-nope"] { try bench.switchModel(job) }
        for key in [SwitchFixture.unknownKey, SwitchFixture.inactiveKey] { try bench.switchModel("job-ok", apiKey: key, extra: ["--skip-preflight"]) }
        try bench.run(["log", "--format", "json", "--limit", "0"])
        try bench.run(["verify", "--format", "json"])
        let haystacks = [bench.databaseBytes(), bench.simulator.requestLogBytes(), Data(bench.outputs.joined().utf8)]
        let ledgerKey = try String(contentsOfFile: bench.ledger.keyPath, encoding: .utf8).trimmingCharacters(in: .newlines)
        for secret in SwitchFixture.allKeys + [ledgerKey] {
            for haystack in haystacks {
                #expect(haystack.range(of: Data(secret.utf8)) == nil, "a secret leaked")
            }
        }
    }
}
