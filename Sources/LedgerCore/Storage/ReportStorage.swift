/// What `report`, `report --as-of` and `history` read from storage: a read snapshot and the few
/// indexed queries the report algorithms need, with typed inputs and outputs.
///
/// The algorithms (`ReportBuilder`, `AsOfQuery`, `SwitchHistory`) work on these rows only; how a
/// backend finds them (SQL, index hints) stays in its adapter (`SQLiteLedgerStorage+Reports.swift`).
public protocol ReportStorage: AnyObject {
    /// Runs `body` inside one read snapshot (a consistent view while others append), with a reader
    /// of that snapshot. `context` names the work in error messages (`reading the ledger for a report`).
    func readingReports<T>(context: String, _ body: (any ReportReader) throws -> T) throws -> T

    /// True when the storage has everything that makes the report queries fast (for SQLite: the
    /// indexes of migration 0003); without it the answers are the same, only slower.
    func hasReportIndexes() throws -> Bool
}

/// The report queries over one read snapshot (from `ReportStorage.readingReports`). Every query
/// covers only the entries up to a head seq, its `bound`.
public protocol ReportReader: AnyObject {
    /// True when the queries run on the report indexes (see `ReportStorage.hasReportIndexes`).
    var hasReportIndexes: Bool { get }

    /// The newest entry with seq ≤ `bound`; nil when there is none.
    func head(atMost bound: Int64) throws -> ReportHead?

    /// The `switch.requested` entries in `scope`, each joined with its completions (`switch.completed`,
    /// `switch.resolved`), in order of request time then seq: one row per request and completion, one
    /// row with no completion for a request that has none. With `requestTimes`, rows carry the
    /// request's time in milliseconds.
    ///
    /// A cursor rather than a callback: this is the one query that reads every switch in scope, and
    /// the report's loop over it keeps its state in plain local variables.
    func switchRows(in scope: SwitchScope, requestTimes: Bool) throws -> any SwitchRowCursor

    /// The same rows as `switchRows`, each as a switch with every request and completion fact.
    func forEachSwitchRecord(in scope: SwitchScope, _ body: (SwitchRecord) throws -> Void) throws

    /// `recorded_at` of each entry in `seqs` (entries that do not exist are absent).
    func recordedAt(seqs: [Int64]) throws -> [Int64: String]

    /// The entries of `kind` with seq ≤ `bound` in the period (and by `actor`, when given), by seq.
    func events(kind: EntryKind, since: String?, until: String?, actor: String?, bound: Int64) throws -> [LedgerEntry]

    /// Every model named by a switch request with seq ≤ `bound`, sorted.
    func switchedModels(bound: Int64) throws -> [String]

    /// The succeeded completions of `model` recorded at or before `time` (seq ≤ `bound`), newest
    /// first (by time, then seq). `body` returns false to stop.
    func forEachSuccess(
        model: String, atOrBefore time: String, bound: Int64, _ body: (SuccessRow) throws -> Bool
    ) throws

    /// The requests of `model` (seq ≤ `bound`) recorded at or before `time`, at or after
    /// `after.recordedAt` and with a seq above `after.seq`, each joined with its completions (seq ≤
    /// `bound`; one row per completion, one row with none when there is none), in order of request
    /// time then seq.
    func pendingRows(
        model: String, atOrBefore time: String, after: (recordedAt: String, seq: Int64), bound: Int64
    ) throws -> [PendingRow]

    /// seq of the first completion of request `request` with seq ≤ `bound`, if any.
    func firstCompletion(of request: Int64, bound: Int64) throws -> Int64?

    /// The entries of the approval workflow (`EntryKind.approvalKinds`: `policy.set`,
    /// `switch.proposed`, `switch.approved`, `switch.declined`, `switch.reviewed`) with seq ≤ `bound`,
    /// by seq. None in a ledger that never used approvals (an index range that is empty).
    func approvalEntries(bound: Int64) throws -> [LedgerEntry]

    /// seq and `details` of every `switch.requested` with `after` < seq ≤ `bound`, by seq: where a
    /// request names its proposal, its approvals, the emergency flag and what it rolled back.
    func requestDetails(after: Int64, bound: Int64) throws -> [RequestDetailsRow]
}

/// One row of `ReportReader.requestDetails`.
public struct RequestDetailsRow: Sendable, Equatable {
    /// seq of the `switch.requested` entry.
    public var seq: Int64
    /// Its `details` (canonical JSON text), nil when it has none.
    public var details: String?

    public init(seq: Int64, details: String?) {
        self.seq = seq
        self.details = details
    }
}

/// The rows of `ReportReader.switchRows`, read one at a time (valid within the reader's snapshot).
public protocol SwitchRowCursor: AnyObject {
    /// The next row, nil after the last.
    func next() throws -> SwitchRow?
}

/// The newest entry a report covers.
public struct ReportHead: Sendable, Equatable {
    public var seq: Int64
    public var mac: String
    public var recordedAt: String

    public init(seq: Int64, mac: String, recordedAt: String) {
        self.seq = seq
        self.mac = mac
        self.recordedAt = recordedAt
    }
}

/// Which switch requests a query covers: seq ≤ `bound`, and every filter given (AND).
public struct SwitchScope: Sendable, Equatable {
    /// The newest entry covered (the snapshot's head seq).
    public var bound: Int64
    /// Only requests of this model.
    public var model: String?
    /// Inclusive bounds on the request's `recorded_at`, in the ledger's normal form.
    public var since: String?
    public var until: String?
    /// Only requests by this actor.
    public var actor: String?

    public init(bound: Int64, model: String? = nil, since: String? = nil, until: String? = nil, actor: String? = nil) {
        self.bound = bound
        self.model = model
        self.since = since
        self.until = until
        self.actor = actor
    }

    /// The scope of `filter`'s period, model and actor.
    public init(bound: Int64, filter: ReportFilter) {
        self.init(bound: bound, model: filter.model, since: filter.since, until: filter.until, actor: filter.actor)
    }
}

/// One row of `ReportReader.switchRows`: a request and one of its completions (or none).
///
/// Texts that repeat from one row to the next (model, actor) may share their storage, so that
/// comparing them with the previous row's is cheap.
public struct SwitchRow: Sendable {
    /// seq of the `switch.requested` entry.
    public var requestSeq: Int64
    /// The request's time in milliseconds since the epoch (only when asked for, and when valid).
    public var requestedAtMilliseconds: Int64?
    /// The request's model, nil when it names none.
    public var model: String?
    /// The request's actor.
    public var actor: String?
    /// The completion on this row, nil when the request has none.
    public var completion: Completion?

    /// A completion's facts that the report counts.
    public struct Completion: Sendable {
        public var seq: Int64
        /// True for `switch.resolved`, false for `switch.completed`.
        public var isResolution: Bool
        public var outcome: SwitchOutcome
        /// The recorded error (nil when the outcome is succeeded: a report does not group successes).
        public var errorCode: String?
        public var errorMessage: String?

        public init(seq: Int64, isResolution: Bool, outcome: SwitchOutcome, errorCode: String?, errorMessage: String?) {
            self.seq = seq
            self.isResolution = isResolution
            self.outcome = outcome
            self.errorCode = errorCode
            self.errorMessage = errorMessage
        }
    }

    public init(requestSeq: Int64, requestedAtMilliseconds: Int64?, model: String?, actor: String?, completion: Completion?) {
        self.requestSeq = requestSeq
        self.requestedAtMilliseconds = requestedAtMilliseconds
        self.model = model
        self.actor = actor
        self.completion = completion
    }
}

/// One succeeded completion (`ReportReader.forEachSuccess`).
public struct SuccessRow: Sendable, Equatable {
    /// seq of the completion.
    public var completionSeq: Int64
    /// The request it refers to (`ref_seq`), if any.
    public var requestSeq: Int64?
    /// When the success was recorded.
    public var completedAt: String

    public init(completionSeq: Int64, requestSeq: Int64?, completedAt: String) {
        self.completionSeq = completionSeq
        self.requestSeq = requestSeq
        self.completedAt = completedAt
    }
}

/// One row of `ReportReader.pendingRows`: a request and one of its completions (or none).
public struct PendingRow: Sendable, Equatable {
    public var requestSeq: Int64
    public var completionSeq: Int64?
    /// When that completion was recorded.
    public var completedAt: String?

    public init(requestSeq: Int64, completionSeq: Int64?, completedAt: String?) {
        self.requestSeq = requestSeq
        self.completionSeq = completionSeq
        self.completedAt = completedAt
    }
}
