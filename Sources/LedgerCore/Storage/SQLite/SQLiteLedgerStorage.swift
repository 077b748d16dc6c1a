import Foundation

/// The SQLite adapter of the storage port: the only place (with its `+…` extension files and the
/// `SQLite*` files beside it) where the SQLite backend's SQL is written.
///
/// One instance wraps one connection; use it from one thread at a time. Concurrent processes are
/// safe: every append runs in `BEGIN IMMEDIATE`, so the chain stays linear.
public final class SQLiteLedgerStorage: LedgerStorage {
    /// The database file.
    public let path: String
    /// The connection. Internal: callers outside the adapter go through the storage port.
    let connection: SQLiteConnection
    private var insertStatement: SQLiteStatement?

    init(path: String, connection: SQLiteConnection) {
        self.path = path
        self.connection = connection
    }

    public var location: String { path }

    /// SQLite has no database roles: its writers leave `db_role` NULL.
    public var writerRole: String? { nil }

    // MARK: Creating and opening

    /// Creates the database at `path`, which the caller has just claimed (created empty, mode 0600):
    /// WAL journal, every migration of `migrations/sqlite/`.
    public static func create(path: String) throws -> SQLiteLedgerStorage {
        let connection = try SQLiteConnection(path: path, mode: .create)
        try connection.execute("PRAGMA journal_mode = WAL", context: "enabling WAL")
        try Migrator.migrate(connection)
        return SQLiteLedgerStorage(path: path, connection: connection)
    }

    /// Opens an existing ledger database. Writers apply pending migrations; readers only check them.
    public static func open(path: String, writable: Bool) throws -> SQLiteLedgerStorage {
        let connection: SQLiteConnection
        do {
            connection = try SQLiteConnection(path: path, mode: writable ? .readWrite : .readOnly)
            _ = try connection.scalar("SELECT count(*) FROM sqlite_master")
        } catch let error as SQLiteError where error.isNotADatabase {
            throw LedgerError.notALedger(path: path, detail: "not a SQLite database, or a damaged one")
        }
        let hasEntries =
            try connection.scalar(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'entries'"
            ).integer ?? 0
        guard hasEntries > 0 else {
            throw LedgerError.notALedger(path: path, detail: "it has no entries table")
        }
        if writable {
            try Migrator.migrate(connection)
        } else {
            _ = try Migrator.pending(in: connection)
        }
        return SQLiteLedgerStorage(path: path, connection: connection)
    }

    // MARK: Transactions

    public func readTransaction<T>(context: String, _ body: () throws -> T) throws -> T {
        try connection.transaction(immediate: false, context: context, body)
    }

    public func writeTransaction<T>(context: String, _ body: () throws -> T) throws -> T {
        try connection.transaction(immediate: true, context: context, body)
    }

    // MARK: Rows

    public func insert(_ entry: LedgerEntry) throws {
        if insertStatement == nil {
            let names = LedgerEntry.allColumns.joined(separator: ", ")
            let params = (1...LedgerEntry.allColumns.count).map { "?\($0)" }.joined(separator: ", ")
            insertStatement = try connection.prepare("INSERT INTO entries (\(names)) VALUES (\(params))")
        }
        try insertStatement?.run(entry.storedValues, context: "appending to the ledger")
    }

    public func firstLedgerID() throws -> String? {
        try connection.scalar("SELECT ledger_id FROM entries ORDER BY seq LIMIT 1").text
    }

    public func entry(seq: Int64) throws -> LedgerEntry? {
        try connection.rows("SELECT * FROM entries WHERE seq = ?1", [.integer(seq)]).first.map(LedgerEntry.init(row:))
    }

    public func head() throws -> LedgerEntry? {
        try connection.rows("SELECT * FROM entries ORDER BY seq DESC LIMIT 1").first.map(LedgerEntry.init(row:))
    }

    public func forEachEntry(matching filter: EntryFilter, _ body: (LedgerEntry) throws -> Void) throws {
        var conditions = SQLConditions()
        conditions.add("kind", .equals, filter.kind.map { .text($0.rawValue) })
        conditions.add("model", .equals, filter.model.map { .text($0) })
        conditions.add("seq", .atMost, filter.toSeq.map { .integer($0) })
        var query = SQLQuery("SELECT * FROM entries \(conditions.whereClause) ORDER BY seq", conditions.arguments)
        if let limit = filter.lastN {
            // The newest N, returned oldest first.
            query = SQLQuery("SELECT * FROM (SELECT * FROM entries \(conditions.whereClause) ORDER BY seq DESC LIMIT ", conditions.arguments)
            let placeholder = query.bind(.integer(Int64(max(0, limit))))
            query.append("\(placeholder)) ORDER BY seq")
        }
        let statement = try connection.prepare(query.sql)
        try statement.bind(query.arguments)
        while try statement.step() {
            try body(try LedgerEntry(row: statement.row()))
        }
    }

    public func completions(of seq: Int64) throws -> [LedgerEntry] {
        try connection.rows(
            "SELECT * FROM entries WHERE ref_seq = ?1 AND kind IN (?2, ?3) ORDER BY seq",
            [.integer(seq), .text(EntryKind.switchCompleted.rawValue), .text(EntryKind.switchResolved.rawValue)]
        ).map(LedgerEntry.init(row:))
    }

    public func conflictingCompletions() throws -> [ConflictingCompletions] {
        // A writer records one completion per request, and `resolve` refuses a request that has
        // one, so every disagreement involves a `switch.resolved` entry: start from those (few,
        // found through the kind index) rather than from every completion.
        let rows = try connection.rows(
            """
            SELECT ref_seq, seq, kind, outcome FROM entries
            WHERE ref_seq IN (SELECT r.ref_seq FROM entries AS r
                              WHERE r.kind = ?2 AND r.ref_seq IS NOT NULL
                                AND EXISTS (SELECT 1 FROM entries AS c
                                            WHERE c.ref_seq = r.ref_seq AND c.kind IN (?1, ?2) AND c.seq <> r.seq
                                              AND coalesce(c.outcome, '') <> coalesce(r.outcome, '')))
              AND kind IN (?1, ?2)
            ORDER BY ref_seq, seq
            """,
            [.text(EntryKind.switchCompleted.rawValue), .text(EntryKind.switchResolved.rawValue)],
            context: "looking for conflicting completions")
        var result: [ConflictingCompletions] = []
        for row in rows {
            guard let request = row["ref_seq"]?.integer, let seq = row["seq"]?.integer else { continue }
            let item = ConflictingCompletions.Completion(
                seq: seq, kind: EntryKind(rawValue: row["kind"]?.text ?? "?"), outcome: row["outcome"]?.text.map(Outcome.init(rawValue:)))
            if result.last?.request == request {
                result[result.count - 1].completions.append(item)
            } else {
                result.append(ConflictingCompletions(request: request, completions: [item]))
            }
        }
        return result
    }

    public func unresolvedSwitches() throws -> [LedgerEntry] {
        try connection.rows(
            """
            SELECT * FROM entries r
            WHERE r.kind = ?1
              AND NOT EXISTS (SELECT 1 FROM entries c WHERE c.ref_seq = r.seq AND c.kind IN (?2, ?3))
            ORDER BY r.seq
            """,
            [.text(EntryKind.switchRequested.rawValue), .text(EntryKind.switchCompleted.rawValue), .text(EntryKind.switchResolved.rawValue)]
        ).map(LedgerEntry.init(row:))
    }

    public func unresolvedSwitchSeqs() throws -> [Int64] {
        let statement = try connection.prepare(
            """
            SELECT r.seq FROM entries r
            WHERE r.kind = ?1
              AND NOT EXISTS (SELECT 1 FROM entries c WHERE c.ref_seq = r.seq AND c.kind IN (?2, ?3))
            ORDER BY r.seq
            """, context: "finding unresolved switches")
        try statement.bind([
            .text(EntryKind.switchRequested.rawValue), .text(EntryKind.switchCompleted.rawValue), .text(EntryKind.switchResolved.rawValue),
        ])
        var seqs: [Int64] = []
        while try statement.step(context: "finding unresolved switches") { seqs.append(statement.int64(at: 0)) }
        return seqs
    }

    public func keyUsage() throws -> [KeyUsage] {
        try connection.rows(
            "SELECT key_id, min(seq) AS first, max(seq) AS last, count(*) AS n FROM entries GROUP BY key_id ORDER BY first"
        ).map {
            KeyUsage(keyID: $0["key_id"]?.text ?? "?", firstSeq: $0["first"]?.integer ?? 0, lastSeq: $0["last"]?.integer ?? 0, rows: $0["n"]?.integer ?? 0)
        }
    }
}
