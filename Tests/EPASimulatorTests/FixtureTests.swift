import EPASimulator
import Foundation
import Testing

@Suite("Fixture decoding and validation")
struct FixtureTests {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    private func decodeError(_ json: String) -> String? {
        do {
            _ = try SimulatorFixture.decode(Data(json.utf8))
            return nil
        } catch {
            return (error as? SimulatorError)?.errorDescription ?? "non-SimulatorError: \(error)"
        }
    }

    @Test func demoFixtureLoadsWithTheRequiredScenario() throws {
        let fixture = try SimulatorFixture.load(path: Self.repoRoot.appendingPathComponent("demo/fixture.json").path)
        let churn = try #require(fixture.models.first { $0.name == "churn" })
        #expect(churn.modelID == 101)
        #expect(!churn.deleted)
        #expect(churn.jobs.first { $0.id == "churn-2026-11-a" }?.status == .finished)
        let running = try #require(churn.jobs.first { $0.id == "churn-2026-11-running" })
        #expect(running.status == .running && running.finishAfterChecks == nil && running.finishAfterSeconds == nil)
        let slow = try #require(churn.jobs.first { $0.id == "churn-2026-11-slow" })
        #expect(slow.status == .running && slow.finishAfterChecks == 2 && slow.endStatus == .finished)
        #expect(churn.jobs.first { $0.id == "churn-2026-11-flaky" }?.faults.updateModel?.http500 == true)
        let fraud = try #require(fixture.models.first { $0.name == "fraud" })
        #expect(fraud.modelID == 202 && fraud.deleted)
        let keys = Dictionary(uniqueKeysWithValues: fixture.apiKeys.map { ($0.key, $0) })
        #expect(keys["demo-key-churn"]?.state == .active && keys["demo-key-churn"]?.model == "churn")
        #expect(keys["demo-key-fraud"]?.model == "fraud")
        #expect(keys["demo-key-inactive"]?.state == .inactive)
        #expect(keys["demo-key-gone"]?.state == .notFoundCredential)
        #expect(fixture.uploadDefaults.finishAfterChecks == 2)
    }

    @Test func minimalFixtureGetsDefaults() throws {
        let fixture = try SimulatorFixture.decode(Data(#"{"models":[{"name":"m","model_id":7,"jobs":[{"id":"j","status":"running"}]}]}"#.utf8))
        let job = try #require(fixture.models.first?.jobs.first)
        #expect(job.endStatus == .finished && !job.deleted && job.faults == .init())
        #expect(fixture.apiKeys.isEmpty)
        #expect(fixture.uploadDefaults == .init())
        #expect(fixture.uploadDefaults.finishAfterChecks == 2)
    }

    @Test func encodeDecodeRoundTrip() throws {
        let original = TestFixture.make()
        let data = try JSONEncoder().encode(original)
        #expect(try SimulatorFixture.decode(data) == original)
    }

    @Test(arguments: [
        (#"{"modelz":[]}"#, "invalid fixture: modelz: unknown field 'modelz'"),
        (
            #"{"models":[{"name":"a","model_id":1,"jobs":[{"id":"x","statuss":"running"}]}]}"#,
            "models[0].jobs[0].statuss: unknown field 'statuss'"
        ),
        (
            #"{"models":[{"name":"a","model_id":1,"jobs":[{"id":"x","status":"finished","faults":{"update_model":{"http500":true}}}]}]}"#,
            "models[0].jobs[0].faults.update_model.http500: unknown field 'http500'"
        ),
        (#"{"upload_defaults":{"finish_after":2}}"#, "upload_defaults.finish_after: unknown field"),
        (#"{"api_keys":[{"key":"k","model":"m","state":"active","value":"x"}]}"#, "api_keys[0].value: unknown field"),
        (#"{"models":[{"name":"a","model_id":"1"}]}"#, "models[0].model_id: wrong type, expected an integer"),
        (#"{"models":[{"name":"a"}]}"#, "models[0].model_id: missing required field 'model_id'"),
        (
            #"{"models":[{"name":"a","model_id":1,"jobs":[{"id":"x","status":"runing"}]}]}"#,
            "models[0].jobs[0].status: unknown value 'runing' (allowed: running, finished, failed)"
        ),
        (#"{"api_keys":[{"key":"k","model":"m","state":"dead"}]}"#, "api_keys[0].state: unknown value 'dead'"),
        (#"{"models": ["#, "not valid JSON"),
    ])
    func decodeErrorsNameTheField(json: String, expected: String) {
        let message = decodeError(json)
        #expect(message?.contains(expected) == true, "got: \(message ?? "no error")")
    }

    @Test(arguments: [
        (#"{"api_keys":[{"key":"k","model":"nope"}]}"#, "api_keys[0].model: no model named 'nope'"),
        (#"{"models":[{"name":"a","model_id":1},{"name":"a","model_id":2}]}"#, "models[1].name: duplicate model name"),
        (#"{"models":[{"name":"a","model_id":1},{"name":"b","model_id":1}]}"#, "models[1].model_id: duplicate"),
        (
            #"{"models":[{"name":"a","model_id":1,"jobs":[{"id":"x","status":"finished"}]},{"name":"b","model_id":2,"jobs":[{"id":"x","status":"finished"}]}]}"#,
            "models[1].jobs[0].id: duplicate job id 'x'"
        ),
        (#"{"models":[{"name":"a","model_id":1,"jobs":[{"id":"x/y","status":"finished"}]}]}"#, "models[0].jobs[0].id"),
        (
            #"{"models":[{"name":"a","model_id":1,"jobs":[{"id":"x","status":"running","end_status":"running"}]}]}"#,
            "models[0].jobs[0].end_status: must be finished or failed"
        ),
        (
            #"{"models":[{"name":"a","model_id":1,"jobs":[{"id":"x","status":"finished","finish_after_checks":1}]}]}"#,
            "only apply to a job whose status is running"
        ),
        (
            #"{"models":[{"name":"a","model_id":1,"jobs":[{"id":"x","status":"running","finish_after_checks":-1}]}]}"#,
            "models[0].jobs[0].finish_after_checks: must be >= 0"
        ),
        (
            #"{"models":[{"name":"a","model_id":1,"jobs":[{"id":"x","status":"finished","faults":{"status":{"http_500":true,"drop_connection":true}}}]}]}"#,
            "models[0].jobs[0].faults.status: at most one of"
        ),
        (#"{"models":[{"name":"a","model_id":1,"live_job":"zz"}]}"#, "models[0].live_job: 'zz' is not one of"),
        (#"{"upload_defaults":{"job_id_prefix":"a b"}}"#, "upload_defaults.job_id_prefix"),
    ])
    func validationErrorsNameTheField(json: String, expected: String) {
        let message = decodeError(json)
        #expect(message?.contains(expected) == true, "got: \(message ?? "no error")")
    }

    @Test func missingFileIsUnreadable() {
        #expect(throws: SimulatorError.self) {
            try SimulatorFixture.load(path: "/nonexistent/fixture.json")
        }
        do {
            _ = try SimulatorFixture.load(path: "/nonexistent/fixture.json")
        } catch let SimulatorError.fixtureUnreadable(path, _) {
            #expect(path == "/nonexistent/fixture.json")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func startRevalidatesTheFixture() async {
        let bad = SimulatorFixture(apiKeys: [.init(key: "k", model: "missing")])
        await #expect(throws: SimulatorError.self) {
            _ = try await Simulator.start(fixture: bad)
        }
    }
}
