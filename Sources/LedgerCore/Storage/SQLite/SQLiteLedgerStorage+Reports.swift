/// The report queries of the SQLite adapter (`ReportStorage`): every SQL string `report`,
/// `report --as-of` and `history` run, and the SQLite-only hints they use.
///
/// The queries go through the partial indexes of migration 0003 (`INDEXED BY`), reading only the
/// index entries of the switches in scope; a ledger that predates the migration gets the same
/// answers from the same queries without the hints, more slowly. `+column` keeps SQLite from
/// choosing another index for a condition that the chosen index cannot serve. The kinds and the
/// outcome in the conditions are SQL literals, not bound values: SQLite uses a partial index only
/// when the query's text implies the index's `WHERE`.
extension SQLiteLedgerStorage: ReportStorage {
    static let requestsByModel = "entries_switch_requests_by_model"
    static let requestsByTime = "entries_switch_requests_by_time"
    static let completionsIndex = "entries_switch_completions"
    static let successesIndex = "entries_switch_successes"
    /// Every index the report queries use (migration 0003).
    static let reportIndexes = [requestsByModel, requestsByTime, completionsIndex, successesIndex]
    /// The completion kinds, as the partial indexes spell them.
    static let completionKinds = "(\(EntryKind.switchCompleted.sqlLiteral), \(EntryKind.switchResolved.sqlLiteral))"

    /// The columns `SQLiteSwitchRowDecoder.decode` reads.
    static let switchRowColumns = "r.seq, r.recorded_at, r.model, r.actor, c.seq, c.kind, c.outcome, c.error_code, c.error_message"
    /// The columns `SQLiteSwitchRowDecoder.record` reads.
    static let switchRecordColumns = """
        r.seq, r.recorded_at, r.model, r.retrain_job_id, r.actor, r.reason, c.seq, c.kind, c.recorded_at,
        c.actor, c.reason, c.outcome, c.http_status, c.error_code, c.error_message, c.duration_ms, r.details
        """

    public func readingReports<T>(context: String, _ body: (any ReportReader) throws -> T) throws -> T {
        try connection.transaction(immediate: false, context: context) {
            try body(SQLiteReportReader(connection: connection, indexes: try availableReportIndexes()))
        }
    }

    public func hasReportIndexes() throws -> Bool {
        try availableReportIndexes().count == Self.reportIndexes.count
    }

    /// The report indexes this database has.
    func availableReportIndexes() throws -> Set<String> {
        var query = SQLQuery("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'entries' AND name IN (")
        let names = Self.reportIndexes.map { query.bind(.text($0)) }
        query.append(names.joined(separator: ", "))
        query.append(")")
        return Set(try connection.rows(query.sql, query.arguments, context: "reading the ledger's indexes").compactMap { $0["name"]?.text })
    }

    /// The switch query: requests (`r`) in `scope` joined with their completions (`c`), in order of
    /// request time then seq, reading `columns`, with the index hints of `indexes` that exist.
    static func switchQuery(columns: String, scope: SwitchScope, indexes: Set<String>) -> SQLQuery {
        var query = SQLQuery("")
        let bound = query.bind(.integer(scope.bound))
        var conditions = SQLConditions(after: query.arguments)
        conditions.add { _ in "r.kind = \(EntryKind.switchRequested.sqlLiteral)" }
        conditions.add("+r.seq", .atMost, .integer(scope.bound))
        conditions.add("r.model", .equals, scope.model.map { .text($0) })
        conditions.add("r.recorded_at", .atLeast, scope.since.map { .text($0) })
        conditions.add("r.recorded_at", .atMost, scope.until.map { .text($0) })
        conditions.add("r.actor", .equals, scope.actor.map { .text($0) })
        let requestIndex = scope.model != nil ? requestsByModel : requestsByTime
        return SQLQuery(
            """
            SELECT \(columns)
            FROM entries AS r \(hint(requestIndex, indexes))
            LEFT JOIN entries AS c \(hint(completionsIndex, indexes))
              ON c.ref_seq = r.seq AND +c.kind IN \(completionKinds) AND +c.seq <= \(bound)
            \(conditions.whereClause)
            ORDER BY r.recorded_at, r.seq
            """, conditions.arguments)
    }

    /// `INDEXED BY name` when the database has that index, else nothing.
    static func hint(_ index: String, _ indexes: Set<String>) -> String {
        indexes.contains(index) ? "INDEXED BY \(index)" : ""
    }
}

/// `ReportReader` over one SQLite read transaction; prepares each query once.
final class SQLiteReportReader: ReportReader {
    private let connection: SQLiteConnection
    /// The report indexes the database has.
    let indexes: Set<String>
    private var recordedAtStatement: SQLiteStatement?
    private var firstCompletionStatement: SQLiteStatement?
    private var successesStatement: SQLiteStatement?
    private var pendingStatement: SQLiteStatement?

    init(connection: SQLiteConnection, indexes: Set<String>) {
        self.connection = connection
        self.indexes = indexes
    }

    var hasReportIndexes: Bool { indexes.count == SQLiteLedgerStorage.reportIndexes.count }

    private func hint(_ index: String) -> String { SQLiteLedgerStorage.hint(index, indexes) }

    /// `query` prepared once (kept in `cache`; its text must be the same on every call with that
    /// cache) and bound to its arguments.
    private func prepared(_ cache: inout SQLiteStatement?, _ query: SQLQuery, context: String) throws -> SQLiteStatement {
        let statement = try cache ?? connection.prepare(query.sql, context: context)
        cache = statement
        try statement.bind(query.arguments)
        return statement
    }

    func head(atMost bound: Int64) throws -> ReportHead? {
        var query = SQLQuery("SELECT seq, mac, recorded_at FROM entries WHERE seq <= ")
        let placeholder = query.bind(.integer(bound))
        query.append(placeholder + " ORDER BY seq DESC LIMIT 1")
        let rows = try connection.rows(query.sql, query.arguments, context: "reading the ledger's head")
        guard let row = rows.first, let seq = row["seq"]?.integer else { return nil }
        return ReportHead(seq: seq, mac: row["mac"]?.text ?? "", recordedAt: row["recorded_at"]?.text ?? "")
    }

    func switchRows(in scope: SwitchScope, requestTimes: Bool) throws -> any SwitchRowCursor {
        let query = SQLiteLedgerStorage.switchQuery(columns: SQLiteLedgerStorage.switchRowColumns, scope: scope, indexes: indexes)
        let statement = try connection.prepare(query.sql, context: "querying switches")
        try statement.bind(query.arguments)
        return SQLiteSwitchRowCursor(statement: statement, decoder: SQLiteSwitchRowDecoder(requestTimes: requestTimes))
    }

    func forEachSwitchRecord(in scope: SwitchScope, _ body: (SwitchRecord) throws -> Void) throws {
        let query = SQLiteLedgerStorage.switchQuery(columns: SQLiteLedgerStorage.switchRecordColumns, scope: scope, indexes: indexes)
        let statement = try connection.prepare(query.sql, context: "querying switches")
        try statement.bind(query.arguments)
        while try statement.step(context: "querying switches") {
            try body(SQLiteSwitchRowDecoder.record(statement))
        }
    }

    func recordedAt(seqs: [Int64]) throws -> [Int64: String] {
        var result: [Int64: String] = [:]
        for seq in seqs where result[seq] == nil {
            var query = SQLQuery("SELECT recorded_at FROM entries WHERE seq = ")
            let placeholder = query.bind(.integer(seq))
            query.append(placeholder)
            let statement = try prepared(&recordedAtStatement, query, context: "reading a switch's time")
            if try statement.step(context: "reading a switch's time"), let text = statement.reportText(at: 0) {
                result[seq] = text
            }
        }
        return result
    }

    func events(kind: EntryKind, since: String?, until: String?, actor: String?, bound: Int64) throws -> [LedgerEntry] {
        var conditions = SQLConditions()
        conditions.add("kind", .equals, .text(kind.rawValue))
        conditions.add("+seq", .atMost, .integer(bound))
        conditions.add("recorded_at", .atLeast, since.map { .text($0) })
        conditions.add("recorded_at", .atMost, until.map { .text($0) })
        conditions.add("actor", .equals, actor.map { .text($0) })
        return try connection.rows(
            "SELECT * FROM entries \(conditions.whereClause) ORDER BY seq", conditions.arguments, context: "reading \(kind) entries"
        ).map(LedgerEntry.init(row:))
    }

    func switchedModels(bound: Int64) throws -> [String] {
        // One index seek per model: the first seek is inclusive ('' sorts before every other text);
        // the next ones skip past the last name.
        func seek(_ comparison: String, _ model: String) -> SQLQuery {
            var conditions = SQLConditions()
            conditions.add { _ in "r.kind = \(EntryKind.switchRequested.sqlLiteral)" }
            conditions.add { "r.model \(comparison) \($0.bind(.text(model)))" }
            conditions.add("+r.seq", .atMost, .integer(bound))
            return SQLQuery(
                "SELECT r.model FROM entries AS r \(hint(SQLiteLedgerStorage.requestsByModel)) \(conditions.whereClause) ORDER BY r.model LIMIT 1",
                conditions.arguments)
        }
        var first: SQLiteStatement?, next: SQLiteStatement?
        var statement = try prepared(&first, seek(">=", ""), context: "listing models")
        var models: [String] = []
        while try statement.step(context: "listing models"), let model = statement.reportText(at: 0) {
            models.append(model)
            statement = try prepared(&next, seek(">", model), context: "listing models")
        }
        return models
    }

    func forEachSuccess(
        model: String, atOrBefore time: String, bound: Int64, _ body: (SuccessRow) throws -> Bool
    ) throws {
        var conditions = SQLConditions()
        conditions.add { _ in "c.outcome = \(Outcome.succeeded.sqlLiteral) AND c.kind IN \(SQLiteLedgerStorage.completionKinds)" }
        conditions.add("c.model", .equals, .text(model))
        conditions.add("c.recorded_at", .atMost, .text(time))
        conditions.add("+c.seq", .atMost, .integer(bound))
        let query = SQLQuery(
            """
            SELECT c.seq, c.ref_seq, c.recorded_at FROM entries AS c \(hint(SQLiteLedgerStorage.successesIndex))
            \(conditions.whereClause)
            ORDER BY c.recorded_at DESC, c.seq DESC
            """, conditions.arguments)
        let statement = try prepared(&successesStatement, query, context: "finding the live switch")
        while try statement.step(context: "finding the live switch") {
            let row = SuccessRow(
                completionSeq: statement.int64(at: 0), requestSeq: statement.reportInteger(at: 1),
                completedAt: statement.reportText(at: 2) ?? "")
            guard try body(row) else { break }
        }
    }

    func pendingRows(
        model: String, atOrBefore time: String, after: (recordedAt: String, seq: Int64), bound: Int64
    ) throws -> [PendingRow] {
        var query = SQLQuery("")
        let boundArgument = query.bind(.integer(bound))
        var conditions = SQLConditions(after: query.arguments)
        conditions.add { _ in "r.kind = \(EntryKind.switchRequested.sqlLiteral)" }
        conditions.add("r.model", .equals, .text(model))
        conditions.add("r.recorded_at", .atMost, .text(time))
        conditions.add("+r.seq", .atMost, .integer(bound))
        conditions.add("r.recorded_at", .atLeast, .text(after.recordedAt))
        conditions.add { "+r.seq > \($0.bind(.integer(after.seq)))" }
        query = SQLQuery(
            """
            SELECT r.seq, c.seq, c.recorded_at FROM entries AS r \(hint(SQLiteLedgerStorage.requestsByModel))
            LEFT JOIN entries AS c \(hint(SQLiteLedgerStorage.completionsIndex))
              ON c.ref_seq = r.seq AND +c.kind IN \(SQLiteLedgerStorage.completionKinds) AND +c.seq <= \(boundArgument)
            \(conditions.whereClause)
            ORDER BY r.recorded_at, r.seq
            """, conditions.arguments)
        let statement = try prepared(&pendingStatement, query, context: "finding pending switches")
        var rows: [PendingRow] = []
        while try statement.step(context: "finding pending switches") {
            rows.append(
                PendingRow(
                    requestSeq: statement.int64(at: 0), completionSeq: statement.reportInteger(at: 1),
                    completedAt: statement.reportText(at: 2)))
        }
        return rows
    }

    func firstCompletion(of request: Int64, bound: Int64) throws -> Int64? {
        var conditions = SQLConditions()
        conditions.add("ref_seq", .equals, .integer(request))
        conditions.add { _ in "kind IN \(SQLiteLedgerStorage.completionKinds)" }
        conditions.add("+seq", .atMost, .integer(bound))
        let query = SQLQuery(
            "SELECT min(seq) FROM entries \(hint(SQLiteLedgerStorage.completionsIndex)) \(conditions.whereClause)",
            conditions.arguments)
        let statement = try prepared(&firstCompletionStatement, query, context: "finding a switch's completion")
        return try statement.step(context: "finding a switch's completion") ? statement.reportInteger(at: 0) : nil
    }

    func approvalEntries(bound: Int64) throws -> [LedgerEntry] {
        // `entries_by_kind` (kind, seq), migration 0002: one seek per kind, nothing read in a ledger
        // that has none of them.
        var conditions = SQLConditions()
        conditions.add { query in
            "kind IN (" + EntryKind.approvalKinds.map { query.bind(.text($0.rawValue)) }.joined(separator: ", ") + ")"
        }
        conditions.add("seq", .atMost, .integer(bound))
        return try connection.rows(
            "SELECT * FROM entries \(conditions.whereClause) ORDER BY seq", conditions.arguments,
            context: "reading the approval entries"
        ).map(LedgerEntry.init(row:))
    }

    func requestDetails(after: Int64, bound: Int64) throws -> [RequestDetailsRow] {
        var conditions = SQLConditions()
        conditions.add("kind", .equals, .text(EntryKind.switchRequested.rawValue))
        conditions.add { "seq > \($0.bind(.integer(after)))" }
        conditions.add("seq", .atMost, .integer(bound))
        let statement = try connection.prepare(
            "SELECT seq, details FROM entries \(conditions.whereClause) ORDER BY seq",
            context: "reading switch requests' details")
        try statement.bind(conditions.arguments)
        var rows: [RequestDetailsRow] = []
        while try statement.step(context: "reading switch requests' details") {
            rows.append(RequestDetailsRow(seq: statement.int64(at: 0), details: statement.reportText(at: 1)))
        }
        return rows
    }
}
