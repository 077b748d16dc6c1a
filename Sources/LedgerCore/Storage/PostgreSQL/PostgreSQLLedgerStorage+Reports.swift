import Foundation

/// The report queries of the PostgreSQL adapter (`ReportStorage`): the queries of
/// `SQLiteLedgerStorage+Reports.swift` in PostgreSQL terms, with the same rows in the same order.
///
/// Text columns are `bytea`, compared byte by byte as SQLite's BINARY collation compares them
/// (no locale collation can reorder mixed-case names). Where SQLite's order within one request
/// follows its completions index (`ref_seq, kind, outcome, error_code, error_message`, NULLs first),
/// the ORDER BY here spells that order out, `NULLS FIRST` included. The kinds and the outcome are
/// literals, as the partial indexes of migration 0001 spell them.
extension PostgreSQLLedgerStorage: ReportStorage {
    /// Every index the report queries use (migration 0001).
    static let reportIndexes = [
        "entries_switch_requests_by_model", "entries_switch_requests_by_time", "entries_switch_completions", "entries_switch_successes",
    ]

    static func literal(_ kind: some RawRepresentable<String>) -> String {
        "'" + kind.rawValue.replacingOccurrences(of: "'", with: "''").replacingOccurrences(of: "\\", with: "\\\\") + "'::bytea"
    }
    static var requestedKind: String { literal(EntryKind.switchRequested) }
    static var completionKinds: String { "(\(literal(EntryKind.switchCompleted)), \(literal(EntryKind.switchResolved)))" }
    /// The order of a request's completions (SQLite's completions index order).
    static let completionOrder = "c.kind NULLS FIRST, c.outcome NULLS FIRST, c.error_code NULLS FIRST, c.error_message NULLS FIRST, c.seq NULLS FIRST"

    static let switchRowColumns = "r.seq, r.recorded_at, r.model, r.actor, c.seq, c.kind, c.outcome, c.error_code, c.error_message"
    static let switchRecordColumns = """
        r.seq, r.recorded_at, r.model, r.retrain_job_id, r.actor, r.reason, c.seq, c.kind, c.recorded_at,
        c.actor, c.reason, c.outcome, c.http_status, c.error_code, c.error_message, c.duration_ms, r.details
        """

    public func readingReports<T>(context: String, _ body: (any ReportReader) throws -> T) throws -> T {
        try readTransaction(context: context) {
            try body(PostgreSQLReportReader(connection: connection, hasReportIndexes: try hasReportIndexes()))
        }
    }

    public func hasReportIndexes() throws -> Bool {
        var query = PostgreSQLQuery("SELECT count(*) FROM pg_catalog.pg_indexes WHERE tablename = 'entries' AND convert_to(indexname::text, 'UTF8') IN (")
        let names = Self.reportIndexes.map { query.bind(.text($0)) }
        query.append(names.joined(separator: ", ") + ")")
        return try connection.integer(query, context: "reading the ledger's indexes") ?? 0 >= Int64(Self.reportIndexes.count)
    }

    /// Requests (`r`) in `scope` joined with their completions (`c`), by request time, then seq.
    static func switchQuery(columns: String, scope: SwitchScope) -> PostgreSQLQuery {
        var query = PostgreSQLQuery("")
        let bound = query.bind(.integer(scope.bound))
        var conditions = PostgreSQLConditions(after: query)
        conditions.add { _ in "r.kind = \(requestedKind)" }
        conditions.add("r.seq", .atMost, .integer(scope.bound))
        conditions.add("r.model", .equals, scope.model.map { .text($0) })
        conditions.add("r.recorded_at", .atLeast, scope.since.map { .text($0) })
        conditions.add("r.recorded_at", .atMost, scope.until.map { .text($0) })
        conditions.add("r.actor", .equals, scope.actor.map { .text($0) })
        return conditions.query(
            """
            SELECT \(columns)
            FROM entries AS r
            LEFT JOIN entries AS c
              ON c.ref_seq = r.seq AND c.kind IN \(completionKinds) AND c.seq <= \(bound)
            \(conditions.whereClause)
            ORDER BY r.recorded_at, r.seq, \(completionOrder)
            """)
    }
}

/// `ReportReader` over one PostgreSQL read snapshot.
final class PostgreSQLReportReader: ReportReader {
    private let connection: PostgreSQLConnection
    let hasReportIndexes: Bool

    init(connection: PostgreSQLConnection, hasReportIndexes: Bool) {
        self.connection = connection
        self.hasReportIndexes = hasReportIndexes
    }

    func head(atMost bound: Int64) throws -> ReportHead? {
        let result = try connection.run(
            PostgreSQLQuery("SELECT seq, mac, recorded_at FROM entries WHERE seq <= $1 ORDER BY seq DESC LIMIT 1", [.integer(bound)]),
            context: "reading the ledger's head")
        guard result.rowCount > 0, let seq = result.optionalInt64(0, 0) else { return nil }
        return ReportHead(seq: seq, mac: result.string(0, 1) ?? "", recordedAt: result.string(0, 2) ?? "")
    }

    func switchRows(in scope: SwitchScope, requestTimes: Bool) throws -> any SwitchRowCursor {
        let query = PostgreSQLLedgerStorage.switchQuery(columns: PostgreSQLLedgerStorage.switchRowColumns, scope: scope)
        return PostgreSQLSwitchRowCursor(
            cursor: try PostgreSQLCursor(connection: connection, query: query, context: "querying switches"), requestTimes: requestTimes)
    }

    func forEachSwitchRecord(in scope: SwitchScope, _ body: (SwitchRecord) throws -> Void) throws {
        let query = PostgreSQLLedgerStorage.switchQuery(columns: PostgreSQLLedgerStorage.switchRecordColumns, scope: scope)
        try connection.forEachBatch(query, context: "querying switches") { batch in
            for row in 0..<batch.rowCount { try body(Self.record(batch, row)) }
            return true
        }
    }

    static func record(_ s: PostgreSQLResult, _ row: Int) -> SwitchRecord {
        var record = SwitchRecord(
            requestSeq: s.optionalInt64(row, 0) ?? 0, requestedAt: s.string(row, 1) ?? "", model: s.string(row, 2),
            retrainJobID: s.string(row, 3), actor: s.string(row, 4) ?? "", reason: s.string(row, 5))
        if let completion = s.optionalInt64(row, 6) {
            record.completionSeq = completion
            record.completionKind = s.string(row, 7).map(EntryKind.init(rawValue:))
            record.completedAt = s.string(row, 8)
            record.completedBy = s.string(row, 9)
            if record.completionKind == EntryKind.switchResolved { record.resolutionReason = s.string(row, 10) }
            record.outcome = SwitchOutcome(completion: s.string(row, 11).map(Outcome.init(rawValue:)))
            record.httpStatus = s.optionalInt64(row, 12)
            record.errorCode = s.string(row, 13)
            record.errorMessage = s.string(row, 14)
            record.durationMs = s.optionalInt64(row, 15)
        }
        record.requestDetails = s.string(row, 16)
        return record
    }

    func recordedAt(seqs: [Int64]) throws -> [Int64: String] {
        var result: [Int64: String] = [:]
        let unique = Array(Set(seqs)).sorted()
        var start = 0
        while start < unique.count {
            let chunk = unique[start..<min(start + 1000, unique.count)]
            start += chunk.count
            var query = PostgreSQLQuery("SELECT seq, recorded_at FROM entries WHERE seq IN (")
            let placeholders = chunk.map { query.bind(.integer($0)) }
            query.append(placeholders.joined(separator: ", ") + ")")
            let rows = try connection.run(query, context: "reading a switch's time")
            for row in 0..<rows.rowCount {
                if let seq = rows.optionalInt64(row, 0), let text = rows.string(row, 1) { result[seq] = text }
            }
        }
        return result
    }

    func events(kind: EntryKind, since: String?, until: String?, actor: String?, bound: Int64) throws -> [LedgerEntry] {
        var conditions = PostgreSQLConditions()
        conditions.add("kind", .equals, .text(kind.rawValue))
        conditions.add("seq", .atMost, .integer(bound))
        conditions.add("recorded_at", .atLeast, since.map { .text($0) })
        conditions.add("recorded_at", .atMost, until.map { .text($0) })
        conditions.add("actor", .equals, actor.map { .text($0) })
        var entries: [LedgerEntry] = []
        try connection.forEachBatch(conditions.query("SELECT * FROM entries \(conditions.whereClause) ORDER BY seq"), context: "reading \(kind) entries") {
            batch in
            for row in 0..<batch.rowCount { entries.append(try LedgerEntry(row: batch.row(row))) }
            return true
        }
        return entries
    }

    func switchedModels(bound: Int64) throws -> [String] {
        // One index seek per model (a loose index scan), as SQLite's seeks: byte order, NULL excluded.
        let kind = PostgreSQLLedgerStorage.requestedKind
        let result = try connection.run(
            PostgreSQLQuery(
                """
                WITH RECURSIVE models(model) AS (
                    (SELECT r.model FROM entries AS r WHERE r.kind = \(kind) AND r.model IS NOT NULL AND r.seq <= $1 ORDER BY r.model LIMIT 1)
                    UNION ALL
                    SELECT (SELECT r.model FROM entries AS r WHERE r.kind = \(kind) AND r.model > models.model AND r.seq <= $1
                            ORDER BY r.model LIMIT 1)
                    FROM models WHERE models.model IS NOT NULL
                )
                SELECT model FROM models WHERE model IS NOT NULL
                """, [.integer(bound)]),
            context: "listing models")
        return (0..<result.rowCount).compactMap { result.string($0, 0) }
    }

    func forEachSuccess(
        model: String, atOrBefore time: String, bound: Int64, _ body: (SuccessRow) throws -> Bool
    ) throws {
        var conditions = PostgreSQLConditions()
        conditions.add { _ in
            "c.outcome = \(PostgreSQLLedgerStorage.literal(Outcome.succeeded)) AND c.kind IN \(PostgreSQLLedgerStorage.completionKinds)"
        }
        conditions.add("c.model", .equals, .text(model))
        conditions.add("c.recorded_at", .atMost, .text(time))
        conditions.add("c.seq", .atMost, .integer(bound))
        let query = conditions.query(
            "SELECT c.seq, c.ref_seq, c.recorded_at FROM entries AS c \(conditions.whereClause) ORDER BY c.recorded_at DESC, c.seq DESC")
        try connection.forEachBatch(query, batchSize: 64, context: "finding the live switch") { batch in
            for row in 0..<batch.rowCount {
                let success = SuccessRow(
                    completionSeq: batch.optionalInt64(row, 0) ?? 0, requestSeq: batch.optionalInt64(row, 1), completedAt: batch.string(row, 2) ?? "")
                guard try body(success) else { return false }
            }
            return true
        }
    }

    func pendingRows(
        model: String, atOrBefore time: String, after: (recordedAt: String, seq: Int64), bound: Int64
    ) throws -> [PendingRow] {
        var query = PostgreSQLQuery("")
        let boundArgument = query.bind(.integer(bound))
        var conditions = PostgreSQLConditions(after: query)
        conditions.add { _ in "r.kind = \(PostgreSQLLedgerStorage.requestedKind)" }
        conditions.add("r.model", .equals, .text(model))
        conditions.add("r.recorded_at", .atMost, .text(time))
        conditions.add("r.seq", .atMost, .integer(bound))
        conditions.add("r.recorded_at", .atLeast, .text(after.recordedAt))
        conditions.add { "r.seq > \($0.bind(.integer(after.seq)))" }
        let statement = conditions.query(
            """
            SELECT r.seq, c.seq, c.recorded_at FROM entries AS r
            LEFT JOIN entries AS c
              ON c.ref_seq = r.seq AND c.kind IN \(PostgreSQLLedgerStorage.completionKinds) AND c.seq <= \(boundArgument)
            \(conditions.whereClause)
            ORDER BY r.recorded_at, r.seq, \(PostgreSQLLedgerStorage.completionOrder)
            """)
        var rows: [PendingRow] = []
        try connection.forEachBatch(statement, context: "finding pending switches") { batch in
            for row in 0..<batch.rowCount {
                rows.append(
                    PendingRow(requestSeq: batch.optionalInt64(row, 0) ?? 0, completionSeq: batch.optionalInt64(row, 1), completedAt: batch.string(row, 2)))
            }
            return true
        }
        return rows
    }

    func firstCompletion(of request: Int64, bound: Int64) throws -> Int64? {
        try connection.integer(
            PostgreSQLQuery(
                "SELECT min(seq) FROM entries WHERE ref_seq = $1 AND kind IN \(PostgreSQLLedgerStorage.completionKinds) AND seq <= $2",
                [.integer(request), .integer(bound)]),
            context: "finding a switch's completion")
    }

    func approvalEntries(bound: Int64) throws -> [LedgerEntry] {
        var conditions = PostgreSQLConditions()
        conditions.add { query in
            "kind IN (" + EntryKind.approvalKinds.map { query.bind(.text($0.rawValue)) }.joined(separator: ", ") + ")"
        }
        conditions.add("seq", .atMost, .integer(bound))
        var entries: [LedgerEntry] = []
        try connection.forEachBatch(conditions.query("SELECT * FROM entries \(conditions.whereClause) ORDER BY seq"), context: "reading the approval entries") {
            batch in
            for row in 0..<batch.rowCount { entries.append(try LedgerEntry(row: batch.row(row))) }
            return true
        }
        return entries
    }

    func requestDetails(after: Int64, bound: Int64) throws -> [RequestDetailsRow] {
        var rows: [RequestDetailsRow] = []
        try connection.forEachBatch(
            PostgreSQLQuery(
                "SELECT seq, details FROM entries WHERE kind = $1 AND seq > $2 AND seq <= $3 ORDER BY seq",
                [.text(EntryKind.switchRequested.rawValue), .integer(after), .integer(bound)]),
            context: "reading switch requests' details"
        ) { batch in
            for row in 0..<batch.rowCount { rows.append(RequestDetailsRow(seq: batch.optionalInt64(row, 0) ?? 0, details: batch.string(row, 1))) }
            return true
        }
        return rows
    }
}

/// `SwitchRowCursor` over a server-side cursor of the switch query.
final class PostgreSQLSwitchRowCursor: SwitchRowCursor {
    private let cursor: PostgreSQLCursor
    private let requestTimes: Bool
    private var models = PostgreSQLTextInterner()
    private var actors = PostgreSQLTextInterner()

    init(cursor: PostgreSQLCursor, requestTimes: Bool) {
        self.cursor = cursor
        self.requestTimes = requestTimes
    }

    func next() throws -> SwitchRow? {
        guard try cursor.next() else { return nil }
        let s = cursor.batch, r = cursor.row
        var row = SwitchRow(
            requestSeq: s.optionalInt64(r, 0) ?? 0, requestedAtMilliseconds: nil, model: models.read(s, r, 2), actor: actors.read(s, r, 3),
            completion: nil)
        if requestTimes, !s.isNull(r, 1) {
            row.requestedAtMilliseconds = Timestamp.parse(utf8: s.bytes(r, 1))
        }
        if let seq = s.optionalInt64(r, 4) {
            let isResolution = SwitchRowBytes.equal(s.bytes(r, 5), EntryKind.switchResolved.rawValue)
            // NULL reads as no bytes: failed, as `SwitchOutcome(completion: nil)`.
            let outcome = SwitchOutcome(completionOutcomeUTF8: s.bytes(r, 6))
            let failed = outcome != .succeeded
            row.completion = .init(
                seq: seq, isResolution: isResolution, outcome: outcome, errorCode: failed ? s.string(r, 7) : nil,
                errorMessage: failed ? s.string(r, 8) : nil)
        }
        return row
    }
}

enum SwitchRowBytes {
    static func equal(_ bytes: UnsafeRawBufferPointer, _ text: String) -> Bool { bytes.elementsEqual(text.utf8) }
}

/// Turns a text column into a String, reusing the previous row's String when the bytes repeat.
struct PostgreSQLTextInterner {
    private var bytes: [UInt8] = []
    private var value: String?

    mutating func read(_ result: PostgreSQLResult, _ row: Int, _ column: Int) -> String? {
        guard !result.isNull(row, column) else {
            value = nil
            return nil
        }
        let text = result.bytes(row, column)
        if let value, text.count == bytes.count, text.elementsEqual(bytes) { return value }
        bytes = Array(text)
        let string = String(decoding: text, as: UTF8.self)
        value = string
        return string
    }
}
