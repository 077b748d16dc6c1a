import EPAClient
import EPASimulator
import Foundation
import LedgerPrimitives
import LedgerTestSupport
import Testing

/// Calls against the loopback simulator (port 0, 127.0.0.1).
@Suite("Against the simulator")
struct SimulatorIntegrationTests {
    static let key = "test-key-active-0001"
    static let inactiveKey = "test-key-inactive-01"
    static let notFoundKey = "test-key-notfound-01"
    static let deletedModelKey = "test-key-deleted-model"
    static let deletedUserKey = "test-key-deleted-user"
    static let noConfigKey = "test-key-no-config-01"

    typealias Fault = SimulatorFixture.Fault

    static func job(_ id: String, _ status: JobStatus = .finished, deleted: Bool = false, update: Fault? = nil, status statusFault: Fault? = nil)
        -> SimulatorFixture.Job
    {
        SimulatorFixture.Job(
            id: id, status: status, deleted: deleted, faults: SimulatorFixture.Faults(status: statusFault, updateModel: update))
    }

    static let fixture = SimulatorFixture(
        apiKeys: [
            .init(key: key, model: "m1"),
            .init(key: inactiveKey, model: "m1", state: .inactive),
            .init(key: notFoundKey, model: "m1", state: .notFoundCredential),
            .init(key: deletedModelKey, model: "m2"),
            .init(key: deletedUserKey, model: "m3"),
            .init(key: noConfigKey, model: "m4"),
        ],
        models: [
            .init(
                name: "m1", modelID: 42, liveJob: "job-finished-0001",
                jobs: [
                    job("job-finished-0001"),
                    job("job-finished-0002"),
                    job("job-running-0001", .running),
                    job("job-deleted-0001", deleted: true),
                    job("job-delay-0001", update: Fault(delayMS: 4_000), status: Fault(delayMS: 4_000)),
                    job("job-500-0001", update: Fault(http500: true), status: Fault(http500: true)),
                    job("job-nonjson-0001", update: Fault(nonJSON200: true), status: Fault(nonJSON200: true)),
                    job("job-drop-0001", update: Fault(dropConnection: true), status: Fault(dropConnection: true)),
                    job("job-wrongid-0001", update: Fault(wrongJobID: true), status: Fault(wrongJobID: true)),
                ]),
            .init(name: "m2", modelID: 43, deleted: true, jobs: [job("job-m2-0001")]),
            .init(name: "m3", modelID: 44, userDeleted: true),
            .init(name: "m4", modelID: 45, configurationFileMissing: true),
        ])

    /// Starts a simulator and a client, runs `body`, and always shuts both down.
    static func withSimulator(
        fixture: SimulatorFixture = fixture, requestTimeout: Double = 5,
        _ body: (RunningSimulator, EPAClient) async throws -> Void
    ) async throws {
        let simulator = try await Simulator.start(fixture: fixture)
        let client: EPAClient
        do {
            client = try EPAClient(
                configuration: EPAConfiguration(baseURL: simulator.baseURL, connectTimeout: 2, requestTimeout: requestTimeout))
        } catch {
            await simulator.stop()
            throw error
        }
        do {
            try await body(simulator, client)
        } catch {
            try await client.shutdown()
            await simulator.stop()
            throw error
        }
        try await client.shutdown()
        await simulator.stop()
    }

    /// The key must appear nowhere in a record.
    static func expectNoKey<R>(_ call: EPACall<R>, _ key: String = key) {
        #expect(!call.url.contains(key))
        #expect(!(call.responseBody ?? "").contains(key))
        let description = call.error.flatMap(\.errorDescription) ?? ""
        #expect(!description.contains(key))
        #expect(!String(describing: call).contains(key))
    }

    @Test("switch succeeds and the simulator serves the new job")
    func switchSucceeds() async throws {
        try await Self.withSimulator { simulator, client in
            let call = try await client.switchModel(retrainJobID: "job-finished-0002", apiKey: Self.key)
            #expect(call.outcome == .succeeded)
            #expect(call.response == SwitchResponse(retrainJobID: "job-finished-0002"))
            #expect(call.error == nil)
            #expect(call.httpStatus == 200)
            #expect(call.method == "PUT")
            #expect(call.url == simulator.baseURL + "/retrain_jobs/job-finished-0002/update_model")
            #expect(call.responseBody?.contains("job-finished-0002") == true)
            #expect(call.apiKeyID == EPAClient.apiKeyID(Self.key))
            #expect(call.durationMs >= 0)
            Self.expectNoKey(call)
            #expect(await simulator.liveJob(model: "m1") == "job-finished-0002")
            let requests = await simulator.requests()
            #expect(requests.count == 1)
            #expect(requests.first?.method == "PUT" && requests.first?.apiKeyPresent == true)
        }
    }

    @Test(
        "documented switch refusals are .rejected",
        arguments: [
            (TestSecret("active", key), "job-unknown-0001", EPAError.retrainJobNotFound),
            (TestSecret("active", key), "job-deleted-0001", EPAError.retrainJobNotFound),
            (TestSecret("active", key), "job-running-0001", EPAError.retrainJobNotFinished),
            (TestSecret("deleted-model", deletedModelKey), "job-m2-0001", EPAError.classifierNotFound),
            (TestSecret("unknown", "test-key-unknown-0001"), "job-finished-0001", EPAError.invalidAPIKey),
            (TestSecret("inactive", inactiveKey), "job-finished-0001", EPAError.inactiveCredential),
            (TestSecret("not-found", notFoundKey), "job-finished-0001", EPAError.credentialNotFound),
        ])
    func switchRefusals(_ secret: TestSecret, _ jobID: String, _ expected: EPAError) async throws {
        let apiKey = secret.value
        try await Self.withSimulator { simulator, client in
            let call = try await client.switchModel(retrainJobID: jobID, apiKey: apiKey)
            #expect(call.outcome == .rejected)
            #expect(call.error == expected)
            #expect(call.error?.code == "4001000204")
            #expect(call.httpStatus == 400)
            #expect(call.response == nil)
            #expect(call.responseBody?.contains(expected.serviceMessage ?? "?") == true)
            Self.expectNoKey(call, apiKey)
            #expect(await simulator.liveJob(model: "m1") == "job-finished-0001")
        }
    }

    @Test("status of a finished job, of a running one, and documented status errors")
    func status() async throws {
        try await Self.withSimulator { simulator, client in
            let finished = try await client.status(retrainJobID: "job-finished-0001", apiKey: Self.key)
            #expect(finished.outcome == .succeeded)
            #expect(finished.method == "GET")
            #expect(finished.response?.status == "finished")
            #expect(finished.response?.modelID == 42)
            #expect(finished.response?.retrainJobID == "job-finished-0001")
            #expect(finished.response?.downloadURL?.hasPrefix("http://127.0.0.1:") == true)
            Self.expectNoKey(finished)

            let running = try await client.status(retrainJobID: "job-running-0001", apiKey: Self.key)
            #expect(running.outcome == .succeeded && running.response?.status == "running")
            #expect(running.response?.downloadURL == nil)

            let deleted = try await client.status(retrainJobID: "job-deleted-0001", apiKey: Self.key)
            #expect(deleted.outcome == .rejected && deleted.error == .jobMayBeDeleted)
            let unknown = try await client.status(retrainJobID: "job-unknown-0001", apiKey: Self.key)
            #expect(unknown.outcome == .rejected && unknown.error == .retrainJobNotFound)
            let inactive = try await client.status(retrainJobID: "job-finished-0001", apiKey: Self.inactiveKey)
            #expect(inactive.outcome == .rejected && inactive.error == .inactiveCredential)
        }
    }

    @Test("upload flow: upload URL, file upload, status until finished, switch")
    func uploadFlow() async throws {
        let directory = TemporaryDirectory(prefix: "epa-client-tests")
        let path = directory.file("train data.csv")
        let content = String(repeating: "a,b,c\n1,2,3\n", count: 20_000)
        try Data(content.utf8).write(to: URL(fileURLWithPath: path))

        try await Self.withSimulator { simulator, client in
            let issued = try await client.uploadURL(filename: "train data.csv", apiKey: Self.key)
            #expect(issued.outcome == .succeeded)
            #expect(issued.url == simulator.baseURL + "/retrain_jobs/upload_url?filename=train%20data.csv")
            let response = try #require(issued.response)
            #expect(response.retrainJobID == "upload-0001")

            let upload = try await client.upload(fileAt: path, to: response.uploadURL)
            #expect(upload.outcome == .succeeded, "\(String(describing: upload.error))")
            #expect(upload.httpStatus == 200)
            #expect(upload.apiKeyID == nil)
            #expect(upload.url == EPAClient.redactUploadURL(response.uploadURL))  // the token is in the path: only the origin is kept
            #expect(!upload.url.contains("_upload/"))
            #expect(upload.method == "PUT")

            let again = try await client.upload(fileAt: path, to: response.uploadURL)
            #expect(again.outcome == .rejected && again.httpStatus == 409)

            var last: EPACall<StatusResponse>?
            for _ in 0..<5 {
                let status = try await client.status(retrainJobID: response.retrainJobID, apiKey: Self.key)
                #expect(status.outcome == .succeeded)
                last = status
                if status.response?.status == "finished" { break }
            }
            #expect(last?.response?.status == "finished")

            let switched = try await client.switchModel(retrainJobID: response.retrainJobID, apiKey: Self.key)
            #expect(switched.outcome == .succeeded)
            #expect(await simulator.liveJob(model: "m1") == response.retrainJobID)

            let requests = await simulator.requests()
            let uploadRequest = requests.first { $0.path.hasPrefix("/_upload/") }
            #expect(uploadRequest?.apiKeyPresent == false)
            #expect(requests.first?.query == "filename=train%20data.csv")
        }
    }

    @Test(
        "documented upload-URL refusals",
        arguments: [
            (TestSecret("deleted-model", deletedModelKey), EPAError.modelMayBeDeleted, CallOutcome.rejected, 400),
            (TestSecret("deleted-user", deletedUserKey), EPAError.userMayBeDeleted, CallOutcome.rejected, 400),
            (TestSecret("no-config", noConfigKey), EPAError.configurationFileNotFound, CallOutcome.failed, 500),
            (TestSecret("unknown", "test-key-unknown-0001"), EPAError.invalidAPIKey, CallOutcome.rejected, 400),
        ])
    func uploadURLRefusals(_ secret: TestSecret, _ expected: EPAError, _ outcome: CallOutcome, _ status: Int) async throws {
        let apiKey = secret.value
        try await Self.withSimulator { _, client in
            let call = try await client.uploadURL(filename: "train.csv", apiKey: apiKey)
            #expect(call.outcome == outcome)
            #expect(call.error == expected)
            #expect(call.httpStatus == status)
            Self.expectNoKey(call, apiKey)
        }
    }

    @Test("upload_url refusing with This job may be deleted.")
    func uploadJobDeleted() async throws {
        var fixture = Self.fixture
        fixture.uploadDefaults.jobDeleted = true
        try await Self.withSimulator(fixture: fixture) { _, client in
            let call = try await client.uploadURL(filename: "train.csv", apiKey: Self.key)
            #expect(call.outcome == .rejected && call.error == .jobMayBeDeleted)
        }
    }

    @Test("upload to an unknown upload URL is rejected")
    func uploadRejected() async throws {
        let directory = TemporaryDirectory(prefix: "epa-client-tests")
        let path = directory.file("t.csv")
        try Data("x\n".utf8).write(to: URL(fileURLWithPath: path))
        try await Self.withSimulator { simulator, client in
            let call = try await client.upload(fileAt: path, to: "http://127.0.0.1:\(simulator.port)/_upload/nope")
            #expect(call.outcome == .rejected)
            #expect(call.httpStatus == 404)
            if case .undocumented(404, _, _, _)? = call.error {} else { Issue.record("\(String(describing: call.error))") }
            #expect(call.responseBody == "unknown upload url\n")
        }
    }

    @Test("a delay beyond the deadline is a .failed timeout, returned before the service answered")
    func timeout() async throws {
        try await Self.withSimulator(requestTimeout: 0.3) { simulator, client in
            let call = try await client.switchModel(retrainJobID: "job-delay-0001", apiKey: Self.key)
            #expect(call.outcome == .failed)
            #expect(call.error == .timeout(seconds: 0.3))
            #expect(call.httpStatus == nil && call.responseBody == nil)
            // The simulator records a request once it has answered it (4 s after arrival): the client
            // gave up first. An event, with 3.7 s of slack, rather than a wall-clock window.
            #expect(await simulator.requests().filter { $0.path.hasSuffix("/job-delay-0001/update_model") }.isEmpty)
            let status = try await client.status(retrainJobID: "job-delay-0001", apiKey: Self.key)
            #expect(status.outcome == .failed && status.error == .timeout(seconds: 0.3))
        }
    }

    @Test("http_500 is .failed with code 5001000201")
    func http500() async throws {
        try await Self.withSimulator { _, client in
            for call in [
                try await client.switchModel(retrainJobID: "job-500-0001", apiKey: Self.key).erased,
                try await client.status(retrainJobID: "job-500-0001", apiKey: Self.key).erased,
            ] {
                #expect(call.outcome == .failed)
                #expect(call.httpStatus == 500)
                #expect(call.error?.code == "5001000201")
                #expect(call.error?.isServerSide == true)
                #expect(call.responseBody?.contains("5001000201") == true)
            }
        }
    }

    @Test("non-JSON 200 is .failed malformed")
    func nonJSON() async throws {
        try await Self.withSimulator { _, client in
            for call in [
                try await client.switchModel(retrainJobID: "job-nonjson-0001", apiKey: Self.key).erased,
                try await client.status(retrainJobID: "job-nonjson-0001", apiKey: Self.key).erased,
            ] {
                #expect(call.outcome == .failed)
                #expect(call.httpStatus == 200)
                if case .malformedResponse? = call.error {} else { Issue.record("\(String(describing: call.error))") }
                #expect(call.responseBody?.isEmpty == false)
            }
        }
    }

    @Test("a dropped connection is .failed connection")
    func dropped() async throws {
        try await Self.withSimulator { _, client in
            for call in [
                try await client.switchModel(retrainJobID: "job-drop-0001", apiKey: Self.key).erased,
                try await client.status(retrainJobID: "job-drop-0001", apiKey: Self.key).erased,
            ] {
                #expect(call.outcome == .failed)
                #expect(call.httpStatus == nil && call.responseBody == nil)
                if case .connectionFailed? = call.error {} else { Issue.record("\(String(describing: call.error))") }
            }
        }
    }

    @Test("a wrong job id echoed is .failed jobIDMismatch")
    func wrongJobID() async throws {
        try await Self.withSimulator { _, client in
            let call = try await client.switchModel(retrainJobID: "job-wrongid-0001", apiKey: Self.key)
            #expect(call.outcome == .failed)
            #expect(call.response == nil)
            #expect(call.error == .jobIDMismatch(expected: "job-wrongid-0001", received: "job-wrongid-0001-wrong"))
            let status = try await client.status(retrainJobID: "job-wrongid-0001", apiKey: Self.key)
            #expect(status.outcome == .failed)
            #expect(status.error == .jobIDMismatch(expected: "job-wrongid-0001", received: "job-wrongid-0001-wrong"))
        }
    }

    @Test("connection refused on a closed port is .failed connection, at once (not after the connect timeout)")
    func refused() async throws {
        let simulator = try await Simulator.start(fixture: Self.fixture)
        let baseURL = simulator.baseURL
        await simulator.stop()
        // A refused connection fails at once: it must not wait out a (long) connect timeout.
        let client = try EPAClient(configuration: EPAConfiguration(baseURL: baseURL, connectTimeout: 30, requestTimeout: 60))
        let started = ContinuousClock.now
        let call = try await client.switchModel(retrainJobID: "job-finished-0001", apiKey: Self.key)
        try await client.shutdown()
        #expect(call.outcome == .failed)
        #expect(call.httpStatus == nil)
        if case .connectionFailed(let reason)? = call.error {
            #expect(!reason.contains(Self.key))
        } else {
            Issue.record("\(String(describing: call.error))")
        }
        #expect(ContinuousClock.now - started < .seconds(15), "waited for the 30 s connect timeout")
    }

    @Test("caller mistakes throw before any request reaches the simulator")
    func noRequestsForBadInput() async throws {
        try await Self.withSimulator { simulator, client in
            for id in ["../x", "a/b", "a?b", "a#b", "%2e%2e", "a b", "a\tb", "a\nb", "a\u{0}b", "", String(repeating: "x", count: 10_240), "job-😀"] {
                await #expect(throws: EPAError.self) { try await client.switchModel(retrainJobID: id, apiKey: Self.key) }
                await #expect(throws: EPAError.self) { try await client.status(retrainJobID: id, apiKey: Self.key) }
            }
            await #expect(throws: EPAError.self) { try await client.switchModel(retrainJobID: "job-finished-0002", apiKey: "bad key") }
            await #expect(throws: EPAError.self) { try await client.uploadURL(filename: "dir/x.csv", apiKey: Self.key) }
            await #expect(throws: EPAError.self) { try await client.upload(fileAt: "/nonexistent/x.csv", to: simulator.baseURL) }
            await #expect(throws: EPAError.self) { try await client.upload(fileAt: "/", to: simulator.baseURL) }
            #expect(await simulator.requests().isEmpty)
            #expect(await simulator.liveJob(model: "m1") == "job-finished-0001")
        }
    }

    @Test("response bodies are capped at responseBodyCap")
    func cap() async throws {
        let simulator = try await Simulator.start(fixture: Self.fixture)
        let client = try EPAClient(configuration: EPAConfiguration(baseURL: simulator.baseURL, responseBodyCap: 10))
        let call = try await client.status(retrainJobID: "job-finished-0001", apiKey: Self.key)
        try await client.shutdown()
        await simulator.stop()
        #expect(call.outcome == .succeeded)
        #expect(call.responseBody?.utf8.count == 10)
        #expect(call.responseBodyTruncated)
    }
}

/// A record with its response dropped, to loop over calls of different endpoints.
struct ErasedCall {
    var outcome: CallOutcome
    var httpStatus: Int?
    var responseBody: String?
    var error: EPAError?
}

extension EPACall {
    var erased: ErasedCall { ErasedCall(outcome: outcome, httpStatus: httpStatus, responseBody: responseBody, error: error) }
}
