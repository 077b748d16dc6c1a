import Foundation

/// Reads `entries` in seq order. For verification it copies each row's signed columns raw into
/// the MAC pipeline's batch (`next(appendingRawColumnsTo:)`: the MAC thread builds the payload);
/// for the tree's leaf inputs it builds each row's bytes in a reused buffer
/// (`next(appendingPayloadTo:)`). Straight from SQLite's column memory, no per-row allocation on the
/// hot path. The current row is a `ChainRow`: the chain checker compares its columns in place.
struct SQLiteRowScanner: ChainCursor {
    private let statement: SQLiteStatement
    /// Signed columns (all but `mac`), in RFC 8785 member order: their statement indexes and names
    /// (flat arrays: no reference counting per column per row), and their `"name":` prefixes.
    private let planIndexes: [Int32]
    private let planNames: [String]
    /// How the raw columns become the payload.
    let payloadPlan: PayloadPlan
    /// Scratch for `next(appendingPayloadTo:)`.
    private let scratch = RawBuffer(capacity: 4096)
    let seqIndex: Int, ledgerIDIndex: Int, recordedAtIndex: Int, kindIndex: Int, keyIDIndex: Int
    let prevMacIndex: Int, macIndex: Int, refSeqIndex: Int, detailsIndex: Int

    private(set) var seq: Int64 = 0
    private(set) var seqIsInteger = true
    private(set) var disallowedValueColumn: String?

    /// A scanner of `range` (every row when nil). With `includingMac`, the bytes it builds are the tree's
    /// leaf input (every non-NULL column, `mac` included) instead of the signed payload.
    init(connection: SQLiteConnection, range: ClosedRange<Int64>?, includingMac: Bool = false) throws {
        if let range {
            statement = try connection.prepare("SELECT * FROM entries WHERE seq BETWEEN ?1 AND ?2 ORDER BY seq", context: "scanning the ledger")
            try statement.bind([.integer(range.lowerBound), .integer(range.upperBound)])
        } else {
            statement = try connection.prepare("SELECT * FROM entries ORDER BY seq", context: "scanning the ledger")
        }
        var indexes: [String: Int] = [:]
        for i in 0..<statement.columnCount { indexes[statement.columnName(i)] = i }
        func index(_ name: String) throws -> Int {
            guard let i = indexes[name] else {
                throw LedgerError.notALedger(path: connection.path, detail: "the entries table has no \(name) column")
            }
            return i
        }
        seqIndex = try index("seq")
        ledgerIDIndex = try index("ledger_id")
        recordedAtIndex = try index("recorded_at")
        kindIndex = try index("kind")
        keyIDIndex = try index("key_id")
        prevMacIndex = try index("prev_mac")
        macIndex = try index("mac")
        refSeqIndex = try index("ref_seq")
        detailsIndex = try index("details")
        let signed = indexes.filter { includingMac || $0.key != "mac" }.sorted { CanonicalJSON.precedes($0.key, $1.key) }
        planIndexes = signed.map { Int32($0.value) }
        planNames = signed.map(\.key)
        payloadPlan = PayloadPlan(orderedNames: planNames)
    }

    /// Steps to the next row and appends its signed columns, raw (`RawColumns`), to `out` (the MAC
    /// worker's batch buffer: the worker builds the payload). False at the end, with nothing appended.
    @inline(__always)
    mutating func next(appendingRawColumnsTo out: RawBuffer) throws -> Bool {
        guard try statement.step(context: "scanning the ledger") else { return false }
        seqIsInteger = statement.storageClass(at: seqIndex) == .integer
        seq = statement.int64(at: seqIndex)
        disallowedValueColumn = appendRawColumns(to: out)
        return true
    }

    /// Steps to the next row and appends its payload P (with `includingMac`: its leaf input) to `out`.
    /// False at the end, with nothing appended.
    mutating func next(appendingPayloadTo out: inout [UInt8]) throws -> Bool {
        scratch.count = 0
        guard try next(appendingRawColumnsTo: scratch) else { return false }
        RawColumns.appendPayload(raw: scratch.bytes, plan: payloadPlan, to: &out)
        return true
    }

    /// The current row's signed payload P.
    func signedPayload() -> [UInt8] {
        let raw = RawBuffer(capacity: 4096)
        _ = appendRawColumns(to: raw)
        var out: [UInt8] = []
        RawColumns.appendPayload(raw: raw.bytes, plan: payloadPlan, to: &out)
        return out
    }

    /// Appends the current row's signed columns, raw, to `out`; returns the name of a column holding
    /// a REAL or BLOB value, if any.
    @inline(__always)
    private func appendRawColumns(to out: RawBuffer) -> String? {
        var badColumn = -1
        planIndexes.withUnsafeBufferPointer { indexes in
            for k in 0..<indexes.count {
                let index = Int(indexes[k])
                switch statement.storageClass(at: index) {
                case .null: RawColumns.appendNull(to: out)
                case .integer: RawColumns.appendInteger(statement.int64(at: index), to: out)
                case .text: statement.withText(at: index) { RawColumns.appendText($0, to: out) }
                default:
                    badColumn = k
                    RawColumns.appendDisallowed(to: out)
                }
            }
        }
        return badColumn >= 0 ? planNames[badColumn] : nil
    }

    // MARK: ChainRow

    func ledgerIDEquals(_ bytes: [UInt8]) -> Bool { textEquals(ledgerIDIndex, bytes) }
    func prevMacEquals(_ bytes: [UInt8]) -> Bool { textEquals(prevMacIndex, bytes) }
    func keyIDEquals(_ bytes: [UInt8]) -> Bool { textEquals(keyIDIndex, bytes) }
    var ledgerIDBytes: [UInt8] { copyText(ledgerIDIndex) }
    var ledgerIDText: String? { string(ledgerIDIndex) }
    var recordedAtText: String? { string(recordedAtIndex) }
    var keyIDBytes: [UInt8] { copyText(keyIDIndex) }
    func withMac<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try statement.withText(at: macIndex, body)
    }
    var announcedKeyID: String? {
        guard kindCode == .keyRotated, let details = string(detailsIndex) else { return nil }
        return (try? JSONValue(parsing: details))?["new_key_id"]?.stringValue
    }

    /// True when column `index` is text equal to `bytes`.
    func textEquals(_ index: Int, _ bytes: [UInt8]) -> Bool {
        guard statement.storageClass(at: index) == .text else { return false }
        return statement.withText(at: index) { text in
            guard text.count == bytes.count else { return false }
            return bytes.withUnsafeBytes { mine in
                guard let a = mine.baseAddress, let b = text.baseAddress else { return text.count == 0 }
                return memcmp(a, b, text.count) == 0
            }
        }
    }

    /// Column `index` as bytes (empty for NULL).
    func copyText(_ index: Int) -> [UInt8] {
        statement.withText(at: index) { Array($0) }
    }

    /// Column `index` as a String, nil for NULL.
    func string(_ index: Int) -> String? {
        statement.storageClass(at: index) == .null ? nil : statement.withText(at: index) { String(decoding: $0, as: UTF8.self) }
    }

    /// ref_seq when it is an integer.
    var refSeq: Int64? { statement.storageClass(at: refSeqIndex) == .integer ? statement.int64(at: refSeqIndex) : nil }

    /// The kinds verification follows, as bytes (from `EntryKind`, never retyped).
    private static let followedKinds: [(bytes: [UInt8], code: ChainKindCode)] = [
        (Array(EntryKind.switchRequested.rawValue.utf8), .switchRequested),
        (Array(EntryKind.switchCompleted.rawValue.utf8), .switchCompleted),
        (Array(EntryKind.switchResolved.rawValue.utf8), .switchResolved),
        (Array(EntryKind.keyRotated.rawValue.utf8), .keyRotated),
    ]
    private static let followedLengths = Set(followedKinds.map(\.bytes.count))

    /// The row's kind, for the few kinds verification follows.
    var kindCode: ChainKindCode {
        statement.withText(at: kindIndex) { text in
            // Only these lengths can match; most rows are told apart by their length and first bytes.
            guard Self.followedLengths.contains(text.count), let base = text.baseAddress else { return .other }
            for kind in Self.followedKinds where kind.bytes.count == text.count {
                if kind.bytes.withUnsafeBytes({ $0.baseAddress.map { memcmp(base, $0, text.count) == 0 } ?? false }) { return kind.code }
            }
            return .other
        }
    }
}
