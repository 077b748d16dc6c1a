import Foundation
import LedgerCore
import LedgerTestSupport

/// The simulator fixture used by the switch tests, and helpers around a running simulator + ledger.
enum SwitchFixture {
    static let churnKey = "key-churn-SECRET-1f3a9c5d"
    static let fraudKey = "key-fraud-SECRET-77aa0b1c"
    static let inactiveKey = "key-inactive-SECRET-0102"
    static let goneKey = "key-gone-SECRET-0304"
    static let unknownKey = "key-unknown-SECRET-0506"
    static let allKeys = [churnKey, fraudKey, inactiveKey, goneKey, unknownKey]

    static let json = """
        {
          "api_keys": [
            {"key": "\(churnKey)", "model": "churn", "state": "active"},
            {"key": "\(fraudKey)", "model": "fraud", "state": "active"},
            {"key": "\(inactiveKey)", "model": "churn", "state": "inactive"},
            {"key": "\(goneKey)", "model": "churn", "state": "not_found_credential"}
          ],
          "models": [
            {"name": "churn", "model_id": 101, "jobs": [
              {"id": "job-ok", "status": "finished"},
              {"id": "job-ok-2", "status": "finished"},
              {"id": "job-running", "status": "running"},
              {"id": "job-failed", "status": "failed"},
              {"id": "job-delay", "status": "finished", "faults": {"update_model": {"delay_ms": 4000}}},
              {"id": "job-delay-2", "status": "finished", "faults": {"update_model": {"delay_ms": 4000}}},
              {"id": "job-500", "status": "finished", "faults": {"update_model": {"http_500": true}}},
              {"id": "job-nonjson", "status": "finished", "faults": {"update_model": {"non_json_200": true}}},
              {"id": "job-drop", "status": "finished", "faults": {"update_model": {"drop_connection": true}}},
              {"id": "job-wrongid", "status": "finished", "faults": {"update_model": {"wrong_job_id": true}}}
            ]},
            {"name": "fraud", "model_id": 202, "deleted": true, "jobs": [{"id": "fraud-job", "status": "finished"}]}
          ],
          "upload_defaults": {"finish_after_checks": 1, "end_status": "finished"}
        }
        """
}

/// A running simulator and a fresh ledger, with helpers to run `ledger` against both.
final class SwitchBench: @unchecked Sendable {
    let simulator: SimulatorProcess
    let ledger: TestLedger
    /// Every stdout/stderr the tests captured, for secret scans.
    private(set) var outputs: [String] = []

    init() throws {
        simulator = try SimulatorProcess(fixture: SwitchFixture.json)
        ledger = try TestLedger()
    }

    var ledgerArgs: [String] { ["--db", ledger.dbPath, "--key-file", ledger.keyPath] }

    /// Runs `ledger ARGS` with the simulator's base URL and `apiKey` in the environment.
    @discardableResult
    func run(_ arguments: [String], apiKey: String? = SwitchFixture.churnKey, timeout: TimeInterval = 60) throws -> ProcessResult {
        var env = ["EPA_BASE_URL": simulator.baseURL, "LEDGER_ACTOR": "ci-pipeline"]
        if let apiKey { env["EPA_API_KEY"] = apiKey }
        let result = try Binaries.ledger(arguments + ledgerArgs, environment: env, timeout: timeout)
        outputs.append(result.allOutput)
        return result
    }

    /// `ledger switch JOB --model M --reason R …`.
    @discardableResult
    func switchModel(
        _ job: String, model: String = "churn", apiKey: String? = SwitchFixture.churnKey, extra: [String] = []
    ) throws -> ProcessResult {
        try run(["switch", job, "--model", model, "--reason", "CHG-\(job)"] + extra, apiKey: apiKey)
    }

    /// Starts `ledger switch JOB --model churn --reason R EXTRA…` in the background (output discarded)
    /// and returns once a new `switch.requested` is on disk (the PUT is then about to leave), with that
    /// entry. With `waitForPUT`, returns only once the simulator has processed the PUT (churn's
    /// `live_job` became JOB; a delayed job still holds its answer back): JOB must not be churn's
    /// live job already. Waits on events, each bounded by 60 s; the caller waits for or kills the process.
    func startSwitch(_ job: String, reason: String, extra: [String] = [], waitForPUT: Bool = false) throws
        -> (process: Process, request: LedgerEntry?)
    {
        if waitForPUT, try simulator.liveJob(model: "churn") == job {
            throw ScenarioFailure(step: "startSwitch \(job)", output: "waitForPUT needs a job that is not live yet")
        }
        let before = try entries().filter { $0.kind == EntryKind.switchRequested }.count
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Binaries.path("ledger"))
        process.arguments = ["switch", job, "--model", "churn", "--reason", reason] + extra + ledgerArgs
        process.environment = [
            "EPA_BASE_URL": simulator.baseURL, "EPA_API_KEY": SwitchFixture.churnKey,
            "HOME": ledger.directory.path, "NO_COLOR": "1",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        try Self.waitUntil(process) { try self.entries().filter { $0.kind == EntryKind.switchRequested }.count > before }
        if waitForPUT { try Self.waitUntil(process) { try self.simulator.liveJob(model: "churn") == job } }
        let requests = try entries().filter { $0.kind == EntryKind.switchRequested }
        return (process, requests.count > before ? requests.last : nil)
    }

    /// Polls `condition` every 20 ms until it holds, `process` has exited, or 60 s have passed
    /// (a generous bound on an event, not a timing assumption).
    private static func waitUntil(_ process: Process, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(60)
        while try !condition(), process.isRunning, Date() < deadline { usleep(20_000) }
    }

    /// Every PUT to `JOB/update_model` the simulator will ever see from commands that have already
    /// exited: waits `settle` seconds (a request written just before a command exited is accepted
    /// by then), then stops the simulator with SIGTERM — a graceful stop, which first answers and
    /// logs every request still in flight, delayed ones included — and reads its request log.
    /// The simulator is stopped afterwards.
    func finalPUTs(to job: String, settle: TimeInterval = 1) throws -> [JSONValue] {
        usleep(useconds_t(settle * 1_000_000))
        simulator.stop()
        return try simulator.requests(pathSuffix: "/retrain_jobs/\(job)/update_model", method: "PUT")
    }

    /// All entries, oldest first.
    func entries() throws -> [LedgerEntry] {
        var all: [LedgerEntry] = []
        try LedgerStore.open(path: ledger.dbPath, writable: false).forEachEntry(matching: EntryFilter()) { all.append($0) }
        return all
    }

    /// The newest entry of `kind`.
    func last(_ kind: EntryKind) throws -> LedgerEntry? { try entries().last { $0.kind == kind } }

    /// Asserts-ready: `ledger verify` exit code for this ledger.
    func verifyExitCode() throws -> Int32 {
        try Binaries.ledger(["verify"] + ledgerArgs).exitCode
    }

    /// The raw bytes of the database and its WAL.
    func databaseBytes() -> Data {
        var data = FileManager.default.contents(atPath: ledger.dbPath) ?? Data()
        data.append(FileManager.default.contents(atPath: ledger.dbPath + "-wal") ?? Data())
        return data
    }
}
