import Foundation
import LedgerTestSupport
import Testing

@_spi(Testing) @testable import LedgerCore

/// The report queries of the PostgreSQL adapter answer exactly what SQLite's answer, in the same
/// order, for the same rows (copied verbatim): byte order for mixed-case and non-ASCII names,
/// NULLs where SQLite puts them, ties in time broken by seq, several completions per request.
@Suite("PostgreSQL report queries match SQLite")
struct PostgreSQLReportParityTests {
    /// A SQLite ledger with the awkward cases, and the same rows in PostgreSQL.
    func makePair() throws -> (sqlite: LedgerStore, postgresql: LedgerStore, ledger: TestLedger) {
        let ledger = try TestLedger()
        let store = try ledger.open()
        let models: [String?] = ["churn", "Churn", "ALPHA", "alpha", "Zeta", "é-model", "b", nil, "churn", "alpha"]
        var requests: [LedgerEntry] = []
        for (i, model) in models.enumerated() {
            var draft = EntryDraft(kind: EntryKind.switchRequested)
            draft.model = model
            draft.retrainJobID = "job-\(i)"
            draft.reason = i % 2 == 0 ? "r\(i)" : nil
            draft.details = ["writer_pid": .integer(Int64(i))]
            // Several requests in one call share a millisecond: ties are broken by seq.
            requests += try store.append(contentsOf: [draft], keyRing: ledger.keyRing, provenance: ledger.provenance)
        }
        func complete(_ request: LedgerEntry, kind: EntryKind, outcome: Outcome?, code: String?, message: String?) throws {
            var draft = EntryDraft(kind: kind)
            draft.model = request.model
            draft.refSeq = request.seq
            draft.outcome = outcome
            draft.errorCode = code
            draft.errorMessage = message
            draft.httpStatus = outcome == .succeeded ? 200 : nil
            _ = try store.append(draft, keyRing: ledger.keyRing, provenance: ledger.provenance)
        }
        try complete(requests[0], kind: EntryKind.switchCompleted, outcome: .succeeded, code: nil, message: nil)
        try complete(requests[1], kind: EntryKind.switchCompleted, outcome: .rejected, code: "4001000204", message: "Not found retrain job.")
        try complete(requests[2], kind: EntryKind.switchResolved, outcome: .failed, code: nil, message: "operator said so")
        try complete(requests[3], kind: EntryKind.switchCompleted, outcome: nil, code: nil, message: "timeout")
        // Conflicting completions of one request, in an order that differs from the index order.
        try complete(requests[8], kind: EntryKind.switchResolved, outcome: .failed, code: "Z", message: nil)
        try complete(requests[8], kind: EntryKind.switchCompleted, outcome: .succeeded, code: nil, message: nil)
        try complete(requests[8], kind: EntryKind.switchCompleted, outcome: nil, code: nil, message: nil)
        try complete(requests[9], kind: EntryKind.switchCompleted, outcome: .succeeded, code: nil, message: nil)
        try complete(requests[7], kind: EntryKind.switchCompleted, outcome: .succeeded, code: nil, message: nil)
        let url = try PostgresTestServer.makeDatabase()
        let target = try PostgreSQLLedgerStorage.create(url: url)
        try target.writeTransaction(context: "copying") {
            try store.forEachEntry(matching: EntryFilter()) { try target.insert($0) }
        }
        return (store, try LedgerStore.open(database: .postgresql(url: url), writable: false), ledger)
    }

    /// Everything the report queries answer, as text (one line per row).
    func answers(_ store: LedgerStore) throws -> [String] {
        let storage = store.storage
        var lines: [String] = []
        try storage.readingReports(context: "test") { reader in
            let bound = try #require(try reader.head(atMost: Int64.max)).seq
            lines.append("head \(String(describing: try reader.head(atMost: bound - 3)))")
            lines.append("models \(try reader.switchedModels(bound: bound))")
            for scope in [SwitchScope(bound: bound), SwitchScope(bound: bound, model: "churn"), SwitchScope(bound: bound - 4, model: "alpha")] {
                let cursor = try reader.switchRows(in: scope, requestTimes: true)
                while let row = try cursor.next() {
                    let c = row.completion.map { "\($0.seq) \($0.isResolution) \($0.outcome) \($0.errorCode ?? "-") \($0.errorMessage ?? "-")" } ?? "none"
                    lines.append("row \(row.requestSeq) \(row.requestedAtMilliseconds != nil) \(row.model ?? "NULL") \(row.actor ?? "NULL") \(c)")
                }
                try reader.forEachSwitchRecord(in: scope) { lines.append("record " + CanonicalJSON.string($0.jsonValue)) }
            }
            for model in ["churn", "alpha", "Churn", "nobody"] {
                try reader.forEachSuccess(model: model, atOrBefore: "9999", bound: bound) {
                    lines.append("success \($0)"); return true
                }
                for row in try reader.pendingRows(model: model, atOrBefore: "9999", after: ("", 0), bound: bound) { lines.append("pending \(row)") }
            }
            for seq in 1...bound { lines.append("first \(seq) \(String(describing: try reader.firstCompletion(of: seq, bound: bound)))") }
            lines.append("events \(try reader.events(kind: EntryKind.switchRequested, since: nil, until: nil, actor: nil, bound: bound).map(\.seq))")
            lines.append("details \(try reader.requestDetails(after: 2, bound: bound))")
            lines.append("times \(try reader.recordedAt(seqs: [3, 1, 2, 999, 3]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })")
            lines.append("approvals \(try reader.approvalEntries(bound: bound).count)")
        }
        lines.append("conflicts \(try storage.conflictingCompletions())")
        lines.append("unresolved \(try storage.unresolvedSwitchSeqs()) \(try storage.unresolvedSwitches().map(\.seq))")
        lines.append("keys \(try storage.keyUsage())")
        return lines
    }

    @Test("every report query answers byte for byte what SQLite answers, in the same order (NULLs, mixed-case and non-ASCII names)")
    func reportQueriesMatch() throws {
        let (sqlite, postgresql, _) = try makePair()
        let expected = try answers(sqlite)
        let actual = try answers(postgresql)
        #expect(actual.count == expected.count)
        for (a, e) in zip(actual, expected) { #expect(a == e) }
        // Byte order, as SQLite compares: upper case before lower case, non-ASCII last.
        #expect(expected.contains("models [\"ALPHA\", \"Churn\", \"Zeta\", \"alpha\", \"b\", \"churn\", \"é-model\"]"))
    }

    @Test("report, report --as-of and history (Reporter) are the same JSON on both backends")
    func reportJSONMatches() throws {
        let (sqlite, postgresql, _) = try makePair()
        let unverified = ReportVerification.notVerified(reason: "test")
        let options = Reporter.Options(switchLimit: 1000, includeTimeline: true)
        func documents(_ store: LedgerStore) throws -> [String] {
            let reporter = Reporter(store: store)
            var scoped = ReportFilter()
            scoped.model = "churn"
            return [
                try reporter.report(filter: ReportFilter(), verification: unverified, options: options).jsonValue,
                try reporter.report(filter: scoped, verification: unverified, options: options).jsonValue,
                try reporter.asOf("9999-01-01T00:00:00.000Z", model: nil, verification: unverified).jsonValue,
                try reporter.history(model: "alpha", filter: ReportFilter(), verification: unverified).jsonValue,
            ].map { document in
                // `ledger` names the database and the time of the run; everything else must be equal.
                var object = document.objectValue ?? [:]
                object["ledger"] = nil
                return CanonicalJSON.string(.object(object))
            }
        }
        let expected = try documents(sqlite)
        let actual = try documents(postgresql)
        for (a, e) in zip(actual, expected) { #expect(a == e) }
    }
}
