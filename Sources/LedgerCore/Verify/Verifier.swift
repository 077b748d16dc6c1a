import Foundation

/// Streams a ledger's rows once, in seq order and constant memory, and checks the
/// format's rules: seq 1..n without gaps, one ledger_id, each `prev_mac` links to the
/// previous `mac`, each `mac` recomputes with the key its `key_id` names, and no row is
/// signed with a key retired before it.
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
            return try store.connection.transaction(immediate: false, context: "verifying the ledger") {
                var report = try scan(store)
                if let range, report.entries == 0 {
                    // Checking nothing must never read as INTACT.
                    let head = try store.connection.scalar("SELECT max(seq) FROM entries").integer ?? 0
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
        let connection = store.connection
        let started = Date()
        var report = VerificationReport()
        var scanner = try RowScanner(connection: connection, range: range)
        var state = ChainState(keyRing: keyRing)
        if let range, range.lowerBound > 1 {
            // Start the chain at the row before the range: its mac is what the first row must link to.
            state.ledgerID = Array(store.ledgerID.utf8)
            report.ledgerID = store.ledgerID
            state.previousSeq = range.lowerBound - 1
            if let mac = try connection.scalar("SELECT mac FROM entries WHERE seq = ?1", [.integer(range.lowerBound - 1)]).text {
                state.previousMac = Array(mac.utf8)
            } else {
                state.previousMac = []
            }
            // Keys announced before the range (those rows themselves are checked by a full verify).
            state.announced = try KeyAnnouncements.announced(in: store, before: range.lowerBound)
        }

        func add(_ seq: Int64, _ kind: FindingKind, _ message: String) {
            report.findingCount += 1
            if report.findings.count < findingLimit { report.findings.append(Finding(seq: seq, kind: kind, message: message)) }
        }

        // MACs are recomputed on a second thread, in batches, while this thread scans.
        let pipeline = MacPipeline(keys: keyRing.keys, limit: findingLimit)
        var batch = MacPipeline.Batch()
        func flush() {
            guard batch.count > 0 else { return }
            pipeline.submit(batch)
            batch = MacPipeline.Batch()
        }
        // If scanning fails, still stop the worker before returning.
        defer { _ = try? pipeline.finish() }

        while true {
            let payloadStart = batch.payloads.count
            guard try scanner.next(appendingPayloadTo: &batch.payloads) else { break }
            let seq = scanner.seq
            report.entries += 1
            if report.entries == 1 && state.previousSeq == 0 {
                state.ledgerID = scanner.copyText(scanner.ledgerIDIndex)
                report.ledgerID = String(decoding: state.ledgerID, as: UTF8.self)
                report.firstRecordedAt = scanner.string(scanner.recordedAtIndex)
                // The genesis key: whatever signs the first entry needs no announcement.
                state.announced.insert(String(decoding: scanner.copyText(scanner.keyIDIndex), as: UTF8.self))
                // Stored seqs are hostile input: no arithmetic here may trap.
                if seq != 1 {
                    add(seq, .gap, seq > 1 ? "the first entry has seq \(seq): entries 1…\(seq - 1) are missing" : "the first entry has seq \(seq), below 1")
                }
            } else if state.previousSeq == Int64.max || seq != state.previousSeq + 1 {
                let missing = seq > state.previousSeq && state.previousSeq < Int64.max - 1 && seq > state.previousSeq + 1
                add(seq, .gap, "seq jumps from \(state.previousSeq) to \(seq): \(missing ? "entries \(state.previousSeq + 1)…\(seq - 1) are missing" : "seq runs backwards or repeats")")
            }
            if !scanner.seqIsInteger { add(seq, .malformedValue, "seq is not an integer") }
            if let bad = scanner.nonTextOrIntegerColumn {
                add(seq, .malformedValue, "column \(bad) holds a REAL or BLOB value, which the format does not allow")
            }
            if !scanner.textEquals(scanner.ledgerIDIndex, state.ledgerID) {
                add(seq, .foreignLedgerID, "ledger_id \(scanner.string(scanner.ledgerIDIndex) ?? "NULL") is not this ledger's (\(report.ledgerID ?? ""))")
            }
            if !scanner.textEquals(scanner.prevMacIndex, state.previousMac) {
                add(seq, .brokenLink, state.previousSeq == 0
                    ? "prev_mac of the first entry is not 64 zeros"
                    : "prev_mac does not match the mac of the entry before it (seq \(state.previousSeq))")
            }
            // Which key signed this row; rows almost always repeat the previous row's key.
            if !scanner.textEquals(scanner.keyIDIndex, state.currentKeyID) {
                state.switchKey(to: scanner.copyText(scanner.keyIDIndex))
            }
            let knownKey = state.currentRingIndex >= 0
            if knownKey {
                state.keyRows[state.currentKeyIndex] += 1
                if let retired = state.currentKeyRetiredAt, retired < seq {
                    add(seq, .retiredKey, "signed with key \(state.currentKeyName), which was retired at seq \(retired)")
                }
                if !state.currentKeyAnnounced {
                    add(seq, .unannouncedKey,
                        "signed with key \(state.currentKeyName), which is neither the genesis key nor announced by a key.rotated entry signed by its predecessor")
                }
            } else {
                // No key to check the mac with: drop the payload from the batch.
                batch.payloads.removeSubrange(payloadStart...)
                state.countUnknownKeyRow()
                add(seq, .unknownKeyID, "key_id \(state.currentKeyName) is not in the key file \(keyRing.path)")
            }
            // Lifecycle facts: unresolved switches and key rotations.
            switch scanner.kindCode {
            case .switchRequested: state.unresolved.insert(seq)
            case .switchCompleted, .switchResolved:
                if let ref = scanner.refSeq { state.unresolved.remove(ref) }
            case .keyRotated:
                if let details = scanner.string(scanner.detailsIndex),
                    let newKey = (try? JSONValue(parsing: details))?["new_key_id"]?.stringValue
                {
                    // From the next row on, the old key may no longer sign.
                    state.retire(state.currentKeyName, at: seq, successor: newKey)
                    // Only an announced key can announce its successor.
                    if knownKey && state.currentKeyAnnounced { state.announce(newKey) }
                }
            case .other: break
            }
            state.previousSeq = seq
            scanner.commit(to: &batch, keyIndex: knownKey ? Int32(state.currentRingIndex) : nil, previousMac: &state.previousMac)
            if batch.count >= MacPipeline.batchRows || batch.byteCount >= MacPipeline.batchBytes { flush() }
            if report.entries % progressInterval == 0 { progress?(report.entries) }
        }
        flush()
        let macs = try pipeline.finish()
        if macs.count > 0 {
            // Merge the worker's mismatches into the seq-ordered findings.
            var merged = report.findings
            for row in macs.rows {
                let keyID = keyRing.keys[Int(row.key)].id
                merged.append(Finding(seq: row.seq, kind: .macMismatch, message: "mac does not recompute with key \(keyID): the entry was altered"))
            }
            report.findings = Array(merged.enumerated().sorted { ($0.element.seq, $0.offset) < ($1.element.seq, $1.offset) }
                .map(\.element).prefix(findingLimit))
            report.findingCount += macs.count
        }
        if report.entries > 0 {
            report.headSeq = state.previousSeq
            report.headMac = String(decoding: state.previousMac, as: UTF8.self)
            report.lastRecordedAt = try connection.scalar("SELECT recorded_at FROM entries WHERE seq = ?1", [.integer(state.previousSeq)]).text
        }
        report.keyUsage = state.keyOrder.map { (keyID: $0.id, rows: state.keyRows[$0.index]) }
        report.unknownKeyUsage = state.unknownKeys
        report.unresolvedSwitches = state.unresolved.sorted()
        let triggers = try connection.scalar(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN ('entries_no_update', 'entries_no_delete')"
        ).integer ?? 0
        if range == nil {
            // Two completions of one switch that disagree: shown, never silently resolved.
            for conflict in try store.conflictingCompletions() {
                let said = conflict.completions.map { "\($0.kind) seq \($0.seq) says \($0.outcome)" }.joined(separator: ", ")
                report.warnings.append("switch seq \(conflict.request) has conflicting completions: \(said)")
            }
        }
        if triggers < 2 {
            report.warnings.append("the append-only triggers on entries are missing: someone changed the schema")
        }
        report.seconds = Date().timeIntervalSince(started)
        return report
    }
}

/// The verifier's running state between rows.
private struct ChainState {
    let keyRing: KeyRing
    var seenKeys: [String: (index: Int, ringIndex: Int)] = [:]
    var ledgerID: [UInt8] = []
    var previousSeq: Int64 = 0
    var previousMac: [UInt8] = Array(LedgerStore.zeroMac.utf8)
    var currentKeyID: [UInt8] = []
    var currentKeyName = ""
    /// Index of the current row's key in the key ring (-1: not in the key file).
    var currentRingIndex = -1
    /// Index of the current row's key in `keyOrder` / `keyRows`.
    var currentKeyIndex = -1
    var currentKeyRetiredAt: Int64?
    var keyRows: [Int64] = []
    var keyOrder: [(id: String, index: Int)] = []
    var retiredAt: [String: Int64] = [:]
    var unresolved = Set<Int64>()
    /// Keys allowed to sign: the genesis key and every key announced by a `key.rotated` entry
    /// signed by an announced key.
    var announced = Set<String>()
    var currentKeyAnnounced = false
    /// Key ids not in the key file with their row counts, in the order first seen (bounded: a
    /// tampered ledger may hold a different key_id on every row).
    var unknownKeys: [(keyID: String, rows: Int64)] = []
    var unknownKeyIndex: [String: Int] = [:]

    init(keyRing: KeyRing) { self.keyRing = keyRing }

    /// Counts the current row, whose key is not in the key file.
    mutating func countUnknownKeyRow() {
        if let index = unknownKeyIndex[currentKeyName] {
            unknownKeys[index].rows += 1
        } else if unknownKeys.count < VerificationReport.unknownKeyLimit {
            unknownKeyIndex[currentKeyName] = unknownKeys.count
            unknownKeys.append((currentKeyName, 1))
        }
    }

    mutating func switchKey(to id: [UInt8]) {
        currentKeyID = id
        currentKeyName = String(decoding: id, as: UTF8.self)
        currentKeyRetiredAt = retiredAt[currentKeyName]
        currentKeyAnnounced = announced.contains(currentKeyName)
        if let known = seenKeys[currentKeyName] {
            currentRingIndex = known.ringIndex
            currentKeyIndex = known.index
            return
        }
        guard let ringIndex = keyRing.keys.firstIndex(where: { $0.id == currentKeyName }) else {
            currentRingIndex = -1
            currentKeyIndex = -1
            return
        }
        let index = keyOrder.count
        keyOrder.append((currentKeyName, index))
        keyRows.append(0)
        seenKeys[currentKeyName] = (index, ringIndex)
        currentRingIndex = ringIndex
        currentKeyIndex = index
    }

    /// `key` may sign from the next row on.
    mutating func announce(_ key: String) {
        announced.insert(key)
        if key == currentKeyName { currentKeyAnnounced = true }
    }

    /// `key` signs nothing after `seq`; `successor` takes over.
    mutating func retire(_ key: String, at seq: Int64, successor: String) {
        retiredAt[key] = seq
        retiredAt[successor] = nil
        if key == currentKeyName { currentKeyRetiredAt = seq }
    }
}
