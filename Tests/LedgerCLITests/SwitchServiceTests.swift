import EPAClient
import Foundation
import LedgerCore
import LedgerTestSupport
import LedgerWorkflows
import Testing

/// `SwitchService` driven directly, as a non-CLI front end would, against the real simulator on
/// loopback: the library alone runs the whole protocol (fail-closed open, pre-flight, durable
/// request, one PUT, completion).
@Suite(.serialized)
struct SwitchServiceTests {
    private static func request(_ job: String, preflight: Bool = true) -> SwitchRequest {
        SwitchRequest(
            model: "churn", retrainJobID: job, reason: "CHG-\(job)",
            provenance: Provenance(actor: "service-front-end", osUser: "svc", host: Provenance.currentHost()),
            preflightWords: preflight ? JobStatusWords() : nil, callTimeout: 10)
    }

    /// Runs `request` through `SwitchService` on a fresh ledger opened with `LedgerSession.openForWriting`.
    private static func run(_ request: SwitchRequest, bench: SwitchBench) async throws -> SwitchResult {
        let session = try LedgerSession.openForWriting(
            LedgerLocation(databasePath: bench.ledger.dbPath, keyFilePath: bench.ledger.keyPath))
        var configuration = EPAConfiguration()
        configuration.baseURL = bench.simulator.baseURL
        configuration.requestTimeout = 10
        let client = try EPAClient(configuration: configuration)
        do {
            let result = try await SwitchService(session: session, client: client, apiKey: SwitchFixture.churnKey).run(request)
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    @Test func switchServiceRecordsPreflightRequestAndCompletionWithOnePUT() async throws {
        let bench = try SwitchBench()
        let result = try await Self.run(Self.request("job-ok"), bench: bench)
        #expect(result.end == .switched)

        let entries = try bench.entries()
        let checked = try #require(entries.first { $0.kind == EntryKind.jobChecked })
        let requested = try #require(entries.first { $0.kind == EntryKind.switchRequested })
        let completed = try #require(entries.first { $0.kind == EntryKind.switchCompleted })
        #expect(result.preflightSeq == checked.seq && result.requestedSeq == requested.seq && result.completedSeq == completed.seq)
        #expect(checked.seq < requested.seq && requested.seq < completed.seq)
        #expect(checked.detailsObject?["purpose"]?.stringValue == "preflight")
        // The request carries what `resolve` needs, and is durable before the call.
        let details = try #require(requested.detailsObject)
        #expect(details["deadline_at"]?.stringValue.flatMap(Timestamp.parse) != nil)
        #expect(details["writer_pid"]?.integerValue == Int64(getpid()))
        #expect(details["preflight_seq"]?.integerValue == checked.seq)
        #expect(requested.requestMethod == "PUT" && requested.actor == "service-front-end")
        // The completion refers to the request and records the answer.
        #expect(completed.refSeq == requested.seq)
        #expect(completed.outcome == .succeeded && completed.httpStatus == 200)
        #expect(completed.model == "churn" && completed.retrainJobID == "job-ok" && completed.modelID == 101)
        // The lease is released once the completion is on disk; the ledger verifies.
        #expect(!InFlightLock.isHeld(databasePath: bench.ledger.dbPath, pid: Int64(getpid())))
        #expect(try bench.verifyExitCode() == 0)
        #expect(try bench.finalPUTs(to: "job-ok").count == 1)
    }

    @Test func switchServiceRecordsAFailedCallOnceWithoutRetrying() async throws {
        let bench = try SwitchBench()
        let result = try await Self.run(Self.request("job-500"), bench: bench)
        #expect(result.end == .callDidNotSucceed(.failed))
        let completed = try #require(try bench.last(EntryKind.switchCompleted))
        #expect(completed.refSeq == result.requestedSeq && completed.outcome == .failed)
        #expect(try bench.finalPUTs(to: "job-500").count == 1)
    }

    @Test func switchServiceStopsAtARefusingPreflightWithoutRequestOrPUT() async throws {
        let bench = try SwitchBench()
        let result = try await Self.run(Self.request("job-running"), bench: bench)
        #expect(result.end == .preflightRefused(status: "running", meaning: .running))
        #expect(result.requestedSeq == nil && result.call == nil)
        #expect(try bench.entries().filter { $0.kind == EntryKind.switchRequested }.isEmpty)
        #expect(try bench.finalPUTs(to: "job-running").isEmpty)
    }

    @Test func switchServiceRefusesALedgerThatNoLongerHoldsItsCheckpoint() async throws {
        let bench = try SwitchBench()
        let location = LedgerLocation(databasePath: bench.ledger.dbPath, keyFilePath: bench.ledger.keyPath)
        _ = try CheckpointService.create(
            session: try LedgerSession.openForWriting(location), reason: nil, provenance: Provenance(actor: "t"),
            signingKeyPath: nil, out: nil)
        try bench.ledger.tamper("DELETE FROM entries WHERE seq = (SELECT MAX(seq) FROM entries)")
        #expect(throws: LedgerError.self) { try LedgerSession.openForWriting(location) }
        #expect(try bench.finalPUTs(to: "job-ok").isEmpty)
    }
}
