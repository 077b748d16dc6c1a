import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

/// The job status words the vendor page never lists: `switch` and `retrain status` against a simulator
/// that says `Finished`, `completed`, `training`, `ERROR`, or a hostile word; and the cap on the service's
/// status message.
@Suite("ledger and job status words")
struct StatusWordTests {
    /// A message of 24,001 UTF-8 bytes (`a` then two-byte `é`s): the 16 KiB cap falls inside a character.
    static let longMessage = "a" + String(repeating: "é", count: 12_000)

    static let fixture = """
        {
          "api_keys": [{"key": "\(ShapeBench.key)", "model": "churn"}],
          "models": [{"name": "churn", "model_id": 101, "jobs": [
            {"id": "w-Finished", "status": "finished", "status_words": {"finished": "Finished"}},
            {"id": "w-padded", "status": "finished", "status_words": {"finished": "  FINISHED \\n"}},
            {"id": "w-completed", "status": "finished", "status_words": {"finished": "completed"}},
            {"id": "w-training", "status": "running", "status_words": {"running": "training"}},
            {"id": "w-training-then-completed", "status": "running", "finish_after_checks": 2,
             "status_words": {"running": "training", "finished": "completed"}},
            {"id": "w-error", "status": "failed", "status_words": {"failed": "ERROR"}},
            {"id": "w-failed", "status": "failed"},
            {"id": "w-hostile", "status": "running", "status_words": {"running": "\\u001b]0;owned\\u0007done\\u001b[2J"}},
            {"id": "c-long", "status": "finished", "message": "\(longMessage)"}
          ]}]
        }
        """

    static func statusRequests(_ bench: ShapeBench, _ job: String) throws -> Int {
        try bench.simulator.requests(pathSuffix: "/retrain_jobs/\(job)", method: "GET").count
    }

    @Test("switch takes a finished word in any letter case and with surrounding spaces by default", arguments: ["w-Finished", "w-padded"])
    func finishedIgnoringCaseAndSpaces(job: String) throws {
        let bench = try ShapeBench(fixture: Self.fixture)
        let result = try bench.switchTo(job)
        #expect(result.exitCode == 0, "\(result.allOutput)")
        #expect(try bench.entries().map(\.kind.rawValue).suffix(2) == ["switch.requested", "switch.completed"])
        #expect(try bench.simulator.requests(pathSuffix: "/update_model", method: "PUT").count == 1)
    }

    @Test("an extra finished word from --finished-status or EPA_FINISHED_STATUSES lets switch go ahead; without it, exit 5 naming the word")
    func configuredFinishedWord() throws {
        let bench = try ShapeBench(fixture: Self.fixture)
        let refused = try bench.switchTo("w-completed")
        #expect(refused.exitCode == 5, "\(refused.allOutput)")
        #expect(refused.stderr.contains("\"completed\" is not a known status word"), "\(refused.stderr)")
        #expect(refused.stderr.contains("--finished-status"))
        #expect(try bench.simulator.requests(pathSuffix: "/update_model").isEmpty)
        #expect(try bench.last(EntryKind.jobChecked)?.detailsObject?["status"]?.stringValue == "completed")

        let byFlag = try bench.switchTo("w-completed", extra: ["--finished-status", "Completed"])
        #expect(byFlag.exitCode == 0, "\(byFlag.allOutput)")
        let byEnvironment = try bench.switchTo("w-completed", environment: ["EPA_FINISHED_STATUSES": "done, COMPLETED,"])
        #expect(byEnvironment.exitCode == 0, "\(byEnvironment.allOutput)")
        #expect(try bench.simulator.requests(pathSuffix: "/update_model", method: "PUT").count == 2)
        #expect(try bench.verifyExitCode() == 0)
    }

    @Test("switch on an unknown word (training) stops with exit 5, names the word and the words that count, sends no PUT")
    func unknownWordStopsSwitch() throws {
        let bench = try ShapeBench(fixture: Self.fixture)
        let result = try bench.switchTo("w-training")
        #expect(result.exitCode == 5, "\(result.allOutput)")
        #expect(result.stderr.contains("retrain job w-training is \"training\", not \"finished\": nothing was switched."))
        #expect(result.stderr.contains(#"finished: "finished"; failed: "failed"; running: "running""#), "\(result.stderr)")
        #expect(try bench.entries().map(\.kind.rawValue) == ["ledger.created", "job.checked"])
        #expect(try bench.seen() == ["GET /v1/external/retrain_jobs/w-training → 200"])
    }

    @Test("a hostile status word is named escaped on stderr: no terminal control byte gets through")
    func hostileWordEscaped() throws {
        let bench = try ShapeBench(fixture: Self.fixture)
        let result = try bench.switchTo("w-hostile")
        #expect(result.exitCode == 5, "\(result.allOutput)")
        #expect(result.stderr.contains("not a known status word"))
        #expect(result.stderr.contains(#"\u{1B}]0;owned\u{07}done\u{1B}[2J"#), "\(result.stderr)")
        #expect(!result.allOutput.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 })
        // The ledger keeps the word exactly as the service sent it.
        #expect(try bench.last(EntryKind.jobChecked)?.detailsObject?["status"]?.stringValue == "\u{1B}]0;owned\u{07}done\u{1B}[2J")
    }

    @Test("retrain status --wait keeps polling on an unknown word until --wait-timeout, saying so on stderr, then exits 5")
    func waitKeepsPollingOnUnknownWord() throws {
        let bench = try ShapeBench(fixture: Self.fixture)
        let result = try bench.run([
            "retrain", "status", "w-training", "--model", "churn", "--wait", "--interval", "0.2", "--wait-timeout", "3",
        ])
        #expect(result.exitCode == 5, "\(result.allOutput)")
        #expect(result.stderr.contains("status \"training\" is not a known status word"), "\(result.stderr)")
        #expect(result.stderr.contains("Still waiting, until --wait-timeout."))
        #expect(result.stderr.contains("is still \"training\" when --wait-timeout ran out"))
        #expect(try Self.statusRequests(bench, "w-training") >= 2)
        // One job.checked for the first answer, one at the end (the word never changed in between).
        #expect(try bench.entries().filter { $0.kind == EntryKind.jobChecked }.count == 2)
    }

    @Test("retrain status --wait with --finished-status completed waits through training and ends on completed with exit 0")
    func waitEndsOnConfiguredFinishedWord() throws {
        let bench = try ShapeBench(fixture: Self.fixture)
        let result = try bench.run([
            "retrain", "status", "w-training-then-completed", "--model", "churn", "--wait", "--interval", "0.1",
            "--finished-status", "completed",
        ])
        #expect(result.exitCode == 0, "\(result.allOutput)")
        #expect(try Self.statusRequests(bench, "w-training-then-completed") == 3)
        let statuses = try bench.entries().filter { $0.kind == EntryKind.jobChecked }.compactMap { $0.detailsObject?["status"]?.stringValue }
        #expect(statuses == ["training", "completed"])
    }

    @Test(
        "retrain status --wait ends at once on a failed word (built-in or --failed-status), exit 5, without the unknown-word note",
        arguments: [("w-failed", [String]()), ("w-error", ["--failed-status", "error"])])
    func waitEndsOnFailedWord(job: String, extra: [String]) throws {
        let bench = try ShapeBench(fixture: Self.fixture)
        let result = try bench.run(["retrain", "status", job, "--model", "churn", "--wait", "--interval", "0.1"] + extra)
        #expect(result.exitCode == 5, "\(result.allOutput)")
        #expect(!result.stderr.contains("not a known status word"), "\(result.stderr)")
        #expect(try Self.statusRequests(bench, job) == 1)
    }

    @Test("a word configured to mean two things is refused before anything is sent: flags exit 64, environment exit 78")
    func conflictingWordsRefused() throws {
        let bench = try ShapeBench(fixture: Self.fixture)
        let flag = try bench.switchTo("w-completed", extra: ["--finished-status", "FAILED"])
        #expect(flag.exitCode == 64, "\(flag.allOutput)")
        #expect(flag.stderr.contains("\"FAILED\" cannot be a finished status word: it already means failed"), "\(flag.stderr)")
        let environment = try bench.switchTo("w-completed", environment: ["EPA_FAILED_STATUSES": "completed,running"])
        #expect(environment.exitCode == 78, "\(environment.allOutput)")
        #expect(environment.stderr.contains("EPA_FINISHED_STATUSES / EPA_FAILED_STATUSES"))
        #expect(environment.stderr.contains("\"running\" cannot be a failed status word: it already means running"))
        let status = try bench.run(["retrain", "status", "w-completed", "--model", "churn", "--failed-status", " "])
        #expect(status.exitCode == 64, "\(status.allOutput)")
        #expect(try bench.simulator.requests().isEmpty)
        #expect(try bench.entries().map(\.kind.rawValue) == ["ledger.created"])
    }

    @Test("a 24 KB status message is capped at 16 KiB like the response body and flagged message_truncated, by switch and by retrain status")
    func longMessageCapped() throws {
        let bench = try ShapeBench(fixture: Self.fixture)
        #expect(try bench.switchTo("c-long").exitCode == 0)
        #expect(try bench.run(["retrain", "status", "c-long", "--model", "churn"]).exitCode == 0)
        let checks = try bench.entries().filter { $0.kind == EntryKind.jobChecked }
        #expect(checks.count == 2)
        for checked in checks {
            let details = try #require(checked.detailsObject)
            let message = try #require(details["message"]?.stringValue)
            #expect(message.utf8.count <= 16_384 && message.utf8.count >= 16_382)
            #expect(Self.longMessage.hasPrefix(message))
            #expect(!message.contains("\u{FFFD}"))
            #expect(details["message_truncated"] == .bool(true))
            #expect(details["status"]?.stringValue == "finished" && details["status_truncated"] == nil)
            #expect(details["response_body_truncated"] == .bool(true))
            #expect((checked.responseBody?.utf8.count ?? 0) <= 16_384)
        }
        #expect(try bench.verifyExitCode() == 0)
    }
}
