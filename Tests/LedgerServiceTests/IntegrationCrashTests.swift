import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

/// `kill -9` of the built `ledger serve` while a switch's PUT is in flight (the simulator holds the
/// answer back 8 s): the switch.requested is durable and shows unresolved after a restart, the client
/// (the built `ledger switch --server`) says what happened with its request id (and the seq, when the
/// service is back in time), exits 75, and a new switch works.
@Suite(.serialized) struct IntegrationCrashTests {
    /// The 32-hex request id named in `text`, if any.
    static func requestID(in text: String) -> String? {
        guard let range = text.range(of: #"[Rr]equest id [0-9a-f]{32}"#, options: .regularExpression) else { return nil }
        return String(text[range].suffix(32))
    }

    /// Starts `ledger switch JOB --model M --server …` and returns once the simulator has the PUT.
    static func switchInFlight(_ rig: ServiceRig, model: String) throws -> BackgroundLedger {
        let job = "\(model)-delay"
        let user = try #require(rig.service.users["switcher"])
        let client = try BackgroundLedger(
            ["switch", job, "--model", model, "--reason", "CHG-crash-\(model)", "--server", rig.service.baseURL, "--token-file", user.tokenFile])
        let arrived = try ServiceProcess.waitUntil(timeout: 60) { try rig.simulator.liveJob(model: model) == job || !client.isRunning }
        #expect(arrived && client.isRunning, "the PUT of \(job) reached the simulator while the client waits")
        return client
    }

    @Test func killNineDuringASwitchLeavesItDurableAndUnresolvedAndTheClientExits75WithItsRequestID() throws {
        try IntegrationSecurityTests.requireBinaries()
        let rig = try ServiceRig()
        defer { rig.stop() }

        // 1. The service dies and stays down: the client names its request id and how to look it up.
        let first = try Self.switchInFlight(rig, model: "churn")
        rig.service.kill9()
        let lost = try first.wait(timeout: 120)
        #expect(lost.exitCode == 75, "exit 75 (try later): \(lost.exitCode) \(lost.stderr)")
        let firstID = try #require(Self.requestID(in: lost.stderr), "the request id is named: \(lost.stderr)")
        #expect(lost.stderr.contains("ledger log --server"), "says how to look it up: \(lost.stderr)")

        // The request is on disk, unresolved.
        let requested = try #require(
            try rig.service.entries().last { $0.kind == EntryKind.switchRequested && $0.detailsObject?["request_id"]?.stringValue == firstID },
            "switch.requested with request_id \(firstID) is durable")
        #expect(requested.model == "churn" && requested.retrainJobID == "churn-delay" && requested.actor == "switcher")

        // 2. Restart (same port): the lookup finds it, unresolved; log and verify through the service say so.
        try rig.service.restart(samePort: true)
        let lookup = try rig.call("GET", "/v1/switches?request_id=\(firstID)", as: "auditor")
        #expect(lookup.status == 200, "lookup: \(lookup.status) \(lookup.text.prefix(300))")
        let found = try JSONValue(parsing: lookup.text)
        #expect(found["requested_seq"]?.integerValue == requested.seq)
        #expect(found["completed_seq"] == nil || found["completed_seq"] == .null, "no completion: \(found)")
        let log = try rig.service.remote(["log", "--format", "json", "--limit", "0"], as: "auditor")
        #expect(log.exitCode == 0, "log --server: \(log.stderr)")
        let logged = try JSONValue(parsing: log.stdout)
        guard case .array(let rows) = logged else {
            Issue.record("log --format json is not an array: \(log.stdout.prefix(200))")
            return
        }
        let row = rows.first { $0["seq"]?.integerValue == requested.seq }
        #expect(row?["unresolved"] == .bool(true), "ledger log --server marks seq \(requested.seq) unresolved")
        let table = try rig.service.remote(["log"], as: "auditor")
        #expect(table.stdout.contains("unresolved — outcome unknown"), "the table marks it: \(table.stdout)")
        let verify = try rig.service.remote(["verify"], as: "auditor")
        #expect(verify.exitCode == 0, "verify --server: \(verify.allOutput)")
        #expect(verify.stdout.contains("unresolved") && verify.stdout.contains(String(requested.seq)), "verify names it: \(verify.stdout)")

        // 3. The service dies again during another switch and comes back in time: the client prints the seq.
        let second = try Self.switchInFlight(rig, model: "fraud")
        rig.service.kill9()
        try rig.service.start(port: rig.service.port)
        let found2 = try second.wait(timeout: 120)
        #expect(found2.exitCode == 75, "exit 75: \(found2.exitCode) \(found2.stderr)")
        let secondID = try #require(Self.requestID(in: found2.stderr), "the request id is named: \(found2.stderr)")
        let secondRequest = try #require(
            try rig.service.entries().last { $0.kind == EntryKind.switchRequested && $0.detailsObject?["request_id"]?.stringValue == secondID })
        #expect(found2.stderr.contains("seq \(secondRequest.seq)"), "the seq is named: \(found2.stderr)")

        // 4. A new switch works (of the same model as the unresolved one), and the unresolved ones can be resolved.
        let next = try rig.service.remote(["switch", "churn-ok", "--model", "churn", "--reason", "CHG-after-crash"], as: "switcher")
        #expect(next.exitCode == 0, "a new switch after the restart: \(next.allOutput)")
        let resolvedRaw = try rig.call(
            "POST", "/v1/resolutions", as: "switcher", json: #"{"seq":\#(requested.seq),"outcome":"succeeded","reason":"INC-1 churn-delay is live"}"#)
        #expect(resolvedRaw.status == 200 && resolvedRaw.ledgerExitCode == 0, "POST /v1/resolutions: \(resolvedRaw.status) \(resolvedRaw.text.prefix(300))")
        let resolved = try rig.service.remote(
            ["resolve", String(secondRequest.seq), "--outcome", "succeeded", "--reason", "INC-2 fraud-delay is live"], as: "switcher")
        #expect(resolved.exitCode == 0, "resolve --server: \(resolved.allOutput)")
        #expect(rig.service.stop() == 0)
        let localVerify = try Binaries.ledger(["verify"] + rig.service.localArguments)
        #expect(localVerify.exitCode == 0, "the chain is intact: \(localVerify.allOutput)")
        #expect(localVerify.stdout.contains("unresolved  none"), "both resolved: \(localVerify.stdout)")
        if let checked = try rig.exchanges.checkAgainstDocument() {
            #expect(checked.exitCode == 0, "the answers match docs/openapi.json:\n\(checked.allOutput)")
        }

        let scan = rig.secretScan()
        let outputs = [lost, found2, log, table, verify, next, resolved, localVerify].enumerated().map { ("client output \($0)", $1.allOutput) }
        let hits = try scan.hits(service: rig.service, exchanges: rig.exchanges, extra: outputs)
        #expect(hits.isEmpty, "secrets found: \(hits)")
    }
}
