import Foundation

/// The PostgreSQL adapter of the storage port: the only place (with its `+…` extension files and
/// the `PostgreSQL*` files beside it) where the PostgreSQL backend's SQL is written.
///
/// One instance wraps one libpq connection; use it from one thread at a time. Concurrent writers
/// (processes, machines) are safe: every append runs in a transaction that first takes a
/// transaction-scoped advisory lock (`appendLockKey`), then reads the head and inserts seq = head + 1;
/// the primary key on seq and `UNIQUE (prev_mac)` are the backstops. A sequence is never used: it
/// would leave gaps.
public final class PostgreSQLLedgerStorage: LedgerStorage {
    /// The connection. Internal: callers outside the adapter go through the storage port.
    let connection: PostgreSQLConnection
    /// The database, without its password.
    public let location: String
    /// `session_user`, read once when connecting: the `db_role` of every row this connection writes.
    public let writerRole: String?

    /// The advisory lock every append holds (`pg_advisory_xact_lock`): one ledger per database, so
    /// one constant key ("mledger" in ASCII).
    static let appendLockKey: Int64 = 0x6D6C_6564_6765_7200
    /// The advisory lock migrations hold.
    static let migrationLockKey: Int64 = 0x6D6C_6564_6765_7201
    /// How many times a write transaction runs when PostgreSQL reports a serialization failure, a
    /// deadlock, a unique violation or a lost connection before anything was committed.
    static let writeAttempts = 4

    init(connection: PostgreSQLConnection, writerRole: String?) {
        self.connection = connection
        self.location = connection.description
        self.writerRole = writerRole
    }

    // MARK: Creating and opening

    /// Creates the ledger schema (every migration of `migrations/postgresql/`) in the existing
    /// database at `url`, which must hold no ledger: `LedgerError.ledgerExists` when its `entries`
    /// table holds rows. Run it as the role that is to own the tables (docs/postgresql.md).
    public static func create(url: String) throws -> PostgreSQLLedgerStorage {
        let connection = try PostgreSQLConnection(url: url)
        if try hasEntriesTable(connection),
            try connection.integer(PostgreSQLQuery("SELECT count(*) FROM (SELECT 1 FROM entries LIMIT 1) AS any_row"), context: "reading the database") ?? 0
                > 0
        {
            throw LedgerError.ledgerExists(path: connection.description)
        }
        try PostgreSQLMigrator.migrate(connection)
        return try PostgreSQLLedgerStorage(connection: connection, writerRole: sessionUser(connection))
    }

    /// Opens the ledger in the database at `url`. Writers apply pending migrations (which needs the
    /// owner's privileges only when one is pending); readers only check them.
    public static func open(url: String, writable: Bool) throws -> PostgreSQLLedgerStorage {
        let connection = try PostgreSQLConnection(url: url)
        guard try hasEntriesTable(connection) else {
            throw LedgerError.notALedger(path: connection.description, detail: "it has no entries table; create the ledger with `ledger init --db URL`")
        }
        if writable {
            try PostgreSQLMigrator.migrate(connection)
        } else {
            _ = try PostgreSQLMigrator.pending(in: connection)
        }
        return PostgreSQLLedgerStorage(connection: connection, writerRole: try sessionUser(connection))
    }

    static func hasEntriesTable(_ connection: PostgreSQLConnection) throws -> Bool {
        try connection.integer(
            PostgreSQLQuery("SELECT count(*) FROM pg_catalog.pg_tables WHERE tablename = 'entries' AND schemaname = current_schema()"),
            context: "reading the schema") ?? 0 > 0
    }

    static func sessionUser(_ connection: PostgreSQLConnection) throws -> String? {
        try connection.text(PostgreSQLQuery("SELECT session_user::text"), context: "reading the session's role")
    }

    // MARK: Transactions

    /// A read snapshot: `REPEATABLE READ READ ONLY` (verify, reports and exports see one state of
    /// the ledger while others append). A lost connection is re-established before the transaction
    /// starts, never in the middle of `body` (which may have produced output).
    public func readTransaction<T>(context: String, _ body: () throws -> T) throws -> T {
        if connection.inTransaction { return try body() }
        try reconnectIfNeeded()
        var started = false
        do {
            return try connection.transaction(begin: Self.beginRead, context: context) {
                started = true
                return try body()
            }
        } catch let error as PostgreSQLError where error.code == .connection && !started {
            // The connection was gone before the snapshot began (the server restarted, or an idle
            // connection was closed): reconnect once and start again; `body` had not run.
            try connection.reset()
            return try connection.transaction(begin: Self.beginRead, context: context, body)
        }
    }

    static let beginRead = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"

    /// `READ COMMITTED` with the append lock: the lock serialises appends, so the head the engine
    /// reads under it is the newest committed one. A serialization failure, deadlock, unique
    /// violation or lost connection before COMMIT rolls back and runs `body` again (nothing was
    /// committed, so running it again is safe); a connection lost during COMMIT is not retried
    /// (the outcome is unknown) and surfaces as an error.
    public func writeTransaction<T>(context: String, _ body: () throws -> T) throws -> T {
        if connection.inTransaction { return try body() }
        var attempt = 0
        while true {
            attempt += 1
            do {
                try reconnectIfNeeded()
                return try connection.transaction(begin: "BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE", context: context) {
                    try connection.run(PostgreSQLQuery("SELECT pg_advisory_xact_lock(\(Self.appendLockKey))"), context: "waiting for the ledger's write lock")
                    return try body()
                }
            } catch let error as PostgreSQLError where attempt < Self.writeAttempts && Self.isRetryable(error) {
                // Back off a little (jittered), then run the transaction again.
                usleep(UInt32.random(in: 1_000...20_000) * UInt32(attempt))
                continue
            }
        }
    }

    static func isRetryable(_ error: PostgreSQLError) -> Bool {
        error.code == .retryable || error.code == .uniqueViolation || error.code == .connection
    }

    private func reconnectIfNeeded() throws {
        if !connection.isHealthy { try connection.reset() }
    }

    // MARK: Rows

    /// The columns an entry is stored in (`LedgerEntry.allColumns`), in order.
    static let insertSQL: String = {
        let names = LedgerEntry.allColumns.joined(separator: ", ")
        let params = (1...LedgerEntry.allColumns.count).map { "$\($0)" }.joined(separator: ", ")
        return "INSERT INTO entries (\(names)) VALUES (\(params))"
    }()

    /// Stores one signed entry exactly as it is (inside `writeTransaction`): also the path of
    /// `ledger copy`, which inserts already-signed rows verbatim (the `db_role` trigger lets only the
    /// table's owner insert a row that another role wrote).
    public func insert(_ entry: LedgerEntry) throws {
        try connection.run(PostgreSQLQuery(Self.insertSQL, entry.storedValues), context: "appending to the ledger")
    }

    /// Rows per multi-row INSERT of `insert(contentsOf:)` (26 parameters each: well below
    /// PostgreSQL's 65,535 parameters per statement).
    static let bulkRows = 500

    /// Stores signed entries as they are, in order, `bulkRows` per statement (inside `writeTransaction`).
    public func insert(contentsOf entries: [LedgerEntry]) throws {
        let width = LedgerEntry.allColumns.count
        let names = LedgerEntry.allColumns.joined(separator: ", ")
        var start = 0
        while start < entries.count {
            let chunk = entries[start..<min(start + Self.bulkRows, entries.count)]
            start += chunk.count
            var query = PostgreSQLQuery("INSERT INTO entries (\(names)) VALUES ")
            var rows: [String] = []
            rows.reserveCapacity(chunk.count)
            for entry in chunk {
                let values = entry.storedValues
                precondition(values.count == width, "storedValues matches allColumns")
                rows.append("(" + values.map { query.bind($0) }.joined(separator: ", ") + ")")
            }
            query.append(rows.joined(separator: ", "))
            try connection.run(query, context: "appending to the ledger")
        }
    }

    public func firstLedgerID() throws -> String? {
        try connection.text(PostgreSQLQuery("SELECT ledger_id FROM entries ORDER BY seq LIMIT 1"), context: "reading the ledger")
    }

    /// Entries of a `SELECT *` result.
    static func entries(_ result: PostgreSQLResult) throws -> [LedgerEntry] {
        try (0..<result.rowCount).map { try LedgerEntry(row: result.row($0)) }
    }

    public func entry(seq: Int64) throws -> LedgerEntry? {
        try Self.entries(connection.run(PostgreSQLQuery("SELECT * FROM entries WHERE seq = $1", [.integer(seq)]), context: "reading an entry")).first
    }

    public func head() throws -> LedgerEntry? {
        try Self.entries(connection.run(PostgreSQLQuery("SELECT * FROM entries ORDER BY seq DESC LIMIT 1"), context: "reading the ledger's head")).first
    }

    public func forEachEntry(matching filter: EntryFilter, _ body: (LedgerEntry) throws -> Void) throws {
        var conditions = PostgreSQLConditions()
        conditions.add("kind", .equals, filter.kind.map { .text($0.rawValue) })
        conditions.add("model", .equals, filter.model.map { .text($0) })
        conditions.add("seq", .atMost, filter.toSeq.map { .integer($0) })
        var query = conditions.query("SELECT * FROM entries \(conditions.whereClause) ORDER BY seq")
        if let limit = filter.lastN {
            // The newest N, returned oldest first.
            query = conditions.query("SELECT * FROM (SELECT * FROM entries \(conditions.whereClause) ORDER BY seq DESC LIMIT ")
            let placeholder = query.bind(.integer(Int64(max(0, limit))))
            query.append("\(placeholder)) AS newest ORDER BY seq")
        }
        try connection.forEachBatch(query, context: "listing entries") { batch in
            for row in 0..<batch.rowCount { try body(try LedgerEntry(row: batch.row(row))) }
            return true
        }
    }

    public func completions(of seq: Int64) throws -> [LedgerEntry] {
        try Self.entries(
            connection.run(
                PostgreSQLQuery(
                    "SELECT * FROM entries WHERE ref_seq = $1 AND kind IN ($2, $3) ORDER BY seq",
                    [.integer(seq), .text(EntryKind.switchCompleted.rawValue), .text(EntryKind.switchResolved.rawValue)]),
                context: "reading a switch's completions"))
    }

    public func conflictingCompletions() throws -> [ConflictingCompletions] {
        // As in SQLite: every disagreement involves a `switch.resolved` entry; start from those.
        let result = try connection.run(
            PostgreSQLQuery(
                """
                SELECT ref_seq, seq, kind, outcome FROM entries
                WHERE ref_seq IN (SELECT r.ref_seq FROM entries AS r
                                  WHERE r.kind = $2 AND r.ref_seq IS NOT NULL
                                    AND EXISTS (SELECT 1 FROM entries AS c
                                                WHERE c.ref_seq = r.ref_seq AND c.kind IN ($1, $2) AND c.seq <> r.seq
                                                  AND coalesce(c.outcome, ''::bytea) <> coalesce(r.outcome, ''::bytea)))
                  AND kind IN ($1, $2)
                ORDER BY ref_seq, seq
                """,
                [.text(EntryKind.switchCompleted.rawValue), .text(EntryKind.switchResolved.rawValue)]),
            context: "looking for conflicting completions")
        var conflicts: [ConflictingCompletions] = []
        for row in 0..<result.rowCount {
            guard let request = result.optionalInt64(row, 0), let seq = result.optionalInt64(row, 1) else { continue }
            let item = ConflictingCompletions.Completion(
                seq: seq, kind: EntryKind(rawValue: result.string(row, 2) ?? "?"), outcome: result.string(row, 3).map(Outcome.init(rawValue:)))
            if conflicts.last?.request == request {
                conflicts[conflicts.count - 1].completions.append(item)
            } else {
                conflicts.append(ConflictingCompletions(request: request, completions: [item]))
            }
        }
        return conflicts
    }

    private static let unresolvedCondition = """
        r.kind = $1
          AND NOT EXISTS (SELECT 1 FROM entries c WHERE c.ref_seq = r.seq AND c.kind IN ($2, $3))
        """
    private static let unresolvedArguments: [SQLValue] = [
        .text(EntryKind.switchRequested.rawValue), .text(EntryKind.switchCompleted.rawValue), .text(EntryKind.switchResolved.rawValue),
    ]

    public func unresolvedSwitches() throws -> [LedgerEntry] {
        try Self.entries(
            connection.run(
                PostgreSQLQuery("SELECT * FROM entries r WHERE \(Self.unresolvedCondition) ORDER BY r.seq", Self.unresolvedArguments),
                context: "finding unresolved switches"))
    }

    public func unresolvedSwitchSeqs() throws -> [Int64] {
        var seqs: [Int64] = []
        try connection.forEachBatch(
            PostgreSQLQuery("SELECT r.seq FROM entries r WHERE \(Self.unresolvedCondition) ORDER BY r.seq", Self.unresolvedArguments),
            context: "finding unresolved switches"
        ) { batch in
            for row in 0..<batch.rowCount { if let seq = batch.optionalInt64(row, 0) { seqs.append(seq) } }
            return true
        }
        return seqs
    }

    public func keyUsage() throws -> [KeyUsage] {
        let result = try connection.run(
            PostgreSQLQuery("SELECT key_id, min(seq) AS first, max(seq) AS last, count(*) AS n FROM entries GROUP BY key_id ORDER BY first"),
            context: "reading key usage")
        return (0..<result.rowCount).map {
            KeyUsage(
                keyID: result.string($0, 0) ?? "?", firstSeq: result.optionalInt64($0, 1) ?? 0, lastSeq: result.optionalInt64($0, 2) ?? 0,
                rows: result.optionalInt64($0, 3) ?? 0)
        }
    }
}

/// Applies and checks the migrations of `migrations/postgresql/`, each in its own transaction
/// holding an advisory lock, recorded in `schema_migrations` with the file's SHA-256 (the same
/// discipline as SQLite's `Migrator`).
enum PostgreSQLMigrator {
    static let bootstrapSQL = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version    bigint PRIMARY KEY,
            name       text NOT NULL,
            checksum   text NOT NULL,
            applied_at text NOT NULL
        )
        """

    /// What the database has recorded, checked against `known`; the migrations still to apply.
    static func pending(in connection: PostgreSQLConnection, known: [Migration] = Migration.postgresqlEmbedded) throws -> [Migration] {
        let hasTable =
            try connection.integer(
                PostgreSQLQuery("SELECT count(*) FROM pg_catalog.pg_tables WHERE tablename = 'schema_migrations' AND schemaname = current_schema()"),
                context: "reading the schema") ?? 0
        guard hasTable > 0 else { return known }
        let applied = try connection.run(PostgreSQLQuery("SELECT version, checksum FROM schema_migrations ORDER BY version"), context: "reading the schema")
        let newest = known.map(\.version).max() ?? 0
        var done = Set<Int>()
        for row in 0..<applied.rowCount {
            guard let version = applied.optionalInt64(row, 0).map(Int.init) else { continue }
            guard let migration = known.first(where: { $0.version == version }) else {
                throw LedgerError.schemaTooNew(path: connection.description, version: version, newestKnown: newest)
            }
            guard applied.string(row, 1) == migration.checksum else {
                throw LedgerError.migrationChanged(path: connection.description, version: version, name: migration.name)
            }
            done.insert(version)
        }
        return known.filter { !done.contains($0.version) }
    }

    /// Applies every pending migration in order.
    static func migrate(_ connection: PostgreSQLConnection, known: [Migration] = Migration.postgresqlEmbedded) throws {
        guard !(try pending(in: connection, known: known)).isEmpty else { return }
        for migration in known.sorted(by: { $0.version < $1.version }) {
            let context = "applying migration postgresql/\(migration.fileName)"
            try connection.transaction(begin: "BEGIN", context: context) {
                try connection.run(PostgreSQLQuery("SELECT pg_advisory_xact_lock(\(PostgreSQLLedgerStorage.migrationLockKey))"), context: context)
                try connection.execute(bootstrapSQL, context: "creating schema_migrations")
                // Another process may have applied it while we waited for the lock.
                guard try pending(in: connection, known: known).contains(migration) else { return }
                try connection.execute(migration.sql, context: context)
                var record = PostgreSQLQuery("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, ")
                record.append("convert_from($2, 'UTF8'), convert_from($3, 'UTF8'), convert_from($4, 'UTF8'))")
                try connection.run(
                    PostgreSQLQuery(
                        record.sql, [.integer(Int64(migration.version)), .text(migration.name), .text(migration.checksum), .text(Timestamp.now())]),
                    context: context)
            }
        }
    }
}
