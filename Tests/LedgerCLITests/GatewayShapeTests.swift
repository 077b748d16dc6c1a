import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

/// A simulator playing `fixture` and a fresh ledger; runs the built `ledger` against both.
final class ShapeBench: @unchecked Sendable {
    static let key = "key-shapes-SECRET-5e7c1a90"
    let simulator: SimulatorProcess
    let ledger: TestLedger

    init(fixture: String) throws {
        simulator = try SimulatorProcess(fixture: fixture)
        ledger = try TestLedger()
    }

    /// Runs `ledger ARGS --db … --key-file …` with the simulator's base URL and the key in the environment.
    @discardableResult
    func run(_ arguments: [String], environment: [String: String] = [:], timeout: TimeInterval = 60) throws -> ProcessResult {
        var env = ["EPA_BASE_URL": simulator.baseURL, "LEDGER_ACTOR": "ci-pipeline", "EPA_API_KEY": Self.key]
        env.merge(environment) { _, new in new }
        let result = try Binaries.ledger(arguments + ledger.arguments, environment: env, timeout: timeout)
        #expect(!result.allOutput.contains(Self.key), "the API key leaked into the output")
        return result
    }

    /// `ledger switch JOB --model churn --reason CHG-JOB EXTRA…`.
    @discardableResult
    func switchTo(_ job: String, extra: [String] = [], environment: [String: String] = [:]) throws -> ProcessResult {
        try run(["switch", job, "--model", "churn", "--reason", "CHG-\(job)"] + extra, environment: environment)
    }

    /// All entries, oldest first.
    func entries() throws -> [LedgerEntry] {
        var all: [LedgerEntry] = []
        try LedgerStore.open(path: ledger.dbPath, writable: false).forEachEntry(matching: EntryFilter()) { all.append($0) }
        return all
    }

    /// The newest entry of `kind`.
    func last(_ kind: EntryKind) throws -> LedgerEntry? { try entries().last { $0.kind == kind } }

    /// What reached the simulator: `METHOD path → status`, in order.
    func seen() throws -> [String] {
        try simulator.requests().map {
            "\($0["method"]?.stringValue ?? "?") \($0["path"]?.stringValue ?? "?") → \($0["status"]?.integerValue ?? -1)"
        }
    }

    /// `ledger verify` exit code.
    func verifyExitCode() throws -> Int32 { try Binaries.ledger(["verify"] + ledger.arguments).exitCode }
}

/// Answers a gateway in front of the real service produces (401/403/429/502/504 with HTML or
/// `{"message":"Forbidden"}`, a 200 carrying an error body, a JSON content type on HTML, a status answer
/// without its optional fields), played by `epa-simulator` and met by the built `ledger`.
@Suite("ledger against gateway-shaped answers")
struct GatewayShapeTests {
    static let fixture = """
        {
          "api_keys": [{"key": "\(ShapeBench.key)", "model": "churn"}],
          "models": [{"name": "churn", "model_id": 101, "jobs": [
            {"id": "g-401-html", "status": "finished", "faults": {"update_model": {"http_status": 401, "body": "html"}}},
            {"id": "g-403-json", "status": "finished", "faults": {"update_model": {"http_status": 403, "body": "message_json"}}},
            {"id": "g-429-json", "status": "finished", "faults": {"update_model": {"http_status": 429, "body": "message_json"}}},
            {"id": "g-502-html", "status": "finished", "faults": {"update_model": {"http_status": 502}}},
            {"id": "g-504-lost", "status": "finished",
             "faults": {"update_model": {"http_status": 504, "body": "empty", "switch_takes_effect": true}}},
            {"id": "g-200-error", "status": "finished",
             "faults": {"update_model": {"http_status": 200, "body": "error_json", "error_message": "Quota exceeded."}}},
            {"id": "g-json-html", "status": "finished",
             "faults": {"update_model": {"http_status": 200, "body": "html", "content_type": "application/json"}}},
            {"id": "p-403-json", "status": "finished", "faults": {"status": {"http_status": 403, "body": "message_json"}}},
            {"id": "p-200-error", "status": "finished",
             "faults": {"status": {"http_status": 200, "body": "error_json", "error_message": "Quota exceeded."}}},
            {"id": "p-bare", "status": "finished", "message": "done", "faults": {"status": {"omit_optional_fields": true}}}
          ]}]
        }
        """

    /// One gateway answer to the switch call and everything the product must make of it.
    struct SwitchCase: Sendable, CustomTestStringConvertible {
        var job: String
        var exitCode: Int32
        var outcome: String
        var httpStatus: Int64
        var stderr: [String]
        var errorCode: String?
        var errorMessage: String
        var body: String
        var testDescription: String { "\(job) → exit \(exitCode), \(outcome)" }
    }

    static let switchCases: [SwitchCase] = [
        // 401/403: the service (or its gateway) refused the call: rejected, exit 3, with a hint at the key and URL.
        SwitchCase(
            job: "g-401-html", exitCode: 3, outcome: "rejected", httpStatus: 401,
            stderr: ["HTTP 401", "check the API key and the base URL"], errorCode: nil,
            errorMessage: "HTTP 401", body: "<title>401 Unauthorized</title>"),
        SwitchCase(
            job: "g-403-json", exitCode: 3, outcome: "rejected", httpStatus: 403,
            stderr: ["HTTP 403 (\"Forbidden\")", "check the API key and the base URL"], errorCode: nil,
            errorMessage: "Forbidden", body: #"{"message":"Forbidden"}"#),
        // 429: throttled, not refused: a service failure, exit 4.
        SwitchCase(
            job: "g-429-json", exitCode: 4, outcome: "failed", httpStatus: 429,
            stderr: ["HTTP 429 (\"Too Many Requests\")", "outcome of the request is unknown"], errorCode: nil,
            errorMessage: "Too Many Requests", body: #"{"message":"Too Many Requests"}"#),
        SwitchCase(
            job: "g-502-html", exitCode: 4, outcome: "failed", httpStatus: 502,
            stderr: ["HTTP 502", "outcome of the request is unknown"], errorCode: nil,
            errorMessage: "HTTP 502", body: "<h1>502 Bad Gateway</h1>"),
        SwitchCase(
            job: "g-504-lost", exitCode: 4, outcome: "failed", httpStatus: 504,
            stderr: ["HTTP 504", "outcome of the request is unknown"], errorCode: nil,
            errorMessage: "HTTP 504", body: ""),
        // A 200 that carries the service's error shape is that error, never a success.
        SwitchCase(
            job: "g-200-error", exitCode: 3, outcome: "rejected", httpStatus: 200,
            stderr: ["HTTP 200", "4001000204", "Quota exceeded."], errorCode: "4001000204",
            errorMessage: "Quota exceeded.", body: #""message":"Quota exceeded.""#),
        SwitchCase(
            job: "g-json-html", exitCode: 4, outcome: "failed", httpStatus: 200,
            stderr: ["could not be understood", "not JSON"], errorCode: nil,
            errorMessage: "not JSON", body: "<h1>200 OK</h1>"),
    ]

    @Test(
        "each gateway answer to the switch: exit code, message, the recorded completion, and one PUT that reached the service",
        arguments: switchCases)
    func gatewayAnswerToSwitch(_ c: SwitchCase) throws {
        let bench = try ShapeBench(fixture: Self.fixture)
        let result = try bench.switchTo(c.job)
        #expect(result.exitCode == c.exitCode, "\(result.allOutput)")
        #expect(result.stdout.contains("NOT switched churn → \(c.job): \(c.outcome) (HTTP \(c.httpStatus))"), "\(result.stdout)")
        for part in c.stderr {
            #expect(result.stderr.contains(part), "stderr lacks \(part): \(result.stderr)")
        }
        #expect(try bench.entries().map(\.kind.rawValue) == ["ledger.created", "job.checked", "switch.requested", "switch.completed"])
        let completed = try #require(try bench.last(EntryKind.switchCompleted))
        #expect(completed.outcome?.rawValue == c.outcome)
        #expect(completed.httpStatus == c.httpStatus)
        #expect(completed.errorCode == c.errorCode)
        #expect(completed.errorMessage?.contains(c.errorMessage) == true, "\(completed.errorMessage ?? "nil")")
        if c.body.isEmpty {
            #expect(completed.responseBody == "")
        } else {
            #expect(completed.responseBody?.contains(c.body) == true, "\(completed.responseBody ?? "nil")")
        }
        #expect(
            try bench.seen() == [
                "GET /v1/external/retrain_jobs/\(c.job) → 200",
                "PUT /v1/external/retrain_jobs/\(c.job)/update_model → \(c.httpStatus)",
            ])
        #expect(try bench.verifyExitCode() == 0)
    }

    @Test("a 403 {\"message\":\"Forbidden\"} to the pre-flight: exit 3, a rejected job.checked, no PUT, nothing switched")
    func forbiddenPreflight() throws {
        let bench = try ShapeBench(fixture: Self.fixture)
        let result = try bench.switchTo("p-403-json")
        #expect(result.exitCode == 3, "\(result.allOutput)")
        #expect(result.stderr.contains("pre-flight status check rejected") && result.stderr.contains("HTTP 403 (\"Forbidden\")"))
        #expect(try bench.entries().map(\.kind.rawValue) == ["ledger.created", "job.checked"])
        let checked = try #require(try bench.last(EntryKind.jobChecked))
        #expect(checked.outcome == .rejected && checked.httpStatus == 403 && checked.errorMessage == "Forbidden")
        #expect(checked.responseBody == #"{"message":"Forbidden"}"#)
        #expect(try bench.seen() == ["GET /v1/external/retrain_jobs/p-403-json → 403"])
    }

    @Test("a 200 carrying an error body to the pre-flight is not a status: exit 3, rejected with its code, no PUT")
    func errorBodyUnder200Preflight() throws {
        let bench = try ShapeBench(fixture: Self.fixture)
        let result = try bench.switchTo("p-200-error")
        #expect(result.exitCode == 3, "\(result.allOutput)")
        #expect(result.stderr.contains("Quota exceeded."))
        let checked = try #require(try bench.last(EntryKind.jobChecked))
        #expect(checked.outcome == .rejected && checked.httpStatus == 200)
        #expect(checked.errorCode == "4001000204" && checked.errorMessage == "Quota exceeded.")
        #expect(checked.detailsObject?["status"] == nil)
        #expect(try bench.seen() == ["GET /v1/external/retrain_jobs/p-200-error → 200"])
    }

    @Test("a status answer without its optional fields (no model_id, message or download_url): the switch goes ahead, model_id recorded as absent")
    func statusWithoutOptionalFields() throws {
        let bench = try ShapeBench(fixture: Self.fixture)
        let result = try bench.switchTo("p-bare")
        #expect(result.exitCode == 0, "\(result.allOutput)")
        let entries = try bench.entries()
        #expect(entries.map(\.kind.rawValue) == ["ledger.created", "job.checked", "switch.requested", "switch.completed"])
        let checked = entries[1], completed = entries[3]
        #expect(checked.outcome == .succeeded && checked.modelID == nil)
        #expect(checked.detailsObject?["status"]?.stringValue == "finished")
        #expect(checked.detailsObject?["message"] == nil)
        #expect(checked.responseBody?.contains("model_id") == false)
        #expect(completed.outcome == .succeeded && completed.modelID == nil)
        #expect(
            try bench.seen() == [
                "GET /v1/external/retrain_jobs/p-bare → 200", "PUT /v1/external/retrain_jobs/p-bare/update_model → 200",
            ])
        #expect(try bench.verifyExitCode() == 0)
    }
}

/// The service's error message is capped like its response body.
@Suite("Error message cap")
struct ErrorMessageCapTests {
    @Test("a 24 KB error message from the service is stored capped at 16 KiB and flagged error_message_truncated, with the body's flag kept")
    func longErrorMessageIsCapped() throws {
        let message = String(repeating: "Quota exceeded. ", count: 1_500)  // 24,000 bytes
        let fixture = """
            {
              "api_keys": [{"key": "\(ShapeBench.key)", "model": "churn"}],
              "models": [{"name": "churn", "model_id": 101, "jobs": [
                {"id": "g-long", "status": "finished",
                 "faults": {"update_model": {"http_status": 200, "body": "error_json", "error_message": "\(message)"}}}
              ]}]
            }
            """
        let bench = try ShapeBench(fixture: fixture)
        let result = try bench.switchTo("g-long", extra: ["--skip-preflight"])
        #expect(result.exitCode == 3, "\(result.allOutput)")
        let completed = try #require(try bench.last(EntryKind.switchCompleted))
        let stored = try #require(completed.errorMessage)
        #expect(stored.utf8.count <= 16_384 && message.hasPrefix(stored) && stored.utf8.count > 16_000)
        let details = try #require(completed.detailsObject)
        #expect(details["error_message_truncated"] == .bool(true))
        #expect(details["response_body_truncated"] == .bool(true))
        #expect((completed.responseBody?.utf8.count ?? 0) <= 16_384)
        #expect(try bench.verifyExitCode() == 0)
    }
}
