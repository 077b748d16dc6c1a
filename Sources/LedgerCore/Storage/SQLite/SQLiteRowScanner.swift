import CSQLite
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
    /// What the chain rules read of each signed column (`Role`), so the scan reads each column once.
    private let planRoles: [Role]
    /// How the raw columns become the payload.
    let payloadPlan: PayloadPlan
    /// Scratch for `next(appendingPayloadTo:)`.
    private let scratch = RawBuffer(capacity: 4096)
    let seqIndex: Int, ledgerIDIndex: Int, recordedAtIndex: Int, kindIndex: Int, keyIDIndex: Int
    let prevMacIndex: Int, macIndex: Int, refSeqIndex: Int, detailsIndex: Int

    private(set) var seq: Int64 = 0
    private(set) var seqIsInteger = true
    private(set) var disallowedValueColumn: String?
    /// The current row's text columns the chain rules compare, as read by the scan (SQLite's
    /// memory, valid until the next step); nil when the column is not text (then read again the
    /// slow way, with SQLite's conversions, as before).
    private var current = RowFacts()

    typealias Role = ScannedColumnRole
    typealias RowFacts = ScannedRowFacts

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
        let roles: [String: Role] = ["seq": .seq, "ledger_id": .ledgerID, "prev_mac": .prevMac, "key_id": .keyID, "kind": .kind]
        planRoles = signed.map { roles[$0.key] ?? .none }
        payloadPlan = PayloadPlan(orderedNames: planNames)
    }

    /// Steps to the next row and appends its signed columns, raw (`RawColumns`), to `out` (the MAC
    /// worker's batch buffer: the worker builds the payload). False at the end, with nothing appended.
    @inline(__always)
    mutating func next(appendingRawColumnsTo out: RawBuffer) throws -> Bool {
        guard try statement.step(context: "scanning the ledger") else { return false }
        current = appendRawColumns(to: out)
        if let value = current.seq {
            seqIsInteger = true
            seq = value
        } else {
            seqIsInteger = false
            seq = statement.int64(at: seqIndex)
        }
        disallowedValueColumn = current.badColumn >= 0 ? planNames[current.badColumn] : nil
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

    /// Appends the current row's signed columns, raw, to `out`, reading each column once (through
    /// its `sqlite3_value`); returns what the chain rules need of them.
    @inline(__always)
    private func appendRawColumns(to out: RawBuffer) -> RowFacts {
        var facts = RowFacts()
        let handle = statement.handle
        planIndexes.withUnsafeBufferPointer { indexes in
            planRoles.withUnsafeBufferPointer { roles in
                for k in 0..<indexes.count {
                    let value = sqlite3_column_value(handle, indexes[k])
                    switch sqlite3_value_type(value) {
                    case SQLITE_NULL:
                        RawColumns.appendNull(to: out)
                    case SQLITE_INTEGER:
                        let integer = sqlite3_value_int64(value)
                        RawColumns.appendInteger(integer, to: out)
                        if roles[k] == .seq { facts.seq = integer }
                    case SQLITE_TEXT:
                        let p = sqlite3_value_text(value)
                        let count = Int(sqlite3_value_bytes(value))
                        let text = UnsafeRawBufferPointer(start: p, count: p == nil ? 0 : count)
                        RawColumns.appendText(text, to: out)
                        switch roles[k] {
                        case .ledgerID: facts.ledgerID = text
                        case .prevMac: facts.prevMac = text
                        case .keyID: facts.keyID = text
                        case .kind: facts.kind = text
                        case .seq, .none: break
                        }
                    default:
                        facts.badColumn = k
                        RawColumns.appendDisallowed(to: out)
                    }
                }
            }
        }
        return facts
    }

    // MARK: ChainRow

    func ledgerIDEquals(_ bytes: [UInt8]) -> Bool { current.ledgerID.map { Self.equal($0, bytes) } ?? textEquals(ledgerIDIndex, bytes) }
    func prevMacEquals(_ bytes: [UInt8]) -> Bool { current.prevMac.map { Self.equal($0, bytes) } ?? textEquals(prevMacIndex, bytes) }
    func keyIDEquals(_ bytes: [UInt8]) -> Bool { current.keyID.map { Self.equal($0, bytes) } ?? textEquals(keyIDIndex, bytes) }
    var ledgerIDBytes: [UInt8] { current.ledgerID.map { Array($0) } ?? copyText(ledgerIDIndex) }
    var ledgerIDText: String? { string(ledgerIDIndex) }
    var recordedAtText: String? { string(recordedAtIndex) }
    var keyIDBytes: [UInt8] { current.keyID.map { Array($0) } ?? copyText(keyIDIndex) }
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
        return statement.withText(at: index) { Self.equal($0, bytes) }
    }

    /// True when `text` holds exactly `bytes`.
    @inline(__always)
    static func equal(_ text: UnsafeRawBufferPointer, _ bytes: [UInt8]) -> Bool {
        guard text.count == bytes.count else { return false }
        return bytes.withUnsafeBytes { mine in
            guard let a = mine.baseAddress, let b = text.baseAddress else { return text.count == 0 }
            return memcmp(a, b, text.count) == 0
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
        if let text = current.kind { return Self.kindCode(of: text) }
        return statement.withText(at: kindIndex) { Self.kindCode(of: $0) }
    }

    private static func kindCode(of text: UnsafeRawBufferPointer) -> ChainKindCode {
        // Only these lengths can match; most rows are told apart by their length and first bytes.
        guard followedLengths.contains(text.count), let base = text.baseAddress else { return .other }
        for kind in followedKinds where kind.bytes.count == text.count {
            if kind.bytes.withUnsafeBytes({ $0.baseAddress.map { memcmp(base, $0, text.count) == 0 } ?? false }) { return kind.code }
        }
        return .other
    }
}
