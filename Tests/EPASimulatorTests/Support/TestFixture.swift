import EPASimulator
import Foundation

typealias Fault = SimulatorFixture.Fault

/// The fixture most tests run against. Each test starts its own simulator, so state never leaks.
enum TestFixture {
    /// When `a-timed` finishes, in seconds after the simulator started: long enough that a loaded
    /// 2-core CI machine still sees it running first; tests then poll for the change, never sleep.
    static let timedJobSeconds = 5.0

    static let activeKey = "key-alpha-0123456789"
    static let inactiveKey = "key-alpha-inactive"
    static let goneKey = "key-alpha-gone"

    static func job(_ id: String, _ status: JobStatus = .finished, update: Fault? = nil, status statusFault: Fault? = nil)
        -> SimulatorFixture.Job
    {
        SimulatorFixture.Job(id: id, status: status, faults: .init(status: statusFault, updateModel: update))
    }

    static func make(uploadDefaults: SimulatorFixture.UploadDefaults = .init()) -> SimulatorFixture {
        SimulatorFixture(
            apiKeys: [
                .init(key: activeKey, model: "alpha"),
                .init(key: inactiveKey, model: "alpha", state: .inactive),
                .init(key: goneKey, model: "alpha", state: .notFoundCredential),
                .init(key: "key-beta", model: "beta"),
                .init(key: "key-gamma", model: "gamma"),
                .init(key: "key-delta", model: "delta"),
            ],
            models: [
                .init(
                    name: "alpha", modelID: 1, liveJob: "a-done",
                    jobs: [
                        .init(id: "a-done", status: .finished, message: "Retraining completed."),
                        .init(id: "a-run", status: .running),
                        .init(id: "a-slow", status: .running, finishAfterChecks: 2),
                        .init(id: "a-timed", status: .running, finishAfterSeconds: TestFixture.timedJobSeconds),
                        .init(id: "a-fail", status: .running, message: "bad data", finishAfterChecks: 0, endStatus: .failed),
                        .init(id: "a-deleted", status: .finished, deleted: true),
                        .init(id: "a-other", status: .finished),
                        job("f-delay", update: Fault(delayMS: 400), status: Fault(delayMS: 400)),
                        job("f-500", update: Fault(http500: true), status: Fault(http500: true)),
                        job("f-nonjson", update: Fault(nonJSON200: true), status: Fault(nonJSON200: true)),
                        job("f-drop", update: Fault(dropConnection: true), status: Fault(dropConnection: true)),
                        job("f-wrong", update: Fault(wrongJobID: true), status: Fault(wrongJobID: true)),
                        job("f-once", update: Fault(http500: true, times: 1)),
                        job("f-effect", update: Fault(dropConnection: true, switchTakesEffect: true)),
                        job("f-running-wrong", .running, update: Fault(wrongJobID: true)),
                    ]),
                .init(name: "beta", modelID: 2, deleted: true, jobs: [.init(id: "b-done", status: .finished)]),
                .init(name: "gamma", modelID: 3, userDeleted: true, jobs: [.init(id: "g-done", status: .finished)]),
                .init(
                    name: "delta", modelID: 4, configurationFileMissing: true,
                    jobs: [.init(id: "d-done", status: .finished)]),
            ],
            uploadDefaults: uploadDefaults)
    }
}

/// Starts a simulator for the duration of `body`, always stopping it.
@discardableResult
func withSimulator<T>(
    _ fixture: SimulatorFixture = TestFixture.make(), requestLogPath: String? = nil,
    _ body: (RunningSimulator) async throws -> T
) async throws -> T {
    let simulator = try await Simulator.start(fixture: fixture, requestLogPath: requestLogPath)
    do {
        let result = try await body(simulator)
        await simulator.stop()
        return result
    } catch {
        await simulator.stop()
        throw error
    }
}

extension RunningSimulator {
    func get(_ target: String, key: String? = TestFixture.activeKey) async throws -> RawResponse {
        try await RawHTTP.request(port: port, method: "GET", target: target, apiKey: key)
    }

    func put(_ target: String, key: String? = TestFixture.activeKey, body: Data? = nil) async throws -> RawResponse {
        try await RawHTTP.request(port: port, method: "PUT", target: target, apiKey: key, body: body)
    }

    func status(_ job: String, key: String? = TestFixture.activeKey) async throws -> RawResponse {
        try await get("/v1/external/retrain_jobs/\(job)", key: key)
    }

    func switchTo(_ job: String, key: String? = TestFixture.activeKey) async throws -> RawResponse {
        try await put("/v1/external/retrain_jobs/\(job)/update_model", key: key)
    }

    func uploadURL(filename: String? = "train.csv", key: String? = TestFixture.activeKey) async throws -> RawResponse {
        let query = filename.map { "?filename=\($0)" } ?? ""
        return try await get("/v1/external/retrain_jobs/upload_url\(query)", key: key)
    }

    /// The path part of an absolute URL the simulator handed out.
    static func path(of url: String) -> String {
        URLComponents(string: url)?.path ?? url
    }
}

/// A fresh temporary file path.
func temporaryPath(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("epa-sim-\(UUID().uuidString)-\(name)").path
}

/// Polls `condition` every 100 ms until it holds (true) or `seconds` pass (false): waiting for an
/// event, with a generous bound, instead of sleeping a fixed time.
func eventually(within seconds: Double = 60, _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(100))
    }
    return try await condition()
}
