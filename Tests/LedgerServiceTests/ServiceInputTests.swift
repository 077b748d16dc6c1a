import Foundation
import HTTPTypes
import HummingbirdTesting
import LedgerCore
import LedgerService
import LedgerTestSupport
import LedgerWorkflows
import NIOCore
import Testing

/// Hostile input, in-process: malformed JSON, duplicate members, an `actor` member, unknown members,
/// an oversized body (413), path traversal and control characters in job ids, a bad request id:
/// the right 4xx with the JSON error, nothing written, nothing sent to the retrain API.
@Suite struct ServiceInputTests {
    @Test func badBodiesAndIDsAre4xxWithNothingWrittenOrSent() async throws {
        try RequiredTool.requireExecutable(Binaries.path("epa-simulator"), named: "epa-simulator", for: "the service's input tests")
        let simulator = try SimulatorProcess(fixture: ServiceFixture.json)
        defer { simulator.stop() }
        var limits = ServiceLimits()
        limits.maxBodyBytes = 1024
        let service = try await InProcessService(simulator: simulator, limits: limits)
        let token = try #require(service.tokens[.switcher])
        let before = try service.headSeq()
        let bodies: [(String, String, HTTPResponse.Status)] = [
            ("malformed", #"{"retrain_job_id":"job-ok","model":"churn","#, .badRequest),
            ("not an object", #"["job-ok"]"#, .badRequest),
            ("duplicate member", #"{"retrain_job_id":"job-ok","retrain_job_id":"job-ok-2","model":"churn","reason":"r"}"#, .badRequest),
            ("actor", #"{"retrain_job_id":"job-ok","model":"churn","reason":"r","actor":"mallory"}"#, .badRequest),
            ("unknown member", #"{"retrain_job_id":"job-ok","model":"churn","reason":"r","force":true}"#, .badRequest),
            ("traversal", #"{"retrain_job_id":"../../etc/passwd","model":"churn","reason":"r"}"#, .badRequest),
            ("control char", #"{"retrain_job_id":"job\u0000ok","model":"churn","reason":"r"}"#, .badRequest),
            ("newline in model", #"{"retrain_job_id":"job-ok","model":"ch\nurn","reason":"r"}"#, .badRequest),
            ("empty reason", #"{"retrain_job_id":"job-ok","model":"churn","reason":"  "}"#, .badRequest),
            ("wrong type", #"{"retrain_job_id":7,"model":"churn","reason":"r"}"#, .badRequest),
            ("oversized", #"{"retrain_job_id":"job-ok","model":"churn","reason":""# + String(repeating: "x", count: 2000) + #""}"#, .contentTooLarge),
        ]
        try await service.test { client in
            for (name, body, status) in bodies {
                try await client.execute(uri: "/v1/switches", method: .post, headers: Call.headers(token), body: Call.body(body)) { response in
                    #expect(response.status == status, "\(name): \(response.text)")
                    #expect(errorCode(response) == (status == .contentTooLarge ? "payload_too_large" : "bad_request"), "\(name)")
                    #expect(response.exitCode == "64", "\(name)")
                }
            }
            // Invalid UTF-8.
            var invalid = Call.body(#"{"retrain_job_id":"job-ok","model":"churn","reason":""#)
            invalid.writeBytes([0xC3, 0x28, 0x22, 0x7D])
            try await client.execute(uri: "/v1/switches", method: .post, headers: Call.headers(token), body: invalid) { response in
                #expect(response.status == .badRequest, "invalid UTF-8")
            }
            for requestID in ["has space", String(repeating: "a", count: 65), "a/b", "ü"] {
                try await client.execute(
                    uri: "/v1/switches", method: .post, headers: Call.headers(token, [("Ledger-Request-ID", requestID)]),
                    body: Call.body(#"{"retrain_job_id":"job-ok","model":"churn","reason":"r"}"#)
                ) { response in
                    #expect(response.status == .badRequest, "request id \(requestID)")
                }
            }
            for path in [
                "/v1/retrain-jobs/..%2F..%2Fetc/status?model=churn", "/v1/retrain-jobs/a%00b/status?model=churn", "/v1/retrain-jobs/a%0Ab/status?model=churn",
            ] {
                try await client.execute(uri: path, method: .get, headers: Call.headers(token)) { response in
                    #expect(response.status == .badRequest, "\(path): \(response.text)")
                }
            }
            try await client.execute(
                uri: "/v1/proposals/1%00/approvals", method: .post, headers: Call.headers(service.tokens[.approver]), body: Call.body(#"{"reason":"r"}"#)
            ) {
                response in
                #expect(response.status == .badRequest || response.status == .notFound)
            }
            try await client.execute(uri: "/v1/no-such-thing", method: .get, headers: Call.headers(token)) { response in
                #expect(response.status == .notFound)
                #expect(errorCode(response) == "not_found")
            }
        }
        #expect(try service.headSeq() == before, "nothing appended")
        #expect(try simulator.requests().isEmpty, "nothing sent to the retrain API")
    }
}
