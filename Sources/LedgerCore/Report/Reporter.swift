/// Answers reviewers' questions from a ledger: `report`, `report --as-of` and `history`.
///
/// Every answer is computed inside one read snapshot (a consistent view while others append) and
/// covers the entries up to one head seq: the verified head when the caller verified first, so
/// that the figures and the verification result describe the same entries.
///
/// The algorithms are in `ReportBuilder`, `AsOfQuery` and `SwitchHistory`; what they read comes
/// from the storage's `ReportStorage` queries (for SQLite, through the report indexes of migration
/// 0003; a ledger that predates the migration still gets correct answers, more slowly, and
/// `LedgerReport.usedReportIndexes` says so).
public struct Reporter {
    /// Tuning for `report`.
    public struct Options: Sendable {
        /// List at most this many switches (the newest in scope) in full; 0 lists every switch.
        public var switchLimit: Int = 100
        /// Collect every switch in scope as a timeline point (for the HTML timeline).
        public var includeTimeline = false

        public init(switchLimit: Int = 100, includeTimeline: Bool = false) {
            self.switchLimit = switchLimit
            self.includeTimeline = includeTimeline
        }
    }

    /// The ledger to read.
    public let store: LedgerStore
    /// Its report queries.
    let storage: any ReportStorage

    /// A reporter over `store` (use it from one thread at a time, like the store).
    public init(store: LedgerStore) {
        self.store = store
        self.storage = store.storage
    }

    /// Shown for a switch request that names no model.
    public static let noModel = "(no model)"

    /// True when the ledger has every index the reports use (migration 0003 applied).
    public func hasReportIndexes() throws -> Bool {
        do {
            return try storage.hasReportIndexes()
        } catch {
            throw LedgerError.wrap(error)
        }
    }

    /// Switch counts per model, per actor and per outcome, failures by reason, unresolved switches,
    /// key rotations and checkpoints, for the entries matching `filter`.
    public func report(
        filter: ReportFilter, verification: ReportVerification, options: Options = Options()
    ) throws -> LedgerReport {
        try reading("reading the ledger for a report") { reader in
            let snapshot = try snapshot(reader, verification: verification)
            let approvals = try ApprovalIndex(reader: reader, bound: snapshot.headSeq)
            return try ReportBuilder(reader: reader, loader: SwitchLoader(store: store, approvals: approvals), options: options)
                .report(snapshot: snapshot, verification: verification, filter: filter)
        }
    }

    /// Which retrain job was live for each model at `asOf` (normal form); see `AsOfReport.rule`.
    public func asOf(_ asOf: String, model: String?, verification: ReportVerification) throws -> AsOfReport {
        try reading("reading the ledger for a report") { reader in
            let snapshot = try snapshot(reader, verification: verification)
            var report = AsOfReport(snapshot: snapshot, verification: verification, asOf: asOf)
            let approvals = try ApprovalIndex(reader: reader, bound: snapshot.headSeq)
            report.models = try AsOfQuery(reader: reader, loader: SwitchLoader(store: store, approvals: approvals), bound: snapshot.headSeq)
                .answer(at: asOf, model: model)
            return report
        }
    }

    /// Every switch of `model` (in `filter`'s period), oldest first, and which one is live now.
    public func history(model: String, filter: ReportFilter, verification: ReportVerification) throws -> HistoryReport {
        try reading("reading the ledger for a history") { reader in
            let snapshot = try snapshot(reader, verification: verification)
            var scope = ReportFilter()
            scope.model = model
            scope.since = filter.since
            scope.until = filter.until
            var report = HistoryReport(snapshot: snapshot, verification: verification, model: model, filter: scope)
            let approvals = try ApprovalIndex(reader: reader, bound: snapshot.headSeq)
            report.switches = try SwitchHistory(reader: reader, approvals: approvals)
                .switches(in: SwitchScope(bound: snapshot.headSeq, filter: scope))
            let now = try AsOfQuery(reader: reader, loader: SwitchLoader(store: store, approvals: approvals), bound: snapshot.headSeq)
                .liveModel(model, at: Self.endOfTime)
            report.liveRequestSeq = now.live?.requestSeq
            return report
        }
    }

    /// A moment after every entry: what is live now.
    static let endOfTime = "9999-12-31T23:59:59.999Z"

    /// Runs `body` in one read snapshot, with the library's errors.
    private func reading<T>(_ context: String, _ body: (any ReportReader) throws -> T) throws -> T {
        do {
            return try storage.readingReports(context: context, body)
        } catch {
            throw LedgerError.wrap(error)
        }
    }

    /// The newest entry covered: the verified head when verification ran, else the current head.
    private func snapshot(_ reader: any ReportReader, verification: ReportVerification) throws -> LedgerSnapshot {
        guard let head = try reader.head(atMost: verification.report?.headSeq ?? Int64.max) else {
            throw LedgerError.notALedger(path: store.path, detail: "it holds no entries")
        }
        return LedgerSnapshot(
            path: store.path, ledgerID: store.ledgerID, headSeq: head.seq, headMac: head.mac,
            headRecordedAt: head.recordedAt, generatedAt: Timestamp.now())
    }
}
