/// The reads of verification, export, checkpoints and the writers' tail check: the SQL behind
/// the chain checker's row sources.
extension SQLiteLedgerStorage: VerificationStorage {
    func scanChain(range: ClosedRange<Int64>?, into scan: inout ChainScan) throws {
        var scanner = try SQLiteRowScanner(connection: connection, range: range)
        scan.begin(scanner)
        while try scan.consume(&scanner) {}
    }

    /// The mac of entry `seq`, nil when there is none (or it is not text).
    func mac(atSeq seq: Int64) throws -> String? {
        try connection.scalar("SELECT mac FROM entries WHERE seq = ?1", [.integer(seq)], context: "reading a mac").text
    }

    /// The `recorded_at` of entry `seq`, nil when there is none (or it is not text).
    func recordedAt(seq: Int64) throws -> String? {
        try connection.scalar("SELECT recorded_at FROM entries WHERE seq = ?1", [.integer(seq)], context: "reading a timestamp").text
    }

    /// The highest seq, nil when the ledger holds no entries.
    func maxSeq() throws -> Int64? {
        try connection.scalar("SELECT max(seq) FROM entries", context: "reading the ledger's head").integer
    }

    /// The seq and mac of the newest entry, nil when there is none.
    func headSeqAndMac() throws -> (seq: Int64, mac: String)? {
        let rows = try connection.rows("SELECT seq, mac FROM entries ORDER BY seq DESC LIMIT 1", context: "reading the ledger's head")
        guard let seq = rows.first?["seq"]?.integer, let mac = rows.first?["mac"]?.text else { return nil }
        return (seq, mac)
    }

    /// True when both append-only triggers (`entries_no_update`, `entries_no_delete`) are in the schema.
    func hasAppendOnlyTriggers() throws -> Bool {
        let count =
            try connection.scalar(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN ('entries_no_update', 'entries_no_delete')",
                context: "reading the schema"
            ).integer ?? 0
        return count >= 2
    }

    /// The rows that carry the key lifecycle before `seq` (every row when nil): the first entry and
    /// the `key.rotated` entries, in seq order (indexed; not a scan). Not verified here.
    func keyEventRows(before seq: Int64?) throws -> [ColumnRow] {
        try connection.rows(
            "SELECT * FROM entries WHERE (seq = 1 OR kind = ?1) AND seq < ?2 ORDER BY seq",
            [.text(EntryKind.keyRotated.rawValue), .integer(seq ?? Int64.max)],
            context: "reading the ledger's key announcements"
        ).map(ColumnRow.init)
    }

    /// The newest two rows, newest first (every column), for the writers' tail check.
    func tailRows() throws -> [ColumnRow] {
        try connection.rows("SELECT * FROM entries ORDER BY seq DESC LIMIT 2", context: "reading the ledger's tail").map(ColumnRow.init)
    }

    /// The first and last seq at or below `headSeq` of the entries matching `selection`, nil when none does.
    func exportBounds(of selection: ExportSelection, upTo headSeq: Int64) throws -> (first: Int64, last: Int64)? {
        var conditions = SQLConditions()
        conditions.add("seq", .atMost, .integer(headSeq))
        conditions.add("model", .equals, selection.model.map { .text($0) })
        conditions.add("recorded_at", .atLeast, selection.since.map { .text($0) })
        conditions.add("recorded_at", .atMost, selection.until.map { .text($0) })
        let rows = try connection.rows(
            "SELECT min(seq) AS first, max(seq) AS last FROM entries \(conditions.whereClause)", conditions.arguments,
            context: "finding the entries to export")
        guard let first = rows.first?["first"]?.integer, let last = rows.first?["last"]?.integer else { return nil }
        return (first, last)
    }

    /// Calls `body` with every row (every column) whose seq is in `range`, in seq order, streaming.
    func forEachRow(in range: ClosedRange<Int64>, context: String, _ body: (ColumnRow) throws -> Void) throws {
        let statement = try connection.prepare("SELECT * FROM entries WHERE seq BETWEEN ?1 AND ?2 ORDER BY seq", context: context)
        try statement.bind([.integer(range.lowerBound), .integer(range.upperBound)])
        while try statement.step(context: context) {
            try body(ColumnRow(statement.row()))
        }
    }
}
