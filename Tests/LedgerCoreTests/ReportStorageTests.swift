import Foundation
import LedgerTestSupport
import Testing

@testable import LedgerCore

/// The seam between the report algorithms and storage: the typed rows of the SQLite adapter, and
/// the one timestamp parser they use.
@Suite("report storage (the SQLite adapter's report rows)")
struct ReportStorageTests {
    @Test("Timestamp.parse(utf8:) answers as Timestamp.parse for the normal form, impossible normal-form times and every other shape")
    func byteParserAgreesWithTimestampParse() {
        let texts = [
            "2026-11-29T03:20:55.123Z", "9999-12-31T23:59:59.999Z", "0001-01-01T00:00:00.000Z", "2024-02-29T12:00:00.000Z",
            // The normal form's shape with impossible values (the report's old byte parser accepted some of these).
            "2026-02-31T00:00:00.000Z", "2025-02-29T00:00:00.000Z", "2026-11-29T24:00:00.000Z", "2026-11-29T23:60:00.000Z",
            "2026-11-29T23:59:60.000Z", "0000-01-01T00:00:00.000Z", "2026-13-01T00:00:00.000Z", "2026-11-29T03:20:55.12aZ",
            // Other shapes, decided by the general rules.
            "2026-11-29", "2026-11-29T03:20:55Z", "2026-11-29t03:20:55.123z", "2026-11-29 03:20:55.123Z",
            "2026-11-29T15:05:00+01:00", "2026-11-29T03:20:55.1234Z", "", "garbage", "2026-11-29T03:20:55.123",
        ]
        for text in texts {
            var copy = text
            let fromBytes = copy.withUTF8 { Timestamp.parse(utf8: UnsafeRawBufferPointer($0)) }
            #expect(fromBytes == Timestamp.parse(text), "\(text)")
        }
        #expect("2026-02-31T00:00:00.000Z".withCString { Timestamp.parse(utf8: UnsafeRawBufferPointer(start: $0, count: 24)) } == nil)
    }

    @Test("switch rows: one typed row per request and completion, in request order, errors only on failures, within the bound")
    func switchRowsAreTyped() throws {
        let s = try SwitchScenario()
        let first = try s.switchModel("churn", "job-1", by: "alice", .succeeded)
        try s.resolve(first.request, .failed, by: "carol", reason: "INC-2")  // a second, disagreeing completion
        let rejected = try s.switchModel("fraud", "f-1", by: "bob", .rejected, code: "4001000204", message: "Not found retrain job.")
        let open = try s.request("churn", "job-2", by: "alice")
        let late = try s.switchModel("churn", "job-3", by: "ci", .succeeded)

        typealias Row = (request: Int64, completion: Int64?, resolution: Bool?, outcome: SwitchOutcome?, code: String?, model: String?, actor: String?)
        func rows(_ scope: SwitchScope) throws -> [Row] {
            try s.store.storage.readingReports(context: "test") { reader in
                #expect(reader.hasReportIndexes)
                let cursor = try reader.switchRows(in: scope, requestTimes: false)
                var rows: [Row] = []
                while let row = try cursor.next() {
                    #expect(row.requestedAtMilliseconds == nil)
                    rows.append(
                        (
                            row.requestSeq, row.completion?.seq, row.completion?.isResolution, row.completion?.outcome,
                            row.completion?.errorCode, row.model, row.actor
                        ))
                }
                return rows
            }
        }

        let all = try rows(SwitchScope(bound: Int64.max))
        #expect(all.map(\.request) == [first.request.seq, first.request.seq, rejected.request.seq, open.seq, late.request.seq])
        #expect(all[0].completion == first.completion.seq && all[0].resolution == false && all[0].outcome == .succeeded)
        #expect(all[1].resolution == true && all[1].outcome == .failed && all[1].code == nil)
        #expect(all[2].outcome == .rejected && all[2].code == "4001000204" && all[2].model == "fraud" && all[2].actor == "bob")
        #expect(all[3].completion == nil && all[3].outcome == nil && all[3].model == "churn")

        // The bound cuts requests and completions alike: the snapshot before the late switch's completion.
        let bounded = try rows(SwitchScope(bound: late.request.seq, model: "churn"))
        #expect(bounded.map(\.request) == [first.request.seq, first.request.seq, open.seq, late.request.seq])
        #expect(bounded.last?.completion == nil)
        #expect(try rows(SwitchScope(bound: Int64.max, actor: "bob")).map(\.request) == [rejected.request.seq])

        // The timeline reads each request's time through Timestamp.
        let times = try s.store.storage.readingReports(context: "test") { reader in
            let cursor = try reader.switchRows(in: SwitchScope(bound: Int64.max, model: "fraud"), requestTimes: true)
            return try cursor.next()?.requestedAtMilliseconds
        }
        #expect(times == Timestamp.parse(rejected.request.recordedAt))
    }
}
