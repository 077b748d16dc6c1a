import Foundation
import HTTPTypes
import HummingbirdTesting
import LedgerCore
import LedgerService
import LedgerTestSupport
import LedgerWorkflows
import Testing

/// `POST /v1/switches` in-process against the built `epa-simulator`: the library's switch runs for
/// the authenticated user (recorded as the actor), the request id is recorded and found again,
/// switches of one model wait for each other while different models overlap, a full queue is a
/// 429 and a passed deadline a 504 (the switch still completes).
@Suite struct ServiceSwitchTests {
    static func simulator() throws -> SimulatorProcess {
        try RequiredTool.requireExecutable(Binaries.path("epa-simulator"), named: "epa-simulator", for: "switches through the service")
        return try SimulatorProcess(fixture: ServiceFixture.json)
    }

    static func body(_ job: String, model: String = "churn") -> String {
        #"{"retrain_job_id":"\#(job)","model":"\#(model)","reason":"CHG-\#(job)"}"#
    }

    static func entries(_ service: InProcessService) throws -> [LedgerEntry] {
        var all: [LedgerEntry] = []
        try LedgerStore.open(path: service.ledger.dbPath, writable: false).forEachEntry(matching: EntryFilter()) { all.append($0) }
        return all
    }

    @Test func aSwitchRecordsTheAuthenticatedUserAndItsRequestID() async throws {
        let simulator = try Self.simulator()
        defer { simulator.stop() }
        let service = try await InProcessService(simulator: simulator)
        let token = try #require(service.tokens[.switcher])
        try await service.test { client in
            try await client.execute(
                uri: "/v1/switches", method: .post, headers: Call.headers(token, [("Ledger-Request-ID", "req-0001.a_b")]),
                body: Call.body(Self.body("job-ok"))
            ) { response in
                #expect(response.status == .ok, "\(response.text)")
                #expect(response.exitCode == "0")
                #expect(response.headers[.contentType] == "application/json")
                let document = try response.json()
                #expect(document["requested_seq"]?.integerValue != nil || document.objectValue != nil)
                #expect(!response.text.contains(ServiceFixture.churnKey))
            }
            try await client.execute(uri: "/v1/switches?request_id=req-0001.a_b", method: .get, headers: Call.headers(service.tokens[.auditor])) { response in
                #expect(response.status == .ok, "\(response.text)")
                let document = try response.json()
                #expect(document["request_id"] == "req-0001.a_b")
                #expect(document["outcome"] == "succeeded")
                #expect(document["completed_seq"]?.integerValue != nil)
            }
            try await client.execute(uri: "/v1/switches?request_id=nope", method: .get, headers: Call.headers(service.tokens[.auditor])) {
                response in
                #expect(response.status == .notFound)
            }
        }
        let entries = try Self.entries(service)
        let requested = try #require(entries.first { $0.kind == .switchRequested })
        #expect(requested.actor == "user-switcher")
        let details = try JSONValue(parsing: requested.details ?? "")
        #expect(details["request_id"] == "req-0001.a_b")
        let completed = try #require(entries.first { $0.kind == .switchCompleted })
        #expect(completed.actor == "user-switcher")
        #expect(completed.refSeq == requested.seq)
        #expect(completed.outcome == .succeeded)
        #expect(try simulator.requests(pathSuffix: "/update_model", method: "PUT").count == 1)
        let verify = try Binaries.ledger(["verify", "--db", service.ledger.dbPath, "--key-file", service.ledger.keyPath])
        #expect(verify.exitCode == 0, "\(verify.allOutput)")
    }

    @Test func switchesOfOneModelWaitWhileDifferentModelsOverlap() async throws {
        let simulator = try Self.simulator()
        defer { simulator.stop() }
        let service = try await InProcessService(simulator: simulator)
        let token = try #require(service.tokens[.switcher])
        let started = ContinuousClock.now
        try await service.test { client in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (job, model) in [("job-slow", "churn"), ("job-slow-2", "churn"), ("fraud-slow", "fraud")] {
                    group.addTask {
                        try await client.execute(
                            uri: "/v1/switches", method: .post, headers: Call.headers(token), body: Call.body(Self.body(job, model: model))
                        ) { response in
                            #expect(response.status == .ok, "\(job): \(response.text)")
                            #expect(response.exitCode == "0", "\(job)")
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        let elapsed = ContinuousClock.now - started
        // Each slow PUT takes 1.5 s: churn's two run one after the other (≥ 3 s), fraud's beside them (< 4.5 s in all).
        #expect(elapsed >= .seconds(3))
        #expect(elapsed < .seconds(4.4), "fraud's switch overlapped churn's: \(elapsed)")
        let entries = try Self.entries(service)
        let churnRequests = entries.filter { $0.kind == .switchRequested && $0.model == "churn" }
        #expect(churnRequests.count == 2)
        if churnRequests.count == 2 {
            let firstCompletion = try #require(entries.first { $0.kind == .switchCompleted && $0.refSeq == churnRequests[0].seq })
            #expect(churnRequests[1].seq > firstCompletion.seq, "one churn switch at a time")
        }
        #expect(entries.filter { $0.kind == .switchCompleted && $0.outcome == .succeeded }.count == 3)
        #expect(try Binaries.ledger(["verify", "--db", service.ledger.dbPath, "--key-file", service.ledger.keyPath]).exitCode == 0)
    }

    @Test func aFullQueueIs429AndAPassedDeadline504WhileTheSwitchCompletes() async throws {
        let simulator = try Self.simulator()
        defer { simulator.stop() }
        var limits = ServiceLimits()
        limits.maxQueuedSwitches = 0
        limits.requestTimeout = 0.5
        let service = try await InProcessService(simulator: simulator, limits: limits)
        let token = try #require(service.tokens[.switcher])
        try await service.test { client in
            async let slow: Void = client.execute(
                uri: "/v1/switches", method: .post, headers: Call.headers(token, [("Ledger-Request-ID", "slow-1")]),
                body: Call.body(Self.body("job-slow"))
            ) { response in
                #expect(response.status == .gatewayTimeout, "\(response.text)")
                #expect(errorCode(response) == "timeout")
                #expect(response.exitCode == "75")
            }
            try await Task.sleep(for: .milliseconds(200))
            let before = try service.headSeq()
            try await client.execute(uri: "/v1/switches", method: .post, headers: Call.headers(token), body: Call.body(Self.body("job-ok"))) {
                response in
                #expect(response.status == .tooManyRequests, "\(response.text)")
                #expect(errorCode(response) == "too_many_requests")
            }
            #expect(try service.headSeq() == before, "the refused switch wrote nothing")
            try await slow
            // The slow switch goes on to its completion after the 504.
            var outcome: JSONValue?
            for _ in 0..<60 where outcome == nil || outcome == "unresolved" {
                try await Task.sleep(for: .milliseconds(100))
                try await client.execute(uri: "/v1/switches?request_id=slow-1", method: .get, headers: Call.headers(token)) { response in
                    outcome = try? response.json()["outcome"]
                }
            }
            #expect(outcome == "succeeded")
        }
        #expect(try simulator.requests(pathSuffix: "/update_model", method: "PUT").count == 1)
    }
}
