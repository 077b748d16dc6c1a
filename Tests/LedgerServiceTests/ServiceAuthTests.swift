import Foundation
import HTTPTypes
import HummingbirdTesting
import LedgerCore
import LedgerService
import LedgerTestSupport
import LedgerWorkflows
import Testing

/// Authentication and roles, in-process: a request without a valid token (missing, malformed,
/// unknown, revoked, expired) gets 401 and one with a role that lacks the right 403, both with the
/// JSON error, nothing appended to the ledger and nothing sent to the retrain API.
@Suite struct ServiceAuthTests {
    static let switchBody = #"{"retrain_job_id":"job-ok","model":"churn","reason":"CHG-1"}"#

    static func simulator() throws -> SimulatorProcess {
        try RequiredTool.requireExecutable(Binaries.path("epa-simulator"), named: "epa-simulator", for: "the service's auth tests")
        return try SimulatorProcess(fixture: ServiceFixture.json)
    }

    @Test func requestsWithoutAValidTokenAre401WithNothingWrittenOrSent() async throws {
        let simulator = try Self.simulator()
        defer { simulator.stop() }
        let service = try await InProcessService(simulator: simulator)
        let revokedToken = try service.addUser("leaver", role: .switcher)
        try service.revoke("leaver")
        let expiringToken = try service.addUser("temp", role: .switcher, expiresDays: 1)
        // Expire it: the service re-reads the changed file on the next request.
        var file = try UsersFile.load(path: service.usersPath)
        if let index = file.users.firstIndex(where: { $0.name == "temp" }) { file.users[index].expiresAt = "2020-01-01T00:00:00.000Z" }
        try file.save(path: service.usersPath)
        let before = try service.headSeq()
        let unknown = "mlt_" + String(repeating: "ab", count: 32)
        let cases: [(String, HTTPFields)] = [
            ("no token", Call.headers(nil)),
            ("malformed", [.authorization: "Bearer not-a-token", .contentType: "application/json"]),
            ("basic", [.authorization: "Basic dXNlcjpwYXNz", .contentType: "application/json"]),
            ("unknown", Call.headers(unknown)),
            ("revoked", Call.headers(revokedToken)),
            ("expired", Call.headers(expiringToken)),
        ]
        try await service.test { client in
            for (name, headers) in cases {
                try await client.execute(uri: "/v1/switches", method: .post, headers: headers, body: Call.body(Self.switchBody)) { response in
                    #expect(response.status == .unauthorized, "\(name)")
                    #expect(errorCode(response) == "unauthorized", "\(name)")
                    #expect(response.exitCode == "78", "\(name)")
                    #expect(!response.text.contains("mlt_"), "\(name): no token in the answer")
                }
                try await client.execute(uri: "/v1/verify", method: .get, headers: headers) { response in
                    #expect(response.status == .unauthorized, "\(name) (read)")
                }
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.text.contains("ledger_auth_failures_total"))
                #expect(response.text.contains(#"reason="revoked_token""#))
                #expect(response.text.contains(#"reason="expired_token""#))
                #expect(!response.text.contains("mlt_"))
            }
        }
        #expect(try service.headSeq() == before, "nothing appended")
        #expect(try simulator.requests().isEmpty, "nothing sent to the retrain API")
    }

    @Test func aRoleWithoutTheRightIs403WithNothingWrittenOrSent() async throws {
        let simulator = try Self.simulator()
        defer { simulator.stop() }
        let service = try await InProcessService(simulator: simulator)
        let before = try service.headSeq()
        let auditor = try #require(service.tokens[.auditor]), switcher = try #require(service.tokens[.switcher])
        let approver = try #require(service.tokens[.approver])
        try await service.test { client in
            try await client.execute(uri: "/v1/switches", method: .post, headers: Call.headers(auditor), body: Call.body(Self.switchBody)) {
                response in
                #expect(response.status == .forbidden)
                #expect(errorCode(response) == "forbidden")
                #expect(response.exitCode == "7")
            }
            try await client.execute(uri: "/v1/switches", method: .post, headers: Call.headers(approver), body: Call.body(Self.switchBody)) {
                response in
                #expect(response.status == .forbidden)
            }
            try await client.execute(
                uri: "/v1/proposals/1/approvals", method: .post, headers: Call.headers(switcher), body: Call.body(#"{"reason":"ok"}"#)
            ) { response in
                #expect(response.status == .forbidden, "a switcher may not approve")
                #expect(errorCode(response) == "forbidden")
            }
            try await client.execute(uri: "/v1/checkpoints", method: .post, headers: Call.headers(switcher), body: Call.body("{}")) { response in
                #expect(response.status == .forbidden, "only an admin checkpoints")
            }
            try await client.execute(uri: "/v1/export", method: .get, headers: Call.headers(switcher)) { response in
                #expect(response.status == .forbidden, "a switcher may not export")
            }
        }
        #expect(try service.headSeq() == before, "nothing appended")
        #expect(try simulator.requests().isEmpty, "nothing sent to the retrain API")
    }

    @Test func publicEndpointsNeedNoToken() async throws {
        let service = try await InProcessService()
        try await service.test { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                #expect((try? response.json()) == ["status": "ok"])
            }
            try await client.execute(uri: "/openapi.json", method: .get) { response in
                #expect(response.status == .ok)
                #expect((try? response.json())?["openapi"] == "3.1.0")
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/v1/vkey", method: .get) { response in
                #expect(response.status == .notFound, "no --sign-key")
                #expect(errorCode(response) == "not_found")
            }
        }
    }
}
