import EPASimulator
import Foundation
import Testing

@Suite("Retrain Data Upload API")
struct UploadTests {
    @Test func uploadFlowCreatesRunningJobThatFinishes() async throws {
        try await withSimulator { simulator in
            let response = try await simulator.uploadURL(filename: "train%20data.csv")
            #expect(response.status == 200)
            #expect(response.jsonKeys == ["retrain_job_id", "upload_url"])
            let body = try response.decode(UploadReply.self)
            #expect(body.retrain_job_id == "upload-0001")
            #expect(body.upload_url.hasPrefix("http://127.0.0.1:\(simulator.port)/_upload/"))

            // Not a job until the data is uploaded.
            #expect(try await simulator.status(body.retrain_job_id).decode(ErrorReply.self) == .bad("Not found retrain job."))

            let upload = try await simulator.put(
                RunningSimulator.path(of: body.upload_url), key: nil, body: Data("a,b\n1,2\n".utf8))
            #expect(upload.status == 200)
            let job = try #require(await simulator.snapshot().jobs.first { $0.id == body.retrain_job_id })
            #expect(job.status == .running && job.model == "alpha" && job.filename == "train data.csv")

            #expect(try await simulator.switchTo(body.retrain_job_id).decode(ErrorReply.self) == .bad("Retrain job is not finished."))
            var seen: [String] = []
            for _ in 0..<3 {
                let status = try await simulator.status(body.retrain_job_id).decode(StatusReply.self)
                #expect(status.model_id == 1)
                #expect(status.metadata.retrain_job_id == body.retrain_job_id)
                seen.append(status.status)
            }
            #expect(seen == ["running", "running", "finished"])
            #expect(try await simulator.switchTo(body.retrain_job_id).status == 200)
            #expect(await simulator.liveJob(model: "alpha") == body.retrain_job_id)

            // The upload URL is single-use; a second upload gets the next id.
            #expect(try await simulator.put(RunningSimulator.path(of: body.upload_url), key: nil).status == 409)
            #expect(try await simulator.uploadURL().decode(UploadReply.self).retrain_job_id == "upload-0002")
        }
    }

    @Test func uploadDefaultsAreApplied() async throws {
        let defaults = SimulatorFixture.UploadDefaults(
            finishAfterChecks: 0, endStatus: .failed, message: "bad rows", jobIDPrefix: "job-",
            faults: .init(updateModel: Fault(http500: true)))
        try await withSimulator(TestFixture.make(uploadDefaults: defaults)) { simulator in
            let body = try await simulator.uploadURL().decode(UploadReply.self)
            #expect(body.retrain_job_id == "job-0001")
            #expect(try await simulator.put(RunningSimulator.path(of: body.upload_url), key: nil).status == 200)
            let status = try await simulator.status(body.retrain_job_id).decode(StatusReply.self)
            #expect(status.status == "failed" && status.message == "bad rows")
            #expect(try await simulator.switchTo(body.retrain_job_id).status == 500)
        }
    }

    @Test func uploadedJobNeverFinishesWithoutFinishRule() async throws {
        let defaults = SimulatorFixture.UploadDefaults(finishAfterChecks: nil)
        try await withSimulator(TestFixture.make(uploadDefaults: defaults)) { simulator in
            let body = try await simulator.uploadURL().decode(UploadReply.self)
            _ = try await simulator.put(RunningSimulator.path(of: body.upload_url), key: nil)
            for _ in 0..<5 {
                #expect(try await simulator.status(body.retrain_job_id).decode(StatusReply.self).status == "running")
            }
        }
    }

    @Test func userDeleted() async throws {
        try await withSimulator { simulator in
            let response = try await simulator.uploadURL(key: "key-gamma")
            #expect(response.status == 400)
            #expect(try response.decode(ErrorReply.self) == .bad("This user may be deleted."))
        }
    }

    @Test func modelDeleted() async throws {
        try await withSimulator { simulator in
            let response = try await simulator.uploadURL(key: "key-beta")
            #expect(response.status == 400)
            #expect(try response.decode(ErrorReply.self) == .bad("This model may be deleted."))
        }
    }

    @Test func jobDeleted() async throws {
        try await withSimulator(TestFixture.make(uploadDefaults: .init(jobDeleted: true))) { simulator in
            let response = try await simulator.uploadURL()
            #expect(response.status == 400)
            #expect(try response.decode(ErrorReply.self) == .bad("This job may be deleted."))
        }
    }

    @Test func configurationFileMissing() async throws {
        try await withSimulator { simulator in
            let response = try await simulator.uploadURL(key: "key-delta")
            #expect(response.status == 500)
            #expect(try response.decode(ErrorReply.self) == .internalError("Not found configuration_file."))
        }
    }

    @Test(arguments: [nil, ""] as [String?])
    func filenameRequired(filename: String?) async throws {
        try await withSimulator { simulator in
            let response = try await simulator.uploadURL(filename: filename)
            #expect(response.status == 400)
            #expect(try response.decode(ErrorReply.self) == .bad("filename is required."))
        }
    }

    @Test func unknownUploadToken() async throws {
        try await withSimulator { simulator in
            let response = try await simulator.put("/_upload/not-a-token", key: nil)
            #expect(response.status == 404)
        }
    }
}
