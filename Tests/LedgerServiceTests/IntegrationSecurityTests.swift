import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

/// The built `ledger serve` in front of the built `epa-simulator`, driven over raw HTTP on loopback:
/// every refused call (401, 403, 400, 413, 404) gets its status and the JSON error envelope, writes
/// nothing (the head seq stays), sends nothing to the vendor (the simulator's request log stays), and
/// no secret shows anywhere afterwards.
@Suite(.serialized) struct IntegrationSecurityTests {
    static func requireBinaries() throws {
        try RequiredTool.requireExecutable(Binaries.path("ledger"), named: "ledger", for: "the ledger service integration tests")
        try RequiredTool.requireExecutable(Binaries.path("epa-simulator"), named: "epa-simulator", for: "the ledger service integration tests")
    }

    static let switchBody = #"{"retrain_job_id":"churn-ok","model":"churn","reason":"CHG-sec"}"#

    /// What must not change across refused calls.
    struct Unchanged {
        let head: Int64
        let simulatorRequests: Int

        init(_ rig: ServiceRig) throws {
            head = try rig.service.headSeq()
            simulatorRequests = try rig.simulator.requests().count
        }

        func check(_ rig: ServiceRig, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
            #expect(try rig.service.headSeq() == head, "\(what): nothing written", sourceLocation: sourceLocation)
            #expect(try rig.simulator.requests().count == simulatorRequests, "\(what): nothing sent to the vendor", sourceLocation: sourceLocation)
        }
    }

    /// Checks status, envelope (code word, exit code, one line) and the exit code header.
    static func expectRefused(
        _ response: LoopbackHTTPResponse, status: Int, code: String, exitCode: Int64? = nil, _ what: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(response.status == status, "\(what): status \(response.status), body \(response.text.prefix(300))", sourceLocation: sourceLocation)
        guard let envelope = ServiceErrorEnvelope(response) else {
            Issue.record("\(what): not the error envelope: \(response.text.prefix(300))", sourceLocation: sourceLocation)
            return
        }
        #expect(envelope.code == code, "\(what): code \(envelope.code)", sourceLocation: sourceLocation)
        if let exitCode { #expect(envelope.exitCode == exitCode, "\(what): exit_code \(envelope.exitCode)", sourceLocation: sourceLocation) }
        #expect(response.ledgerExitCode.map(Int64.init) == envelope.exitCode, "\(what): Ledger-Exit-Code header", sourceLocation: sourceLocation)
        #expect(!envelope.message.isEmpty, sourceLocation: sourceLocation)
        #expect(
            !envelope.message.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7f }, "\(what): one line, no control characters",
            sourceLocation: sourceLocation)
        #expect(response.header("Content-Type")?.hasPrefix("application/json") == true, sourceLocation: sourceLocation)
    }

    static func expectNoSecrets(_ rig: ServiceRig, extra: [(String, String)] = [], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let scan = rig.secretScan()
        // The scan is not vacuous: it finds each kind of secret where it is.
        let control = scan.hits(in: [
            ("key file", FileManager.default.contents(atPath: rig.service.keyPath) ?? Data()),
            ("token file", FileManager.default.contents(atPath: rig.service.users["switcher"]?.tokenFile ?? "") ?? Data()),
            ("api key file", FileManager.default.contents(atPath: rig.service.directory.file("churn.apikey")) ?? Data()),
        ])
        #expect(control.contains { $0.hasPrefix("HMAC key") && $0.hasSuffix("key file") }, "the scan finds the HMAC key", sourceLocation: sourceLocation)
        #expect(control.contains { $0.hasPrefix("token of switcher") }, "the scan finds a token", sourceLocation: sourceLocation)
        #expect(control.contains { $0.hasPrefix("API key of churn") }, "the scan finds an API key", sourceLocation: sourceLocation)
        let hits = try scan.hits(service: rig.service, exchanges: rig.exchanges, extra: extra)
        #expect(hits.isEmpty, "secrets found: \(hits)", sourceLocation: sourceLocation)
    }

    @Test func badExpiredAndRevokedTokensGet401AndNothingIsWrittenOrSent() throws {
        try Self.requireBinaries()
        let rig = try ServiceRig()
        defer { rig.stop() }
        try rig.service.addUser("expiring", role: "switcher", expiresDays: 30)
        try rig.service.addUser("leaving", role: "switcher")
        // Both tokens work first (a read and a refused-by-role call prove the token is known).
        for name in ["expiring", "leaving"] {
            let ok = try rig.call("GET", "/v1/verify", as: name)
            #expect(ok.status == 200, "\(name) can read before: \(ok.status) \(ok.text.prefix(200))")
        }
        try rig.service.expireUser("expiring")
        try rig.service.revokeUser("leaving")  // while the service runs: it re-reads the users file
        let unchanged = try Unchanged(rig)

        let missing = try rig.call("POST", "/v1/switches", as: nil, json: Self.switchBody)
        Self.expectRefused(missing, status: 401, code: "unauthorized", "no Authorization header")
        let client = rig.service.client()
        let cases: [(String, String)] = [
            ("an unknown well-formed token", "Bearer mlt_" + String(repeating: "0", count: 64)),
            ("a malformed token", "Bearer not-a-token"),
            ("an empty bearer", "Bearer "),
            ("another scheme", "Basic " + Data("switcher:pw".utf8).base64EncodedString()),
            ("the token with one digit changed", "Bearer " + Self.flipLastDigit(rig.token("switcher") ?? "")),
            ("the expired token", "Bearer " + (rig.token("expiring") ?? "")),
            ("the revoked token", "Bearer " + (rig.token("leaving") ?? "")),
        ]
        for (what, authorization) in cases {
            let response = try client.send(
                "POST", "/v1/switches", headers: [("Authorization", authorization), ("Content-Type", "application/json")],
                body: Data(Self.switchBody.utf8))
            rig.exchanges.record("POST", "/v1/switches", response)
            Self.expectRefused(response, status: 401, code: "unauthorized", what)
        }
        // A read by the expired and revoked users is refused too.
        for name in ["expiring", "leaving"] {
            Self.expectRefused(try rig.call("GET", "/v1/report?format=json", as: name), status: 401, code: "unauthorized", "\(name) reading")
        }
        usleep(300_000)  // a request the service had sent would be answered and logged by now
        try unchanged.check(rig, "401s")

        // Counted in the metrics (public), and logged without the token.
        let metrics = try rig.call("GET", "/metrics", as: nil)
        #expect(metrics.status == 200)
        #expect(metrics.text.contains("401") || metrics.text.lowercased().contains("unauthori"), "401s are counted: \(metrics.text.prefix(400))")
        try Self.expectNoSecrets(rig)
    }

    @Test func aSwitcherCallingApproveAndAnAuditorCallingSwitchGet403() throws {
        try Self.requireBinaries()
        let rig = try ServiceRig()
        defer { rig.stop() }
        // A proposal to approve (by the switcher, who may propose).
        let proposed = try rig.call("POST", "/v1/proposals", as: "switcher", json: #"{"model":"churn","retrain_job_id":"churn-ok","reason":"CHG-p"}"#)
        #expect(proposed.status == 200, "propose: \(proposed.status) \(proposed.text.prefix(300))")
        let proposalSeq = (try? JSONValue(parsing: proposed.text))?["seq"]?.integerValue ?? 2
        let unchanged = try Unchanged(rig)

        let refusals: [(user: String, method: String, target: String, body: String?)] = [
            ("switcher", "POST", "/v1/proposals/\(proposalSeq)/approvals", #"{"reason":"self-approval"}"#),
            ("switcher", "POST", "/v1/proposals/\(proposalSeq)/declines", #"{"reason":"no"}"#),
            ("switcher", "POST", "/v1/reviews", #"{"seq":1,"reason":"r"}"#),
            ("switcher", "GET", "/v1/export", nil),
            ("switcher", "POST", "/v1/checkpoints", "{}"),
            ("auditor", "POST", "/v1/switches", Self.switchBody),
            ("auditor", "POST", "/v1/uploads?model=churn&reason=CHG-u", "bytes"),
            ("auditor", "GET", "/v1/retrain-jobs/churn-ok/status?model=churn", nil),
            ("auditor", "POST", "/v1/resolutions", #"{"seq":1,"outcome":"succeeded","reason":"r"}"#),
            ("auditor", "POST", "/v1/proposals/\(proposalSeq)/approvals", #"{"reason":"r"}"#),
            ("approver", "POST", "/v1/switches", Self.switchBody),
            ("approver", "POST", "/v1/checkpoints", "{}"),
        ]
        for refusal in refusals {
            let response = try rig.call(refusal.method, refusal.target, as: refusal.user, json: refusal.body)
            Self.expectRefused(response, status: 403, code: "forbidden", "\(refusal.user) \(refusal.method) \(refusal.target)")
        }
        usleep(300_000)
        try unchanged.check(rig, "403s")
        try Self.expectNoSecrets(rig)
    }

    @Test func oversizedMalformedAndDuplicateMemberBodiesGet4xxAndNothingIsWrittenOrSent() throws {
        try Self.requireBinaries()
        let rig = try ServiceRig(extraArguments: ["--max-body-bytes", "65536"])
        defer { rig.stop() }
        let unchanged = try Unchanged(rig)
        let huge = #"{"retrain_job_id":"churn-ok","model":"churn","reason":""# + String(repeating: "A", count: 70_000) + #""}"#
        Self.expectRefused(
            try rig.call("POST", "/v1/switches", as: "switcher", json: huge), status: 413, code: "payload_too_large", "a 70 KB body")
        let bad: [(String, String)] = [
            ("malformed JSON", #"{"retrain_job_id": "churn-ok", "model": "churn", "reason": "#),
            ("not an object", #"["churn-ok"]"#),
            ("duplicate members", #"{"retrain_job_id":"churn-ok","model":"churn","reason":"CHG-1","model":"fraud"}"#),
            ("a wrong type", #"{"retrain_job_id":"churn-ok","model":5,"reason":"CHG-1"}"#),
            ("a missing member", #"{"retrain_job_id":"churn-ok","model":"churn"}"#),
            ("an actor member", #"{"retrain_job_id":"churn-ok","model":"churn","reason":"CHG-1","actor":"bob"}"#),
            ("a number beyond Int64", #"{"seq":123456789012345678901234567890,"outcome":"succeeded","reason":"r"}"#),
            ("an empty body", ""),
        ]
        for (what, body) in bad {
            let target = what.hasPrefix("a number") ? "/v1/resolutions" : "/v1/switches"
            Self.expectRefused(try rig.call("POST", target, as: "switcher", json: body), status: 400, code: "bad_request", exitCode: 64, what)
        }
        // Invalid UTF-8 and a NUL inside a string.
        let client = rig.service.client()
        var invalid = Data(#"{"retrain_job_id":"churn-ok","model":"churn","reason":""#.utf8)
        invalid.append(contentsOf: [0xC3, 0x28, 0xFF])
        invalid.append(Data(#""}"#.utf8))
        let invalidResponse = try client.send(
            "POST", "/v1/switches", headers: [("Authorization", "Bearer \(rig.token("switcher") ?? "")"), ("Content-Type", "application/json")],
            body: invalid)
        rig.exchanges.record("POST", "/v1/switches", invalidResponse)
        Self.expectRefused(invalidResponse, status: 400, code: "bad_request", exitCode: 64, "invalid UTF-8")
        // A request id the contract does not allow.
        for requestID in [String(repeating: "a", count: 65), "id with space", "id/slash"] {
            Self.expectRefused(
                try rig.call("POST", "/v1/switches", as: "switcher", json: Self.switchBody, headers: [("Ledger-Request-ID", requestID)]),
                status: 400, code: "bad_request", exitCode: 64, "Ledger-Request-ID \(requestID.prefix(10))…")
        }
        usleep(300_000)
        try unchanged.check(rig, "bad bodies")
        try Self.expectNoSecrets(rig)
    }

    @Test func pathTraversalAndControlCharactersInJobIDsAreRefusedBeforeAnythingIsSent() throws {
        try Self.requireBinaries()
        let rig = try ServiceRig()
        defer { rig.stop() }
        let unchanged = try Unchanged(rig)
        let hostileIDs = [
            "../../etc/passwd", "..", "churn-ok/../churn-ok-2", "job\u{0}x", "job\nx", "job\u{1B}[31mred", "job x", "%2e%2e%2f",
            String(repeating: "j", count: 300), "",
        ]
        for id in hostileIDs {
            let body = JSONValue.object(["retrain_job_id": .string(id), "model": "churn", "reason": "CHG-t"])
            Self.expectRefused(
                try rig.call("POST", "/v1/switches", as: "switcher", json: CanonicalJSON.string(body)), status: 400, code: "bad_request", exitCode: 64,
                "switch to job id \(id.debugDescription.prefix(20))")
            let proposal = JSONValue.object(["retrain_job_id": .string(id), "model": "churn", "reason": "CHG-t"])
            Self.expectRefused(
                try rig.call("POST", "/v1/proposals", as: "switcher", json: CanonicalJSON.string(proposal)), status: 400, code: "bad_request",
                exitCode: 64, "proposal of job id \(id.debugDescription.prefix(20))")
        }
        // In the path: percent-encoded slashes, dots, NUL, newline, ESC; a model with traversal in the query.
        let encodedPaths = [
            "/v1/retrain-jobs/..%2F..%2Fetc%2Fpasswd/status?model=churn", "/v1/retrain-jobs/%2e%2e/status?model=churn",
            "/v1/retrain-jobs/job%00x/status?model=churn", "/v1/retrain-jobs/job%0Ax/status?model=churn",
            "/v1/retrain-jobs/job%1B%5B31m/status?model=churn", "/v1/retrain-jobs/churn-ok/status?model=..%2Fchurn",
            "/v1/retrain-jobs/churn-ok/status?model=ch%00urn",
        ]
        for target in encodedPaths {
            Self.expectRefused(try rig.call("GET", target, as: "switcher"), status: 400, code: "bad_request", exitCode: 64, target)
        }
        // Raw `..` segments: whatever route they reach, a 4xx envelope and nothing done.
        for target in ["/v1/retrain-jobs/../../v1/switches/status?model=churn", "/v1/retrain-jobs/../status?model=churn"] {
            let response = try rig.call("GET", target, as: "switcher")
            #expect([400, 404].contains(response.status), "\(target): \(response.status)")
            #expect(ServiceErrorEnvelope(response) != nil, "\(target): the envelope: \(response.text.prefix(200))")
        }
        // Uploads with a hostile model or reason, and entries with a non-number seq.
        for target in ["/v1/uploads?model=..%2F..%2Fx&reason=r", "/v1/uploads?model=churn&reason=%20%20", "/v1/uploads?model=churn"] {
            let response = try rig.call("POST", target, as: "switcher", headers: [("Content-Type", "application/octet-stream")])
            Self.expectRefused(response, status: 400, code: "bad_request", exitCode: 64, target)
        }
        for target in ["/v1/entries/abc", "/v1/entries/-1", "/v1/entries/99999999999999999999999", "/v1/entries/1%00"] {
            let response = try rig.call("GET", target, as: "auditor")
            #expect([400, 404].contains(response.status), "\(target): \(response.status)")
            #expect(ServiceErrorEnvelope(response) != nil, "\(target): the envelope")
        }
        Self.expectRefused(try rig.call("GET", "/v1/entries/999", as: "auditor"), status: 404, code: "not_found", "an entry that does not exist")
        usleep(300_000)
        try unchanged.check(rig, "hostile job ids")
        try Self.expectNoSecrets(rig)
    }

    static func flipLastDigit(_ token: String) -> String {
        guard let last = token.last else { return token }
        return String(token.dropLast()) + (last == "0" ? "1" : "0")
    }
}
