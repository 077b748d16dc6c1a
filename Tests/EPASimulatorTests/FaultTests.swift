import EPASimulator
import Foundation
import Testing

@Suite("Fault injection")
struct FaultTests {
    enum Call: String, CaseIterable, Sendable {
        case status, updateModel

        func call(_ simulator: RunningSimulator, _ job: String) async throws -> RawResponse {
            switch self {
            case .status: return try await simulator.status(job)
            case .updateModel: return try await simulator.switchTo(job)
            }
        }

        func target(_ job: String) -> String {
            switch self {
            case .status: return "/v1/external/retrain_jobs/\(job)"
            case .updateModel: return "/v1/external/retrain_jobs/\(job)/update_model"
            }
        }

        var method: String { self == .status ? "GET" : "PUT" }
    }

    @Test(arguments: Call.allCases)
    func delay(call: Call) async throws {
        try await withSimulator { simulator in
            let clock = ContinuousClock()
            let start = clock.now
            let response = try await call.call(simulator, "f-delay")
            #expect(clock.now - start >= .milliseconds(400))
            #expect(response.status == 200)
            #expect(response.jsonKeys?.contains("metadata") == true)
        }
    }

    @Test(arguments: Call.allCases)
    func http500(call: Call) async throws {
        try await withSimulator { simulator in
            let response = try await call.call(simulator, "f-500")
            #expect(response.status == 500)
            #expect(try response.decode(ErrorReply.self) == .internalError("Internal server error."))
            #expect(await simulator.liveJob(model: "alpha") == "a-done")
        }
    }

    @Test(arguments: Call.allCases)
    func nonJSON200(call: Call) async throws {
        try await withSimulator { simulator in
            let response = try await call.call(simulator, "f-nonjson")
            #expect(response.status == 200)
            #expect(!response.body.isEmpty)
            #expect((try? JSONSerialization.jsonObject(with: response.body)) == nil)
            #expect(response.headers["content-type"]?.hasPrefix("application/json") == false)
        }
    }

    @Test(arguments: Call.allCases)
    func dropConnection(call: Call) async throws {
        try await withSimulator { simulator in
            let result = try await RawHTTP.send(
                port: simulator.port, method: call.method, target: call.target("f-drop"),
                headerLines: ["x-api-key:\(TestFixture.activeKey)"])
            #expect(result == .closedWithoutResponse)
            #expect(await simulator.liveJob(model: "alpha") == "a-done")
            let recorded = try #require(await simulator.requests().last)
            #expect(recorded.path == call.target("f-drop") && recorded.status == 0)
            // The server keeps serving afterwards.
            #expect(try await simulator.status("a-done").status == 200)
        }
    }

    @Test func wrongJobIDOnSwitch() async throws {
        try await withSimulator { simulator in
            let response = try await simulator.switchTo("f-wrong")
            #expect(response.status == 200)
            let echoed = try response.decode(SwitchReply.self).metadata.retrain_job_id
            #expect(echoed != "f-wrong" && !echoed.isEmpty)
            // The switch itself happened; only the echo is wrong.
            #expect(await simulator.liveJob(model: "alpha") == "f-wrong")
        }
    }

    @Test func wrongJobIDOnStatus() async throws {
        try await withSimulator { simulator in
            let body = try await simulator.status("f-wrong").decode(StatusReply.self)
            #expect(body.status == "finished")
            #expect(body.metadata.retrain_job_id != "f-wrong")
        }
    }

    @Test func wrongJobIDDoesNotHideRealErrors() async throws {
        try await withSimulator { simulator in
            let response = try await simulator.switchTo("f-running-wrong")
            #expect(try response.decode(ErrorReply.self) == .bad("Retrain job is not finished."))
        }
    }

    @Test func faultAppliesOnlyTimesCalls() async throws {
        try await withSimulator { simulator in
            let first = try await simulator.switchTo("f-once")
            #expect(first.status == 500)
            #expect(await simulator.liveJob(model: "alpha") == "a-done")
            let second = try await simulator.switchTo("f-once")
            #expect(second.status == 200)
            #expect(await simulator.liveJob(model: "alpha") == "f-once")
        }
    }

    @Test func switchTakesEffectDespiteDroppedAnswer() async throws {
        try await withSimulator { simulator in
            let result = try await RawHTTP.send(
                port: simulator.port, method: "PUT", target: "/v1/external/retrain_jobs/f-effect/update_model",
                headerLines: ["x-api-key:\(TestFixture.activeKey)"])
            #expect(result == .closedWithoutResponse)
            #expect(await simulator.liveJob(model: "alpha") == "f-effect")
        }
    }

    @Test func credentialsAreCheckedBeforeFaults() async throws {
        try await withSimulator { simulator in
            let response = try await simulator.switchTo("f-drop", key: TestFixture.inactiveKey)
            #expect(try response.decode(ErrorReply.self) == .bad("Inactive_credential."))
        }
    }
}
