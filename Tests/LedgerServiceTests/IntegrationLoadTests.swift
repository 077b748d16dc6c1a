import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

/// 50 concurrent clients × 20 switches through the built `ledger serve` against the built simulator
/// (raw HTTP, keep-alive, one thread per client, five models): every switch recorded once, none lost,
/// no errors, the chain intact, and two switches of one model never overlap while different models do.
@Suite(.serialized) struct IntegrationLoadTests {
    static let clients = 50
    static let switchesPerClient = 20

    /// One client's tally.
    final class Tally: @unchecked Sendable {
        let lock = NSLock()
        var errors: [String] = []
        var succeeded = 0
        var latencies: [Double] = []

        func add(error: String) { lock.withLock { errors.append(error) } }
        func add(latency: Double) {
            lock.withLock {
                succeeded += 1
                latencies.append(latency)
            }
        }
    }

    @Test func fiftyClientsTimesTwentySwitchesAreAllRecordedWithNoneLostAndTheChainIntact() throws {
        try IntegrationSecurityTests.requireBinaries()
        let rig = try ServiceRig()
        defer { rig.stop() }
        let models = ServiceSimulatorFixture.models
        let token = try #require(rig.token("switcher"))
        let port = rig.service.port
        let tally = Tally()
        let done = DispatchGroup()
        let started = Date()
        for client in 0..<Self.clients {
            done.enter()
            let thread = Thread {
                defer { done.leave() }
                let http = LoopbackHTTPClient(port: port, timeout: 150)
                let model = models[client % models.count]
                for index in 0..<Self.switchesPerClient {
                    let requestID = "load-c\(client)-s\(index)"
                    let job = index % 2 == 0 ? "\(model)-ok" : "\(model)-ok-2"
                    let body = #"{"retrain_job_id":"\#(job)","model":"\#(model)","reason":"CHG-load-\#(client)-\#(index)"}"#
                    let began = Date()
                    do {
                        let response = try http.send(
                            "POST", "/v1/switches",
                            headers: [
                                ("Authorization", "Bearer \(token)"), ("Content-Type", "application/json"), ("Ledger-Request-ID", requestID),
                            ], body: Data(body.utf8))
                        if client == 0 && index < 2 { rig.exchanges.record("POST", "/v1/switches", response) }
                        guard response.status == 200, response.ledgerExitCode == 0 else {
                            tally.add(error: "\(requestID): \(response.status) exit \(response.ledgerExitCode ?? -1) \(response.text.prefix(200))")
                            continue
                        }
                        tally.add(latency: Date().timeIntervalSince(began))
                    } catch {
                        tally.add(error: "\(requestID): \(error)")
                    }
                }
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        let finished = done.wait(timeout: .now() + 300)
        let elapsed = Date().timeIntervalSince(started)
        #expect(finished == .success, "the clients finished within 5 minutes")
        let total = Self.clients * Self.switchesPerClient
        let latencies = tally.lock.withLock { tally.latencies.sorted() }
        let p50 = latencies.isEmpty ? 0 : latencies[latencies.count / 2]
        let p99 = latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, latencies.count * 99 / 100)]
        print(
            "IntegrationLoadTests: \(tally.succeeded)/\(total) switches in \(String(format: "%.1f", elapsed)) s "
                + "(\(String(format: "%.0f", Double(tally.succeeded) / max(elapsed, 0.001))) /s), p50 \(String(format: "%.1f", p50 * 1000)) ms, "
                + "p99 \(String(format: "%.1f", p99 * 1000)) ms, \(tally.errors.count) errors")
        #expect(tally.errors.isEmpty, "0 errors: \(tally.errors.count), first: \(tally.errors.prefix(5))")
        #expect(tally.succeeded == total)

        // Stop the service, then read the ledger as it is on disk.
        #expect(rig.service.stop() == 0, "a graceful stop exits 0")
        let entries = try rig.service.entries()
        let requested = entries.filter { $0.kind == EntryKind.switchRequested }
        let completed = entries.filter { $0.kind == EntryKind.switchCompleted }
        let requestIDs = requested.compactMap { $0.detailsObject?["request_id"]?.stringValue }.filter { $0.hasPrefix("load-") }
        #expect(requested.count == total, "switch.requested: \(requested.count)")
        #expect(Set(requestIDs).count == total, "distinct request ids: \(Set(requestIDs).count)")
        #expect(completed.count == total, "switch.completed: \(completed.count)")
        #expect(completed.allSatisfy { $0.outcome == .succeeded }, "every switch succeeded")
        let requestSeqs = Set(requested.map(\.seq))
        #expect(Set(completed.compactMap(\.refSeq)) == requestSeqs, "each request completed exactly once")
        #expect(requested.allSatisfy { $0.actor == "switcher" }, "the authenticated user is the actor")
        let unresolved = try LedgerStore.open(path: rig.service.dbPath, writable: false).unresolvedSwitchSeqs()
        #expect(unresolved.isEmpty, "none unresolved: \(unresolved.prefix(5))")

        // One model's switches never overlap; different models' do (they run in parallel).
        var open: [String: Int64] = [:]
        var races: [String] = []
        var overlapsAcrossModels = 0
        for entry in entries {
            guard let model = entry.model else { continue }
            if entry.kind == EntryKind.switchRequested {
                if let other = open[model] { races.append("\(model): seq \(entry.seq) requested while seq \(other) was open") }
                if open.contains(where: { $0.key != model }) { overlapsAcrossModels += 1 }
                open[model] = entry.seq
            } else if entry.kind == EntryKind.switchCompleted, open[model] == entry.refSeq {
                open[model] = nil
            }
        }
        #expect(races.isEmpty, "two switches of one model raced: \(races.prefix(3))")
        #expect(overlapsAcrossModels > 0, "switches of different models ran in parallel")

        // The vendor saw exactly one PUT per switch.
        let puts = try rig.simulator.requests().filter { $0["method"]?.stringValue == "PUT" }
        #expect(puts.count == total, "PUTs: \(puts.count)")

        let verify = try Binaries.ledger(["verify"] + rig.service.localArguments)
        #expect(verify.exitCode == 0, "the chain is intact: \(verify.allOutput.prefix(400))")
        let scan = rig.secretScan()
        let hits = try scan.hits(service: rig.service, exchanges: rig.exchanges, extra: [("verify", verify.allOutput)])
        #expect(hits.isEmpty, "secrets found: \(hits)")
    }
}
