import Foundation

/// The few entry kinds the chain rules follow.
enum ChainKindCode: Sendable {
    case switchRequested, switchCompleted, switchResolved, keyRotated, other
}

/// One row as the chain checker sees it, whatever it was read from: a database scan
/// (`SQLiteRowScanner`, straight from SQLite's column memory), a column dictionary
/// (`ColumnRow`), a bundle line (`BundleLineRow`) or a `LedgerEntry`.
///
/// Comparisons are asked of the row, so a source that holds bytes compares bytes and never
/// builds a String per row.
protocol ChainRow {
    /// The row's seq (0 when it is not an integer).
    var seq: Int64 { get }
    /// False when the stored seq is not an integer.
    var seqIsInteger: Bool { get }
    /// The first column holding a value the format does not allow (REAL or BLOB), if any.
    var disallowedValueColumn: String? { get }
    /// True when `ledger_id` is text equal to `bytes`.
    func ledgerIDEquals(_ bytes: [UInt8]) -> Bool
    /// True when `prev_mac` is text equal to `bytes`.
    func prevMacEquals(_ bytes: [UInt8]) -> Bool
    /// True when `key_id` is text equal to `bytes`.
    func keyIDEquals(_ bytes: [UInt8]) -> Bool
    /// `ledger_id` as bytes (empty for NULL).
    var ledgerIDBytes: [UInt8] { get }
    /// `ledger_id` as text, nil for NULL (for messages).
    var ledgerIDText: String? { get }
    /// `key_id` as bytes (empty for NULL).
    var keyIDBytes: [UInt8] { get }
    /// The kind, for the few kinds the rules follow.
    var kindCode: ChainKindCode { get }
    /// `ref_seq` when it is an integer.
    var refSeq: Int64? { get }
    /// For `key.rotated` rows: the key the row announces (`details.new_key_id`).
    var announcedKeyID: String? { get }
    /// Calls `body` with the stored `mac` bytes (empty for NULL).
    func withMac<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T
    /// The signed payload P (RFC 8785 canonical JSON of every non-NULL column except `mac`).
    func signedPayload() -> [UInt8]
}

/// A rule a row breaks, with the facts each source words its own message from.
enum ChainViolation: Sendable, Equatable {
    /// seq does not continue: `previous` is the seq before (nil for the first row checked),
    /// `expected` the seq this row should have had (nil when none can follow `previous`).
    case gap(previous: Int64?, expected: Int64?)
    /// The stored seq is not an integer.
    case seqNotInteger
    /// A column holds a REAL or BLOB value.
    case disallowedValue(column: String)
    /// `ledger_id` is not the ledger's (`found`: the row's, nil for NULL).
    case foreignLedgerID(found: String?, expected: String)
    /// `prev_mac` is not the mac of the row before (`previous`: its seq; nil: the ledger's
    /// first entry, whose prev_mac must be 64 zeros).
    case brokenLink(previous: Int64?)
    /// Signed with `keyID`, retired by the `key.rotated` entry at `retiredAt`.
    case retiredKey(keyID: String, retiredAt: Int64)
    /// Signed with `keyID`, which is neither the genesis key nor announced.
    case unannouncedKey(keyID: String)
    /// `key_id` names no key in the key file.
    case unknownKeyID(keyID: String)
    /// `mac` does not recompute with `keyID`.
    case macMismatch(keyID: String)

    /// The finding kind this violation is reported as.
    var kind: FindingKind {
        switch self {
        case .gap: return .gap
        case .seqNotInteger, .disallowedValue: return .malformedValue
        case .foreignLedgerID: return .foreignLedgerID
        case .brokenLink: return .brokenLink
        case .retiredKey: return .retiredKey
        case .unannouncedKey: return .unannouncedKey
        case .unknownKeyID: return .unknownKeyID
        case .macMismatch: return .macMismatch
        }
    }
}

/// Where a checked run of rows starts.
struct ChainStart: Sendable {
    /// The seq of the row before the first one checked (nil: none known).
    var previousSeq: Int64?
    /// The seq the first row must have (nil: any).
    var expectedSeq: Int64?
    /// What the first row's `prev_mac` must be (nil: not checked, except that an entry with
    /// seq 1 must hold 64 zeros).
    var previousMac: [UInt8]?
    /// The ledger's id (nil: the first row's).
    var ledgerID: [UInt8]?
    /// The first row's key may sign without an announcement: the genesis key, or the key of a
    /// bundle's first line (whose announcement lies before the bundle).
    var trustsFirstKey: Bool

    /// The ledger's first entry: seq 1, prev_mac 64 zeros, its key the genesis key.
    static func genesis(ledgerID: String? = nil) -> ChainStart {
        ChainStart(
            previousSeq: nil, expectedSeq: 1, previousMac: Array(LedgerStore.zeroMac.utf8),
            ledgerID: ledgerID.map { Array($0.utf8) }, trustsFirstKey: true)
    }

    /// After the row `seq` whose mac is `mac` (empty when that row is missing). The keys that may
    /// sign come from the rows before, fed to `ChainChecker.followKeys(of:)`.
    static func after(seq: Int64, mac: String?, ledgerID: String) -> ChainStart {
        ChainStart(
            previousSeq: seq, expectedSeq: seq < Int64.max ? seq + 1 : nil, previousMac: Array((mac ?? "").utf8),
            ledgerID: Array(ledgerID.utf8), trustsFirstKey: false)
    }

    /// Rows detached from the ledger (an evidence bundle): the row before is not at hand.
    static func detached(expectedSeq: Int64?, ledgerID: String?) -> ChainStart {
        ChainStart(
            previousSeq: nil, expectedSeq: expectedSeq, previousMac: nil, ledgerID: ledgerID.map { Array($0.utf8) },
            trustsFirstKey: true)
    }
}

/// How a chain checker checks each row's mac: deferred to the second thread in batches
/// (`PipelinedMacCheck`, the database scan) or at once (`InlineMacCheck`).
protocol ChainMacCheck {
    /// Checks, or schedules the check of, `row`'s mac (`stored`, its bytes) with the key ring's key
    /// `ringIndex`. False when the mac is known now not to recompute.
    mutating func check<R: ChainRow>(_ row: R, stored: UnsafeRawBufferPointer, ringIndex: Int) throws -> Bool
    /// `row`'s key is not in the key file: its mac cannot be checked.
    mutating func skip<R: ChainRow>(_ row: R)
}

/// The ledger format's chain rules, in one place, applied to one row at a time from any source
/// (a database scan, bundle lines, the rows of an export, a writer's newest entry):
///
/// - seq continues without gaps; the stored seq is an integer and no column holds REAL or BLOB;
/// - one `ledger_id`;
/// - each `prev_mac` is the previous row's `mac` (the ledger's first entry: 64 zeros);
/// - each `mac` recomputes with the key its `key_id` names (`ChainMacCheck`);
/// - no row is signed with a key retired (by a `key.rotated` entry) before it;
/// - the signing key is the genesis key (the first entry's) or announced by a `key.rotated`
///   entry signed by an announced key in the key file. A key merely present in a key file may
///   not sign: appending a line to the key file must not let anyone sign.
///
/// Violations are handed to the caller, which words them for its audience. The checker also
/// keeps what reports show: rows per key, and unresolved switches.
struct ChainChecker {
    /// The keys the macs are recomputed with (nil: `storedMacsOnly`, no key at all).
    let keyRing: KeyRing?
    /// False for a checker without keys (`init(storedMacsOnly:)`): every rule that compares stored
    /// values (seq, ledger_id, links, the key lifecycle) applies, each row's key counts as present,
    /// and no mac is recomputed. Used where the rows are authenticated otherwise (an evidence
    /// bundle's inclusion proofs against a signed checkpoint).
    let recomputesMacs: Bool
    /// Distinct unknown key ids counted in `keyUsage` (their rows are all reported).
    var unknownKeyLimit: Int
    /// Track `switch.requested` entries without a completion.
    var tracksUnresolved = false

    /// The ledger's id (set by the start or by the first row).
    private(set) var ledgerID: [UInt8]
    /// The seq and mac of the last row checked (or of the row before the start).
    private(set) var previousSeq: Int64?
    private(set) var previousMac: [UInt8]?
    private var expectedSeq: Int64?
    private var trustsFirstKey: Bool
    private var hasLedgerID: Bool
    /// Rows checked.
    private(set) var rows: Int64 = 0

    // Which key signed the current row; rows almost always repeat the previous row's key.
    private var currentKeyID: [UInt8] = []
    private var hasCurrentKey = false
    private(set) var currentKeyName = ""
    /// Index of the current key in the key ring (-1: not in the key file).
    private var currentRingIndex = -1
    /// Index of the current key in `keyUsage` (-1: not counted yet).
    private var currentUsageIndex = -1
    private var currentRetiredAt: Int64?
    private var currentAnnounced = false
    private var ringIndexes: [String: Int] = [:]

    /// Keys that may sign (the genesis key and every announced key).
    private(set) var announced = Set<String>()
    /// Where each retired key was retired.
    private(set) var retiredAt: [String: Int64] = [:]
    /// Rows per key id in the order first used (`known`: in the key file); at most
    /// `unknownKeyLimit` distinct unknown ids.
    private(set) var keyUsage: [(keyID: String, rows: Int64, known: Bool)] = []
    private var usageIndex: [String: Int] = [:]
    private var unknownKeysCounted = 0
    /// `switch.requested` seqs with no completion yet (when `tracksUnresolved`).
    private(set) var unresolved = Set<Int64>()

    /// A checker for rows signed with the keys of `keyRing`, starting at `start`.
    init(keyRing: KeyRing, start: ChainStart, unknownKeyLimit: Int = VerificationReport.unknownKeyLimit) {
        self.keyRing = keyRing
        recomputesMacs = true
        self.unknownKeyLimit = unknownKeyLimit
        ledgerID = start.ledgerID ?? []
        previousSeq = start.previousSeq
        previousMac = start.previousMac
        expectedSeq = start.expectedSeq
        trustsFirstKey = start.trustsFirstKey
        hasLedgerID = start.ledgerID != nil
        for (index, key) in keyRing.keys.enumerated() where ringIndexes[key.id] == nil { ringIndexes[key.id] = index }
    }

    /// A checker with no key, for rows authenticated otherwise (see `recomputesMacs`): links, seq,
    /// ledger_id and the key lifecycle (retired, unannounced) are checked by comparing stored
    /// values; macs are not recomputed and no key is unknown. Use it with `StoredMacsOnly`.
    init(storedMacsOnly start: ChainStart) {
        keyRing = nil
        recomputesMacs = false
        unknownKeyLimit = Int.max
        ledgerID = start.ledgerID ?? []
        previousSeq = start.previousSeq
        previousMac = start.previousMac
        expectedSeq = start.expectedSeq
        trustsFirstKey = start.trustsFirstKey
        hasLedgerID = start.ledgerID != nil
    }

    /// True when `keyID` is the genesis key or was announced.
    func isAnnounced(_ keyID: String) -> Bool { announced.contains(keyID) }

    /// Follows the key lifecycle of a row before the checked ones (the first entry, and the
    /// `key.rotated` entries, in seq order) without checking it: which keys were announced and
    /// retired before the start. The rows themselves are checked by a full verification.
    mutating func followKeys<R: ChainRow>(of row: R) {
        switchKeyIfNeeded(row)
        if row.seqIsInteger && row.seq == 1 { announce(currentKeyName) }
        followRotation(row)
    }

    /// Applies every rule to `row`, the next row of the run, reporting each rule it breaks
    /// through `violation`, in this order: seq, values, ledger_id, link, key (retired,
    /// unannounced or unknown), mac. Deferred mac checks report later, through their pipeline
    /// (the verifier merges them in seq order, after the row's other findings: the same order).
    mutating func check<R: ChainRow, M: ChainMacCheck>(
        _ row: R, mac: inout M, _ violation: (ChainViolation) -> Void
    ) throws {
        let seq = row.seq
        rows += 1
        let first = rows == 1
        // seq. Stored seqs are hostile input: no arithmetic here may trap.
        if first {
            if let expectedSeq, seq != expectedSeq { violation(.gap(previous: previousSeq, expected: expectedSeq)) }
        } else if let previous = previousSeq, previous == Int64.max || seq != previous + 1 {
            violation(.gap(previous: previous, expected: previous == Int64.max ? nil : previous + 1))
        }
        if !row.seqIsInteger { violation(.seqNotInteger) }
        if let column = row.disallowedValueColumn { violation(.disallowedValue(column: column)) }
        // One ledger_id.
        if first && !hasLedgerID {
            ledgerID = row.ledgerIDBytes
            hasLedgerID = true
        }
        if !row.ledgerIDEquals(ledgerID) {
            violation(.foreignLedgerID(found: row.ledgerIDText, expected: String(decoding: ledgerID, as: UTF8.self)))
        }
        // The link.
        if let previousMac {
            if !row.prevMacEquals(previousMac) { violation(.brokenLink(previous: previousSeq)) }
        } else if seq == 1 && row.seqIsInteger, !row.prevMacEquals(Array(LedgerStore.zeroMac.utf8)) {
            violation(.brokenLink(previous: nil))
        }
        // The key.
        switchKeyIfNeeded(row)
        if first && trustsFirstKey { announce(currentKeyName) }
        let known = currentRingIndex >= 0 || !recomputesMacs
        countRow(known: known)
        if known {
            if let retired = currentRetiredAt, retired < seq {
                violation(.retiredKey(keyID: currentKeyName, retiredAt: retired))
            }
            if !currentAnnounced { violation(.unannouncedKey(keyID: currentKeyName)) }
        } else {
            mac.skip(row)
            violation(.unknownKeyID(keyID: currentKeyName))
        }
        let signer = currentKeyName
        let ringIndex = currentRingIndex
        // Lifecycle facts: unresolved switches and key rotations.
        switch row.kindCode {
        case .switchRequested: if tracksUnresolved { unresolved.insert(seq) }
        case .switchCompleted, .switchResolved:
            if tracksUnresolved, let ref = row.refSeq { unresolved.remove(ref) }
        case .keyRotated: followRotation(row)
        case .other: break
        }
        previousSeq = seq
        // The mac (one fetch of the column for the mac rule and the next row's link).
        try row.withMac { stored in
            if known, recomputesMacs, try !mac.check(row, stored: stored, ringIndex: ringIndex) { violation(.macMismatch(keyID: signer)) }
            if previousMac?.count == stored.count, stored.count > 0 {
                previousMac?.withUnsafeMutableBytes { $0.copyMemory(from: stored) }
            } else {
                previousMac = Array(stored)
            }
        }
    }

    /// A `key.rotated` row: its signer signs nothing after it; the key it names may sign from the
    /// next row on when the signer itself may (an announced key in the key file).
    private mutating func followRotation<R: ChainRow>(_ row: R) {
        guard row.kindCode == .keyRotated, let newKey = row.announcedKeyID else { return }
        retiredAt[currentKeyName] = row.seq
        retiredAt[newKey] = nil
        currentRetiredAt = row.seq
        if newKey == currentKeyName { currentRetiredAt = nil }
        if (currentRingIndex >= 0 || !recomputesMacs) && currentAnnounced { announce(newKey) }
    }

    private mutating func announce(_ key: String) {
        announced.insert(key)
        if key == currentKeyName { currentAnnounced = true }
    }

    private mutating func switchKeyIfNeeded<R: ChainRow>(_ row: R) {
        if hasCurrentKey && row.keyIDEquals(currentKeyID) { return }
        hasCurrentKey = true
        currentKeyID = row.keyIDBytes
        currentKeyName = String(decoding: currentKeyID, as: UTF8.self)
        currentRetiredAt = retiredAt[currentKeyName]
        currentAnnounced = announced.contains(currentKeyName)
        currentRingIndex = ringIndexes[currentKeyName] ?? -1
        currentUsageIndex = usageIndex[currentKeyName] ?? -1
    }

    private mutating func countRow(known: Bool) {
        if currentUsageIndex >= 0 {
            keyUsage[currentUsageIndex].rows += 1
            return
        }
        if !known {
            guard unknownKeysCounted < unknownKeyLimit else { return }
            unknownKeysCounted += 1
        }
        currentUsageIndex = keyUsage.count
        usageIndex[currentKeyName] = currentUsageIndex
        keyUsage.append((currentKeyName, 1, known))
    }
}

// MARK: - The mac rule

extension ChainChecker {
    /// The mac rule: `mac` is the 64 lowercase hex digits of HMAC-SHA256(key, P). `digest` holds the
    /// 32-byte HMAC; `hex` is 64 bytes of scratch.
    @inline(__always)
    static func macMatches(digest: UnsafePointer<UInt8>, hex: UnsafeMutablePointer<UInt8>, stored: UnsafeRawPointer, storedCount: Int) -> Bool {
        guard storedCount == 64 else { return false }
        Hex.encode32(digest, into: hex)
        return memcmp(hex, stored, 64) == 0
    }
}

/// Checks each row's mac at once (bundles, exports, a writer's newest entry).
struct InlineMacCheck: ChainMacCheck {
    private let keys: [SigningKey]
    private var signers: [Int: HMACSHA256] = [:]
    private var digest = [UInt8](repeating: 0, count: 32)
    private var hex = [UInt8](repeating: 0, count: 64)
    /// The payload of the last row checked, and its seq (a caller that also writes P reuses it).
    private(set) var lastPayload: (seq: Int64, bytes: [UInt8])?

    init(keyRing: KeyRing) { keys = keyRing.keys }

    mutating func check<R: ChainRow>(_ row: R, stored: UnsafeRawBufferPointer, ringIndex: Int) throws -> Bool {
        let signer: HMACSHA256
        if let known = signers[ringIndex] {
            signer = known
        } else {
            signer = try HMACSHA256(key: keys[ringIndex].bytes)
            signers[ringIndex] = signer
        }
        let payload = row.signedPayload()
        lastPayload = (row.seq, payload)
        return try digest.withUnsafeMutableBufferPointer { d in
            try hex.withUnsafeMutableBufferPointer { h in
                guard let digestBase = d.baseAddress, let hexBase = h.baseAddress else { return false }
                try payload.withUnsafeBytes { try signer.authenticate($0, into: digestBase) }
                guard let storedBase = stored.baseAddress else { return false }
                return ChainChecker.macMatches(digest: digestBase, hex: hexBase, stored: storedBase, storedCount: stored.count)
            }
        }
    }

    mutating func skip<R: ChainRow>(_ row: R) {}
}

/// The mac strategy of a checker without keys (`ChainChecker(storedMacsOnly:)`): no mac is
/// recomputed; the stored mac still feeds the next row's link.
struct StoredMacsOnly: ChainMacCheck {
    mutating func check<R: ChainRow>(_ row: R, stored: UnsafeRawBufferPointer, ringIndex: Int) throws -> Bool { true }
    mutating func skip<R: ChainRow>(_ row: R) {}
}

/// Hands each row's mac to a `MacPipeline` (the database scan): the row source appends the row's
/// signed columns, raw, to `batch.rawColumns` after `beginRow()`; the checker completes or drops
/// the row; the worker builds the payload from the raw columns and recomputes the mac.
struct PipelinedMacCheck: ChainMacCheck {
    let pipeline: MacPipeline
    var batch = MacPipeline.Batch()
    private var rowStart = 0
    private var plan = PayloadPlan(orderedNames: [])

    init(keyRing: KeyRing, limit: Int) {
        pipeline = MacPipeline(keys: keyRing.keys, limit: limit)
    }

    /// The worker builds payloads with `plan` (the row source's).
    mutating func use(_ plan: PayloadPlan) {
        self.plan = plan
        batch.plan = plan
    }

    /// Marks where the next row's raw columns start in `batch.rawColumns`.
    @inline(__always)
    mutating func beginRow() { rowStart = batch.rawColumns.count }

    mutating func check<R: ChainRow>(_ row: R, stored: UnsafeRawBufferPointer, ringIndex: Int) throws -> Bool {
        batch.ends.append(batch.rawColumns.count)
        batch.seqs.append(row.seq)
        batch.keys.append(Int32(ringIndex))
        if stored.count == 64 {
            batch.macs.append(contentsOf: stored)
            batch.macLengthOK.append(true)
        } else {
            batch.macs.append(contentsOf: repeatElement(0, count: 64))
            batch.macLengthOK.append(false)
        }
        if batch.count >= MacPipeline.batchRows || batch.byteCount >= MacPipeline.batchBytes { flush() }
        return true
    }

    mutating func skip<R: ChainRow>(_ row: R) {
        batch.rawColumns.count = rowStart
    }

    /// Hands the rows collected so far to the worker.
    mutating func flush() {
        guard batch.count > 0 else { return }
        batch = pipeline.submit(batch)
        batch.plan = plan
        rowStart = 0
    }

    /// Waits for every mac; returns the mismatched rows (seq, ring index; the first `limit`) and their count.
    mutating func finish() throws -> (rows: [(seq: Int64, key: Int32)], count: Int) {
        flush()
        return try pipeline.finish()
    }
}

// MARK: - Rows from text

/// A row whose columns are held as text and integers (a column dictionary, a bundle line, an entry).
protocol TextChainRow: ChainRow {
    var ledgerIDValue: String? { get }
    var prevMacValue: String? { get }
    var keyIDValue: String? { get }
    var macValue: String? { get }
    var kindValue: String? { get }
    var detailsValue: String? { get }
}

extension TextChainRow {
    func ledgerIDEquals(_ bytes: [UInt8]) -> Bool { ledgerIDValue.map { $0.utf8.elementsEqual(bytes) } ?? false }
    func prevMacEquals(_ bytes: [UInt8]) -> Bool { prevMacValue.map { $0.utf8.elementsEqual(bytes) } ?? false }
    func keyIDEquals(_ bytes: [UInt8]) -> Bool { keyIDValue.map { $0.utf8.elementsEqual(bytes) } ?? false }
    var ledgerIDBytes: [UInt8] { Array((ledgerIDValue ?? "").utf8) }
    var ledgerIDText: String? { ledgerIDValue }
    var keyIDBytes: [UInt8] { Array((keyIDValue ?? "").utf8) }
    var kindCode: ChainKindCode {
        guard let kind = kindValue else { return .other }
        switch EntryKind(rawValue: kind) {
        case .switchRequested: return .switchRequested
        case .switchCompleted: return .switchCompleted
        case .switchResolved: return .switchResolved
        case .keyRotated: return .keyRotated
        default: break
        }
        return .other
    }
    var announcedKeyID: String? {
        guard kindCode == .keyRotated, let details = detailsValue else { return nil }
        return (try? JSONValue(parsing: details))?["new_key_id"]?.stringValue
    }
    func withMac<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        var mac = macValue ?? ""
        return try mac.withUTF8 { try body(UnsafeRawBufferPointer($0)) }
    }
}

/// A row read as a column dictionary holding every column: all of them, later ones included, are signed.
struct ColumnRow: TextChainRow {
    let columns: [String: SQLValue]

    init(_ columns: [String: SQLValue]) { self.columns = columns }

    var seq: Int64 { columns["seq"]?.integer ?? 0 }
    var seqIsInteger: Bool { columns["seq"]?.integer != nil }
    var disallowedValueColumn: String? {
        columns.keys.sorted().first { name in
            switch columns[name] {
            case .real?, .blob?: return name != "mac"
            default: return false
            }
        }
    }
    var ledgerIDValue: String? { columns["ledger_id"]?.text }
    var prevMacValue: String? { columns["prev_mac"]?.text }
    var keyIDValue: String? { columns["key_id"]?.text }
    var macValue: String? { columns["mac"]?.text }
    var kindValue: String? { columns["kind"]?.text }
    var detailsValue: String? { columns["details"]?.text }
    var refSeq: Int64? { columns["ref_seq"]?.integer }
    func signedPayload() -> [UInt8] { SignedPayload.bytes(of: columns.map { (name: $0.key, value: $0.value) }) }
}

extension LedgerEntry: TextChainRow {
    var seqIsInteger: Bool { true }
    var disallowedValueColumn: String? { nil }
    var ledgerIDValue: String? { ledgerID }
    var prevMacValue: String? { prevMac }
    var keyIDValue: String? { keyID }
    var macValue: String? { mac }
    var kindValue: String? { kind.rawValue }
    var detailsValue: String? { details }
    func signedPayload() -> [UInt8] { SignedPayload.bytes(of: columnValues) }
}
