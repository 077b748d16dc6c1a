/// The storage port: what the ledger engine (`LedgerStore`) needs from a backend.
///
/// The engine owns every rule (signing, the chain checks before an append, the append lifecycle);
/// a backend only stores rows and answers a few indexed questions about them. SQLite
/// (`SQLiteLedgerStorage`) is the first adapter; every SQL string of a backend lives in its adapter.
///
/// Adding a backend: implement this protocol (and the report and verification reads it refines,
/// once composed), give it the schema of `migrations/<backend>/`, and open a `LedgerStore` over it.
public protocol LedgerStorage: AnyObject {
    /// Where the ledger lives, for messages and for files kept beside it (a file path, a database name).
    var location: String { get }

    /// The database role this connection writes as, recorded in each new entry's `db_role` before
    /// signing (PostgreSQL: `session_user`, read once per connection); nil for a backend without
    /// roles (SQLite), whose rows leave the column NULL.
    var writerRole: String? { get }

    /// Runs `body` on one consistent snapshot of the ledger (a read transaction).
    func readTransaction<T>(context: String, _ body: () throws -> T) throws -> T

    /// Runs `body` holding the ledger's write lock (one writer at a time, across processes), committing
    /// when it returns and rolling back when it throws.
    func writeTransaction<T>(context: String, _ body: () throws -> T) throws -> T

    /// Stores one signed entry (inside `writeTransaction`). The backend refuses a second row with a seq
    /// it already holds.
    func insert(_ entry: LedgerEntry) throws

    /// Stores signed entries as they are, in order (inside `writeTransaction`): the bulk path of
    /// `ledger copy`. A backend may send them in fewer round trips (PostgreSQL: multi-row INSERTs);
    /// the default inserts them one by one.
    func insert(contentsOf entries: [LedgerEntry]) throws

    /// The `ledger_id` of the first entry, or nil when the ledger holds none.
    func firstLedgerID() throws -> String?

    /// The entry with `seq`, if any.
    func entry(seq: Int64) throws -> LedgerEntry?

    /// The newest entry, if any.
    func head() throws -> LedgerEntry?

    /// Calls `body` for each entry matching `filter`, in ascending seq order, streaming.
    func forEachEntry(matching filter: EntryFilter, _ body: (LedgerEntry) throws -> Void) throws

    /// The `switch.completed` and `switch.resolved` entries that refer to request `seq`, oldest first.
    func completions(of seq: Int64) throws -> [LedgerEntry]

    /// Completions of one request that disagree, grouped by request (see `LedgerStore.conflictingCompletions()`).
    func conflictingCompletions() throws -> [ConflictingCompletions]

    /// `switch.requested` entries with no completion, oldest first.
    func unresolvedSwitches() throws -> [LedgerEntry]

    /// The seqs of those entries (no row is decoded: a ledger may hold very many).
    func unresolvedSwitchSeqs() throws -> [Int64]

    /// Rows signed by each key id, in order of first use.
    func keyUsage() throws -> [KeyUsage]
}

extension LedgerStorage {
    public func insert(contentsOf entries: [LedgerEntry]) throws {
        for entry in entries { try insert(entry) }
    }
}

/// The completions of one `switch.requested` entry that disagree.
public struct ConflictingCompletions: Sendable, Equatable {
    /// One completion: its seq, kind and outcome.
    public struct Completion: Sendable, Equatable {
        public var seq: Int64
        public var kind: EntryKind
        /// Nil when the completion records no outcome.
        public var outcome: Outcome?
    }
    /// The request's seq.
    public var request: Int64
    /// Its completions, oldest first.
    public var completions: [Completion]
}

/// How many rows one key signed, and where.
public struct KeyUsage: Sendable, Equatable {
    public var keyID: String
    public var firstSeq: Int64
    public var lastSeq: Int64
    public var rows: Int64
}

/// Which entries to list.
public struct EntryFilter: Sendable, Equatable {
    /// Only this kind.
    public var kind: EntryKind?
    /// Only this model.
    public var model: String?
    /// Only entries up to this seq.
    public var toSeq: Int64?
    /// Only the newest N matching entries (still returned oldest first).
    public var lastN: Int?

    /// Everything.
    public init() {}
}
