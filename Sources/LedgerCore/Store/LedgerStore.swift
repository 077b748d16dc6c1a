import Foundation

/// A ledger database: creating, opening, appending signed entries and reading them back.
///
/// One instance wraps one SQLite connection; use it from one thread at a time.
/// Concurrent processes are safe: every append runs in `BEGIN IMMEDIATE`, so the
/// chain stays linear.
public final class LedgerStore {
    /// The database file.
    public let path: String
    /// The ledger's id (from its first entry).
    public let ledgerID: String
    /// The storage adapter (SQLite).
    public let storage: SQLiteLedgerStorage
    /// The underlying connection (for verification and reports, until they go through the storage port).
    public var connection: SQLiteConnection { storage.connection }
    private var insertStatement: SQLiteStatement?
    /// Where this installation remembers how far it has verified this ledger (see `VerifiedMark`).
    /// When set, every append first verifies, with the one chain checker, every entry written
    /// since the mark (all of them the first time), inside the append's transaction; a ledger
    /// with an altered, inserted, removed or reordered entry anywhere after the mark is never
    /// extended. When nil, appends check the newest entry only.
    public var verifiedMarkPath: String?

    /// The format version this library writes.
    public static let formatVersion: Int64 = 1
    /// 64 zeros: `prev_mac` of the first entry.
    public static let zeroMac = String(repeating: "0", count: 64)

    private init(path: String, connection: SQLiteConnection, ledgerID: String) {
        self.path = path
        self.storage = SQLiteLedgerStorage(path: path, connection: connection)
        self.ledgerID = ledgerID
    }

    /// Creates a new ledger at `path` and writes its first entry (`ledger.created`).
    ///
    /// Refuses to touch an existing file.
    public static func create(
        path: String, keyRing: KeyRing, provenance: Provenance, details: [String: JSONValue] = [:]
    ) throws -> (LedgerStore, LedgerEntry) {
        try create(path: path, provenance: provenance, details: details, keyRing: { keyRing })
    }

    /// Creates a new ledger at `path`, claiming the path first, and only then asks for the key ring
    /// (so that `ledger init` creates a key file only once the path is its own).
    ///
    /// The database file is created with `O_CREAT | O_EXCL` (mode 0600) before SQLite opens it: of
    /// two processes creating the same ledger at once, exactly one wins and the other gets
    /// `LedgerError.ledgerExists`. When creation fails after the claim, the claimed file is removed.
    public static func create(
        path: String, provenance: Provenance, details: [String: JSONValue] = [:], keyRing makeKeyRing: () throws -> KeyRing
    ) throws -> (LedgerStore, LedgerEntry) {
        var claimed = false
        do {
            if FileManager.default.fileExists(atPath: path) { throw LedgerError.ledgerExists(path: path) }
            try KeyFile.ensureParentDirectory(of: path, mode: 0o700)
            #if canImport(Glibc)
            let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            #else
            let fd = Darwin.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            #endif
            guard fd >= 0 else {
                if errno == EEXIST { throw LedgerError.ledgerExists(path: path) }
                throw LedgerError.io(path: path, reason: "cannot create the database file: \(String(cString: strerror(errno)))")
            }
            close(fd)
            claimed = true
            let keyRing = try makeKeyRing()
            let connection = try SQLiteConnection(path: path, mode: .create)
            try connection.execute("PRAGMA journal_mode = WAL", context: "enabling WAL")
            try Migrator.migrate(connection)
            let ledgerID = UUID().uuidString.lowercased()
            let store = LedgerStore(path: path, connection: connection, ledgerID: ledgerID)
            var draft = EntryDraft(kind: EntryKind.ledgerCreated)
            var facts = details
            facts["format_version"] = .integer(formatVersion)
            draft.details = facts
            let first = try store.append(draft, keyRing: keyRing, provenance: provenance)
            return (store, first)
        } catch {
            if claimed {
                for suffix in ["", "-wal", "-shm", "-journal"] { unlink(path + suffix) }
            }
            throw LedgerError.wrap(error)
        }
    }

    /// Opens an existing ledger. Writers apply pending migrations; readers only check them.
    public static func open(path: String, writable: Bool) throws -> LedgerStore {
        do {
            guard FileManager.default.fileExists(atPath: path) else { throw LedgerError.noLedger(path: path) }
            let connection: SQLiteConnection
            do {
                connection = try SQLiteConnection(path: path, mode: writable ? .readWrite : .readOnly)
                _ = try connection.scalar("SELECT count(*) FROM sqlite_master")
            } catch let error as SQLiteError where error.isNotADatabase {
                throw LedgerError.notALedger(path: path, detail: "not a SQLite database, or a damaged one")
            }
            let hasEntries = try connection.scalar(
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
            guard let ledgerID = try connection.scalar(
                "SELECT ledger_id FROM entries ORDER BY seq LIMIT 1"
            ).text else {
                throw LedgerError.notALedger(path: path, detail: "it holds no entries")
            }
            return LedgerStore(path: path, connection: connection, ledgerID: ledgerID)
        } catch {
            throw LedgerError.wrap(error)
        }
    }

    // MARK: Appending

    /// Appends one signed entry and returns it as stored.
    ///
    /// Runs in `BEGIN IMMEDIATE`: reads the tail, checks that it verifies (fail closed: a
    /// tampered tail is never extended), then inserts the new row linked to it. The entry
    /// is durable (WAL, `synchronous=FULL`) when this returns.
    public func append(_ draft: EntryDraft, keyRing: KeyRing, provenance: Provenance) throws -> LedgerEntry {
        // One draft in, one entry out.
        try append(contentsOf: [draft], keyRing: keyRing, provenance: provenance)[0]
    }

    /// Appends several entries in one transaction (one tail check, one commit): the same code
    /// path as single appends, for bulk writers and benchmarks.
    public func append(
        contentsOf drafts: [EntryDraft], keyRing: KeyRing, provenance: Provenance, signingKey: SigningKey? = nil,
        prepare: ((LedgerStore, [EntryDraft]) throws -> [EntryDraft])? = nil
    ) throws -> [LedgerEntry] {
        guard !drafts.isEmpty else { return [] }
        let original = drafts
        do {
            let key = signingKey ?? keyRing.active
            let written = try connection.transaction(context: "appending to the ledger") {
                var tail = try checkBeforeAppend(keyRing: keyRing, signingKey: key)
                // The caller's own rule (e.g. "this switch is still unresolved"), under the write lock;
                // it may complete the drafts from what it read.
                let drafts: [EntryDraft]
                do {
                    drafts = try prepare?(self, original) ?? original
                } catch {
                    throw PrepareFailure(error: error)
                }
                let hmac = try HMACSHA256(key: key.bytes)
                var written: [LedgerEntry] = []
                written.reserveCapacity(drafts.count)
                for draft in drafts {
                    var entry = LedgerEntry(
                        draft: draft, seq: (tail?.seq ?? 0) + 1, ledgerID: ledgerID, recordedAt: Timestamp.now(),
                        provenance: provenance, keyID: key.id, prevMac: tail?.mac ?? LedgerStore.zeroMac)
                    entry.mac = try hmac.authenticateHex(SignedPayload.bytes(of: entry.columnValues))
                    try insert(entry)
                    tail = (entry.seq, entry.mac)
                    written.append(entry)
                }
                return written
            }
            if let markPath = verifiedMarkPath, let last = written.last {
                VerifiedMark(ledgerID: ledgerID, seq: last.seq, mac: last.mac).save(path: markPath)
            }
            return written
        } catch let failure as PrepareFailure {
            // The caller's own refusal reaches it unchanged.
            throw failure.error
        } catch {
            throw LedgerError.wrap(error)
        }
    }

    /// Carries an error thrown by an append's `prepare` out of the transaction unchanged.
    private struct PrepareFailure: Error { let error: any Error }

    /// Rotates the signing key: appends a fresh key to the key file (old keys stay, for
    /// verification), then records `key.rotated`, signed by the old key and naming the new one.
    /// Entries written afterwards are signed by the new key.
    ///
    /// The key file is replaced first (atomically), so a crash can never leave an entry that
    /// announces a key the file does not hold.
    public func rotateKey(keyFilePath: String, provenance: Provenance, reason: String?) throws -> (old: SigningKey, new: SigningKey, entry: LedgerEntry) {
        let before = try KeyFile.load(path: keyFilePath)
        // Refuses a key file whose last key was never announced (a hand edit, or a rotation that
        // stopped between replacing the file and writing its entry): the operator removes that line.
        try checkWritable(keyRing: before)
        let signer = before.active
        let (after, newKey) = try KeyFile.appendNewKey(path: keyFilePath)
        var draft = EntryDraft(kind: EntryKind.keyRotated)
        draft.reason = reason
        draft.details = ["new_key_id": .string(newKey.id), "old_key_id": .string(signer.id)]
        let entry = try append(contentsOf: [draft], keyRing: after, provenance: provenance, signingKey: signer)[0]
        return (signer, newKey, entry)
    }

    /// Rows signed by each key id: first and last seq and count, in order of first use.
    public func keyUsage() throws -> [(keyID: String, firstSeq: Int64, lastSeq: Int64, rows: Int64)] {
        do {
            return try connection.rows(
                "SELECT key_id, min(seq) AS first, max(seq) AS last, count(*) AS n FROM entries GROUP BY key_id ORDER BY first"
            ).map { ($0["key_id"]?.text ?? "?", $0["first"]?.integer ?? 0, $0["last"]?.integer ?? 0, $0["n"]?.integer ?? 0) }
        } catch {
            throw LedgerError.wrap(error)
        }
    }

    /// Checks, before anything is sent to the service, that this ledger may be written with
    /// `keyRing`: what `append` checks (the newest entry, every entry since the verified mark,
    /// an announced signing key). Throws what `append` would.
    public func checkWritable(keyRing: KeyRing) throws {
        do {
            let head = try connection.transaction(immediate: false, context: "checking the ledger") {
                try checkBeforeAppend(keyRing: keyRing, signingKey: keyRing.active, underWriteLock: false)
            }
            if let markPath = verifiedMarkPath, let head {
                VerifiedMark(ledgerID: ledgerID, seq: head.seq, mac: head.mac).save(path: markPath)
            }
        } catch {
            throw LedgerError.wrap(error)
        }
    }

    private func insert(_ entry: LedgerEntry) throws {
        if insertStatement == nil {
            let names = LedgerEntry.columns.joined(separator: ", ")
            let params = (1...LedgerEntry.columns.count).map { "?\($0)" }.joined(separator: ", ")
            insertStatement = try connection.prepare("INSERT INTO entries (\(names)) VALUES (\(params))")
        }
        try insertStatement?.run(entry.columnValues.map(\.value), context: "appending to the ledger")
    }

    // MARK: Reading

    /// The entry with `seq`, if any.
    public func entry(seq: Int64) throws -> LedgerEntry? {
        do {
            return try connection.rows("SELECT * FROM entries WHERE seq = ?1", [.integer(seq)]).first.map(LedgerEntry.init(row:))
        } catch {
            throw LedgerError.wrap(error)
        }
    }

    /// The newest entry.
    public func head() throws -> LedgerEntry? {
        do {
            return try connection.rows("SELECT * FROM entries ORDER BY seq DESC LIMIT 1").first.map(LedgerEntry.init(row:))
        } catch {
            throw LedgerError.wrap(error)
        }
    }

    /// Calls `body` for each entry matching `filter`, in ascending seq order, streaming from the database.
    public func forEachEntry(matching filter: EntryFilter, _ body: (LedgerEntry) throws -> Void) throws {
        do {
            var conditions: [String] = []
            var arguments: [SQLValue] = []
            func add(_ sql: String, _ value: SQLValue) {
                arguments.append(value)
                conditions.append(sql.replacingOccurrences(of: "?", with: "?\(arguments.count)"))
            }
            if let kind = filter.kind { add("kind = ?", .text(kind)) }
            if let model = filter.model { add("model = ?", .text(model)) }
            if let actor = filter.actor { add("actor = ?", .text(actor)) }
            if let job = filter.retrainJobID { add("retrain_job_id = ?", .text(job)) }
            if let outcome = filter.outcome { add("outcome = ?", .text(outcome)) }
            if let since = filter.since { add("recorded_at >= ?", .text(since)) }
            if let until = filter.until { add("recorded_at <= ?", .text(until)) }
            if let from = filter.fromSeq { add("seq >= ?", .integer(from)) }
            if let to = filter.toSeq { add("seq <= ?", .integer(to)) }
            let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            var sql = "SELECT * FROM entries \(whereClause) ORDER BY seq"
            if let limit = filter.lastN {
                // The newest N, returned oldest first.
                sql = "SELECT * FROM (SELECT * FROM entries \(whereClause) ORDER BY seq DESC LIMIT \(max(0, limit))) ORDER BY seq"
            }
            let statement = try connection.prepare(sql)
            try statement.bind(arguments)
            while try statement.step() {
                try body(try LedgerEntry(row: statement.row()))
            }
        } catch {
            throw LedgerError.wrap(error)
        }
    }

    /// The `switch.completed` and `switch.resolved` entries that refer to request `seq`, oldest first.
    public func completions(of seq: Int64) throws -> [LedgerEntry] {
        do {
            return try connection.rows(
                "SELECT * FROM entries WHERE ref_seq = ?1 AND kind IN (?2, ?3) ORDER BY seq",
                [.integer(seq), .text(EntryKind.switchCompleted), .text(EntryKind.switchResolved)]
            ).map(LedgerEntry.init(row:))
        } catch {
            throw LedgerError.wrap(error)
        }
    }

    /// Requests whose completions disagree: a `switch.resolved` and another completion of the same
    /// request with a different outcome (e.g. an operator resolved a switch as failed, then its
    /// writer recorded that it succeeded). Reports, history and `verify` show these instead of picking one.
    public func conflictingCompletions() throws -> [(request: Int64, completions: [(seq: Int64, kind: String, outcome: String)])] {
        do {
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
                [.text(EntryKind.switchCompleted), .text(EntryKind.switchResolved)],
                context: "looking for conflicting completions")
            var result: [(request: Int64, completions: [(seq: Int64, kind: String, outcome: String)])] = []
            for row in rows {
                guard let request = row["ref_seq"]?.integer, let seq = row["seq"]?.integer else { continue }
                let item = (seq: seq, kind: row["kind"]?.text ?? "?", outcome: row["outcome"]?.text ?? "none")
                if result.last?.request == request {
                    result[result.count - 1].completions.append(item)
                } else {
                    result.append((request, [item]))
                }
            }
            return result
        } catch {
            throw LedgerError.wrap(error)
        }
    }

    /// `switch.requested` entries with no `switch.completed` or `switch.resolved` that refers to them.
    public func unresolvedSwitches() throws -> [LedgerEntry] {
        do {
            return try connection.rows(
                """
                SELECT * FROM entries r
                WHERE r.kind = 'switch.requested'
                  AND NOT EXISTS (SELECT 1 FROM entries c WHERE c.ref_seq = r.seq
                                  AND c.kind IN ('switch.completed', 'switch.resolved'))
                ORDER BY r.seq
                """
            ).map(LedgerEntry.init(row:))
        } catch {
            throw LedgerError.wrap(error)
        }
    }
}

/// Which entries to list.
public struct EntryFilter: Sendable, Equatable {
    public var kind: String?
    public var model: String?
    public var actor: String?
    public var retrainJobID: String?
    public var outcome: String?
    /// Inclusive lower bound on `recorded_at` (RFC 3339 text, compared as text: both sides are UTC with `Z`).
    public var since: String?
    /// Inclusive upper bound on `recorded_at`.
    public var until: String?
    public var fromSeq: Int64?
    public var toSeq: Int64?
    /// Only the newest N matching entries (still returned oldest first).
    public var lastN: Int?

    /// Everything.
    public init() {}
}
