/// A row source a backend streams into the verifier: a `ChainRow` that advances in place and
/// appends each row's signed columns, raw (`RawColumns`), to the MAC pipeline's buffer; the MAC
/// thread builds the payloads from them (`payloadPlan`).
protocol ChainCursor: ChainRow {
    /// Moves to the next row, appending its signed columns, raw, to `out`; false at the end.
    mutating func next(appendingRawColumnsTo out: RawBuffer) throws -> Bool
    /// How the raw columns become the signed payload P.
    var payloadPlan: PayloadPlan { get }
    /// The current row's `recorded_at` as text, nil for NULL.
    var recordedAtText: String? { get }
}

/// The database scan's state: the chain checker, the MAC pipeline and the report being built.
/// A backend drives it (`VerificationStorage.scanChain`), calling `consume` with its own cursor
/// type, so the per-row work is specialised for that backend's rows.
struct ChainScan {
    var checker: ChainChecker
    var macs: PipelinedMacCheck
    var report = VerificationReport()
    let keyFile: String
    let findingLimit: Int
    let progress: ((Int64) -> Void)?
    let progressInterval: Int64

    init(checker: ChainChecker, keyRing: KeyRing, findingLimit: Int, progress: ((Int64) -> Void)?, progressInterval: Int64) {
        self.checker = checker
        self.macs = PipelinedMacCheck(keyRing: keyRing, limit: findingLimit)
        self.keyFile = keyRing.path
        self.findingLimit = findingLimit
        self.progress = progress
        self.progressInterval = progressInterval
    }

    /// Call once before the first `consume`: the MAC thread builds payloads with `cursor`'s plan.
    mutating func begin<C: ChainCursor>(_ cursor: C) {
        macs.use(cursor.payloadPlan)
    }

    /// Reads the cursor's next row and applies every chain rule to it; false at the end.
    @inline(__always)
    mutating func consume<C: ChainCursor>(_ cursor: inout C) throws -> Bool {
        macs.beginRow()
        guard try cursor.next(appendingRawColumnsTo: macs.batch.rawColumns) else { return false }
        let seq = cursor.seq
        report.entries += 1
        if report.entries == 1 && report.ledgerID == nil {
            report.ledgerID = String(decoding: cursor.ledgerIDBytes, as: UTF8.self)
            report.firstRecordedAt = cursor.recordedAtText
        }
        var found: [ChainViolation] = []  // empty (no allocation) for an intact row
        try checker.check(cursor, mac: &macs) { found.append($0) }
        for violation in found {
            Self.add(&report, limit: findingLimit, Finding(seq: seq, kind: violation.kind, message: Verifier.message(violation, seq: seq, keyFile: keyFile)))
        }
        if report.entries % progressInterval == 0 { progress?(report.entries) }
        return true
    }

    static func add(_ report: inout VerificationReport, limit: Int, _ finding: Finding) {
        report.findingCount += 1
        if report.findings.count < limit { report.findings.append(finding) }
    }
}

extension LedgerStorage {
    /// `readTransaction`, under the name the verification code uses.
    func readSnapshot<T>(context: String, _ body: () throws -> T) throws -> T {
        try readTransaction(context: context, body)
    }
}
