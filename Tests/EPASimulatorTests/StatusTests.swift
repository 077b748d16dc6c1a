import EPASimulator
import Foundation
import Testing

@Suite("Retrain Status Check API")
struct StatusTests {
    @Test func finishedJobBody() async throws {
        try await withSimulator { simulator in
            let response = try await simulator.status("a-done")
            #expect(response.status == 200)
            #expect(response.headers["content-type"] == "application/json")
            let body = try response.decode(StatusReply.self)
            #expect(body.status == "finished")
            #expect(body.model_id == 1)
            #expect(body.message == "Retraining completed.")
            #expect(body.metadata == MetadataReply(retrain_job_id: "a-done"))
            let download = try #require(body.download_url)
            #expect(download == "http://127.0.0.1:\(simulator.port)/_download/a-done")
            let file = try await simulator.get(RunningSimulator.path(of: download), key: nil)
            #expect(file.status == 200)
            #expect(file.text.contains("a-done"))
        }
    }

    @Test func runningJobHasNoDownloadURLOrMessage() async throws {
        try await withSimulator { simulator in
            for _ in 0..<5 {
                let response = try await simulator.status("a-run")
                #expect(response.status == 200)
                #expect(response.jsonKeys == ["status", "model_id", "metadata"])
                #expect(try response.decode(StatusReply.self).status == "running")
            }
        }
    }

    @Test func finishesAfterNChecks() async throws {
        try await withSimulator { simulator in
            var seen: [String] = []
            for _ in 0..<4 {
                seen.append(try await simulator.status("a-slow").decode(StatusReply.self).status)
            }
            #expect(seen == ["running", "running", "finished", "finished"])
            #expect(await simulator.snapshot().jobs.first { $0.id == "a-slow" }?.checks == 4)
        }
    }

    @Test func endStatusFailedWithMessage() async throws {
        try await withSimulator { simulator in
            let body = try await simulator.status("a-fail").decode(StatusReply.self)
            #expect(body.status == "failed")
            #expect(body.message == "bad data")
            #expect(body.download_url == nil)
        }
    }

    @Test func finishesAfterSeconds() async throws {
        try await withSimulator { simulator in
            #expect(try await simulator.status("a-timed").decode(StatusReply.self).status == "running")
            // It finishes TestFixture.timedJobSeconds after the start: poll for the change instead of sleeping.
            let finished = try await eventually { try await simulator.status("a-timed").decode(StatusReply.self).status == "finished" }
            #expect(finished, "a-timed never finished")
        }
    }

    @Test(arguments: ["no-such-job", "b-done", "g-done"])
    func unknownOrForeignJobIsNotFound(job: String) async throws {
        try await withSimulator { simulator in
            let response = try await simulator.status(job)
            #expect(response.status == 400)
            #expect(try response.decode(ErrorReply.self) == .bad("Not found retrain job."))
        }
    }

    @Test func deletedJob() async throws {
        try await withSimulator { simulator in
            let response = try await simulator.status("a-deleted")
            #expect(response.status == 400)
            #expect(try response.decode(ErrorReply.self) == .bad("This job may be deleted."))
        }
    }

    @Test func deletedClassifierStillReportsStatus() async throws {
        try await withSimulator { simulator in
            let response = try await simulator.status("b-done", key: "key-beta")
            #expect(response.status == 200)
            #expect(try response.decode(StatusReply.self).model_id == 2)
        }
    }
}
