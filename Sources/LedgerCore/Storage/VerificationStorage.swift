/// What verification, export, checkpoints and the writers' tail check read from a backend: the row
/// sources of the one chain checker (`ChainChecker`). Internal: a backend adapter lives in this
/// module (`Storage/<Backend>/`), next to the SQLite one.
protocol VerificationStorage: AnyObject {
    /// Streams the entries in seq order (only `range` when given) into `scan`, which applies the chain
    /// rules: the backend supplies rows that conform to `ChainCursor` and calls `scan.consume` until it
    /// returns false.
    func scanChain(range: ClosedRange<Int64>?, into scan: inout ChainScan) throws
    /// The mac of entry `seq`, nil when there is none (or it is not text).
    func mac(atSeq seq: Int64) throws -> String?
    /// The `recorded_at` of entry `seq`, nil when there is none.
    func recordedAt(seq: Int64) throws -> String?
    /// The highest seq, nil when the ledger holds no entries.
    func maxSeq() throws -> Int64?
    /// The seq and mac of the newest entry, nil when there is none.
    func headSeqAndMac() throws -> (seq: Int64, mac: String)?
    /// True when the backend's append-only guards are in place (SQLite: the two triggers on entries).
    func hasAppendOnlyTriggers() throws -> Bool
    /// The rows carrying the key lifecycle before `seq` (every row when nil): the first entry and the
    /// `key.rotated` entries, in seq order. Not verified here.
    func keyEventRows(before seq: Int64?) throws -> [ColumnRow]
    /// The newest two rows, newest first (every column), for the writers' tail check.
    func tailRows() throws -> [ColumnRow]
    /// The first and last seq at or below `headSeq` of the entries matching `selection`, nil when none does.
    func exportBounds(of selection: ExportSelection, upTo headSeq: Int64) throws -> (first: Int64, last: Int64)?
    /// Calls `body` with every row (every column) whose seq is in `range`, in seq order, streaming.
    func forEachRow(in range: ClosedRange<Int64>, context: String, _ body: (ColumnRow) throws -> Void) throws
}

/// Everything the engine needs from one backend.
typealias LedgerBackend = LedgerStorage & ReportStorage & TreeStorage & VerificationStorage
