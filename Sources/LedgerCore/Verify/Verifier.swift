import Foundation

/// Streams a ledger's rows once, in seq order and constant memory, through the chain checker
/// (`ChainChecker`: seq 1..n without gaps, one ledger_id, each `prev_mac` links to the
/// previous `mac`, each `mac` recomputes with the key its `key_id` names, no row is signed
/// with a key retired before it, and every signing key is the genesis key or announced).
/// The work of a row is split between two threads: this one steps SQLite, copies each row's signed
/// columns raw into a batch and applies the chain rules; a second thread (`MacPipeline`) builds the
/// rows' payloads from those bytes and recomputes their MACs, in batches.
///
/// Every broken row is reported, not only the first.
public struct Verifier {
    /// The keys to verify with (all of a key file's lines, retired ones included).
    public var keyRing: KeyRing
    /// Keep at most this many findings in the report (the count stays exact).
    public var findingLimit: Int
    /// Called every `progressInterval` rows with the number scanned so far.
    public var progress: ((Int64) -> Void)?
    public var progressInterval: Int64 = 100_000
    /// Verify only these seqs (links at the lower edge are still checked against the row before it).
    public var range: ClosedRange<Int64>?
    /// External checkpoints the ledger must still match.
    public var checkpoints: [(source: String, checkpoint: Checkpoint)] = []
    /// The Ed25519 public key (PEM) that checks the checkpoints' signatures; without it a signature is
    /// reported as not checked (a warning), never as valid.
    public var checkpointPublicKeyPEM: String?

    /// A verifier for `keyRing`.
    public init(keyRing: KeyRing, findingLimit: Int = 1000, progress: ((Int64) -> Void)? = nil) {
        self.keyRing = keyRing
        self.findingLimit = findingLimit
        self.progress = progress
    }

    /// Verifies the ledger behind `store` inside one read transaction (a consistent snapshot
    /// even while other processes append).
    public func verify(_ store: LedgerStore) throws -> VerificationReport {
        do {
            return try store.storage.readSnapshot(context: "verifying the ledger") {
                var report = try scan(store)
                if let range, report.entries == 0 {
                    // Checking nothing must never read as INTACT.
                    let head = try store.storage.maxSeq() ?? 0
                    throw LedgerError.nothingToVerify(from: range.lowerBound, to: range.upperBound, head: head)
                }
                try checkCheckpoints(store, into: &report)
                return report
            }
        } catch {
            throw LedgerError.wrap(error)
        }
    }

    /// Verifies inside the caller's open transaction (writers check what they are about to
    /// extend while holding the write lock). Checkpoints are not consulted.
    func verifyInCurrentTransaction(_ store: LedgerStore) throws -> VerificationReport {
        try scan(store)
    }

    private func checkCheckpoints(_ store: LedgerStore, into report: inout VerificationReport) throws {
        for (source, checkpoint) in checkpoints {
            let finding: String?
            // Every signature present must verify: the HMAC with the key file, the Ed25519 signature with
            // checkpointPublicKeyPEM (when there is none, a loud warning says it was not checked).
            let authenticity = try checkpoint.authenticity(keyRing: keyRing, publicKeyPEM: checkpointPublicKeyPEM)
            if let failure = authenticity.failure {
                finding = "checkpoint \(source) is not authentic: \(failure)"
            } else {
                finding = try checkpoint.mismatch(in: store).map { "checkpoint \(source): \($0)" }
            }
            if case .notChecked = authenticity.ed25519 {
                report.warnings.append(
                    "checkpoint \(source) carries an Ed25519 signature that was NOT checked (pass --public-key PEM to check it); only its HMAC was")
            } else if authenticity.ed25519 == .absent, checkpointPublicKeyPEM != nil {
                report.warnings.append("checkpoint \(source) has no Ed25519 signature: only its HMAC was checked")
            }
            if let finding {
                report.findingCount += 1
                if report.findings.count < findingLimit {
                    report.findings.append(Finding(seq: checkpoint.seq, kind: .checkpointMismatch, message: finding))
                }
            } else {
                report.checkpointsMatched += 1
            }
        }
    }

    private func scan(_ store: LedgerStore) throws -> VerificationReport {
        let storage = store.storage
        let started = Date()
        var checker: ChainChecker
        var ledgerID: String?
        if let range, range.lowerBound > 1 {
            // Start the chain at the row before the range: its mac is what the first row must link to.
            ledgerID = store.ledgerID
            checker = ChainChecker(
                keyRing: keyRing,
                start: .after(seq: range.lowerBound - 1, mac: try storage.mac(atSeq: range.lowerBound - 1), ledgerID: store.ledgerID))
            // The keys announced and retired before the range (those rows themselves are checked by a full verify).
            for row in try storage.keyEventRows(before: range.lowerBound) { checker.followKeys(of: row) }
        } else {
            checker = ChainChecker(keyRing: keyRing, start: .genesis())
        }
        checker.tracksUnresolved = true

        // Payloads are built and MACs recomputed on a second thread, in batches, while the backend streams rows into the scan.
        var scan = ChainScan(checker: checker, keyRing: keyRing, findingLimit: findingLimit, progress: progress, progressInterval: progressInterval)
        scan.report.ledgerID = ledgerID
        // If scanning fails, still stop the worker before returning.
        defer { _ = try? scan.macs.pipeline.finish() }
        try storage.scanChain(range: range, into: &scan)
        checker = scan.checker
        var report = scan.report
        let mismatches = try scan.macs.finish()
        if mismatches.count > 0 {
            // Merge the worker's mismatches into the seq-ordered findings.
            var merged = report.findings
            for row in mismatches.rows {
                let violation = ChainViolation.macMismatch(keyID: keyRing.keys[Int(row.key)].id)
                merged.append(Finding(seq: row.seq, kind: violation.kind, message: Self.message(violation, seq: row.seq, keyFile: keyRing.path)))
            }
            report.findings = Array(
                merged.enumerated().sorted { ($0.element.seq ?? 0, $0.offset) < ($1.element.seq ?? 0, $1.offset) }
                    .map(\.element).prefix(findingLimit))
            report.findingCount += mismatches.count
        }
        if report.entries > 0, let headSeq = checker.previousSeq {
            report.headSeq = headSeq
            report.headMac = String(decoding: checker.previousMac ?? [], as: UTF8.self)
            report.lastRecordedAt = try storage.recordedAt(seq: headSeq)
        }
        report.keyUsage = checker.keyUsage.filter(\.known).map { (keyID: $0.keyID, rows: $0.rows) }
        report.unknownKeyUsage = checker.keyUsage.filter { !$0.known }.map { (keyID: $0.keyID, rows: $0.rows) }
        report.unresolvedSwitches = checker.unresolved.sorted()
        let triggers = try storage.hasAppendOnlyTriggers()
        if range == nil {
            // Two completions of one switch that disagree: shown, never silently resolved.
            for conflict in try store.conflictingCompletions() {
                let said = conflict.completions.map { "\($0.kind) seq \($0.seq) says \($0.outcome?.rawValue ?? "none")" }.joined(separator: ", ")
                report.warnings.append("switch seq \(conflict.request) has conflicting completions: \(said)")
            }
        }
        if !triggers {
            report.warnings.append("the append-only triggers on entries are missing: someone changed the schema")
        }
        report.seconds = Date().timeIntervalSince(started)
        return report
    }

    /// A chain rule broken by database row `seq`, in words.
    static func message(_ violation: ChainViolation, seq: Int64, keyFile: String) -> String {
        switch violation {
        case let .gap(previous, expected):
            guard let previous else {
                return seq > 1 ? "the first entry has seq \(seq): entries 1…\(seq - 1) are missing" : "the first entry has seq \(seq), below 1"
            }
            let missing = seq > previous && expected != nil && previous < Int64.max - 1 && seq > previous + 1
            return "seq jumps from \(previous) to \(seq): \(missing ? "entries \(previous + 1)…\(seq - 1) are missing" : "seq runs backwards or repeats")"
        case .seqNotInteger:
            return "seq is not an integer"
        case let .disallowedValue(column):
            return "column \(column) holds a REAL or BLOB value, which the format does not allow"
        case let .foreignLedgerID(found, expected):
            return "ledger_id \(found ?? "NULL") is not this ledger's (\(expected))"
        case let .brokenLink(previous):
            guard let previous, previous != 0 else { return "prev_mac of the first entry is not 64 zeros" }
            return "prev_mac does not match the mac of the entry before it (seq \(previous))"
        case let .retiredKey(keyID, retiredAt):
            return "signed with key \(keyID), which was retired at seq \(retiredAt)"
        case let .unannouncedKey(keyID):
            return "signed with key \(keyID), which is neither the genesis key nor announced by a key.rotated entry signed by its predecessor"
        case let .unknownKeyID(keyID):
            return "key_id \(keyID) is not in the key file \(keyFile)"
        case let .macMismatch(keyID):
            return "mac does not recompute with key \(keyID): the entry was altered"
        }
    }
}
