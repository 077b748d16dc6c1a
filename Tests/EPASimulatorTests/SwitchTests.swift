import EPASimulator
import Testing

@Suite("Retrain Model Switch API")
struct SwitchTests {
    @Test func switchesAndTracksLiveJob() async throws {
        try await withSimulator { simulator in
            #expect(await simulator.liveJob(model: "alpha") == "a-done")
            let response = try await simulator.switchTo("a-other")
            #expect(response.status == 200)
            #expect(response.headers["content-type"] == "application/json")
            #expect(try response.decode(SwitchReply.self) == SwitchReply(metadata: .init(retrain_job_id: "a-other")))
            #expect(response.jsonKeys == ["metadata"])
            #expect(await simulator.liveJob(model: "alpha") == "a-other")
            // Switching back again is fine.
            #expect(try await simulator.switchTo("a-done").status == 200)
            #expect(await simulator.liveJob(model: "alpha") == "a-done")
        }
    }

    @Test(arguments: ["no-such-job", "b-done", "a-deleted"])
    func notFoundRetrainJob(job: String) async throws {
        try await withSimulator { simulator in
            let response = try await simulator.switchTo(job)
            #expect(response.status == 400)
            #expect(try response.decode(ErrorReply.self) == .bad("Not found retrain job."))
            #expect(await simulator.liveJob(model: "alpha") == "a-done")
        }
    }

    @Test func notFoundClassifier() async throws {
        try await withSimulator { simulator in
            let response = try await simulator.switchTo("b-done", key: "key-beta")
            #expect(response.status == 400)
            #expect(try response.decode(ErrorReply.self) == .bad("Not found classifier."))
            #expect(await simulator.liveJob(model: "beta") == nil)
        }
    }

    @Test(arguments: ["a-run", "a-slow", "a-fail"])
    func jobNotFinished(job: String) async throws {
        try await withSimulator { simulator in
            let response = try await simulator.switchTo(job)
            #expect(response.status == 400)
            #expect(try response.decode(ErrorReply.self) == .bad("Retrain job is not finished."))
            #expect(await simulator.liveJob(model: "alpha") == "a-done")
        }
    }

    @Test func switchAfterJobFinishes() async throws {
        try await withSimulator { simulator in
            #expect(try await simulator.switchTo("a-slow").status == 400)
            for _ in 0..<3 { _ = try await simulator.status("a-slow") }
            #expect(try await simulator.switchTo("a-slow").status == 200)
            #expect(await simulator.liveJob(model: "alpha") == "a-slow")
        }
    }

    @Test func timedJobCanBeSwitchedWithoutStatusChecks() async throws {
        try await withSimulator { simulator in
            #expect(try await simulator.switchTo("a-timed").status == 400)
            // It finishes TestFixture.timedJobSeconds after the start, with no status check: poll the switch.
            let switched = try await eventually { try await simulator.switchTo("a-timed").status == 200 }
            #expect(switched, "a-timed never became switchable")
            #expect(await simulator.liveJob(model: "alpha") == "a-timed")
        }
    }

    @Test func manualCurlExampleWorksUnchanged() async throws {
        // curl -H "x-api-key:KEY" -X PUT URL  -- the header has no space after the colon, no body.
        try await withSimulator { simulator in
            let result = try await RawHTTP.send(
                port: simulator.port, method: "PUT", target: "/v1/external/retrain_jobs/a-other/update_model",
                headerLines: ["User-Agent: curl/8.5.0", "Accept: */*", "x-api-key:\(TestFixture.activeKey)"])
            guard case .response(let response) = result else {
                Issue.record("no response")
                return
            }
            #expect(response.status == 200)
            #expect(try response.decode(SwitchReply.self).metadata.retrain_job_id == "a-other")
        }
    }
}
