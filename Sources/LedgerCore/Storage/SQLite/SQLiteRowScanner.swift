import Foundation

/// Reads `entries` in seq order and builds each row's signed payload P in a reused
/// buffer, straight from SQLite's column memory (no per-row allocation on the hot path).
/// The current row is a `ChainRow`: the chain checker compares its columns in place.
struct SQLiteRowScanner: ChainCursor {
    private let statement: SQLiteStatement
    /// Signed columns (all but `mac`), in RFC 8785 member order: their statement indexes, names,
    /// and `"name":` prefixes packed in one buffer (flat arrays: no reference counting per column per row).
    private let planIndexes: [Int32]
    private let planNames: [String]
    private let planPrefixBytes: [UInt8]
    private let planPrefixStarts: [Int]
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
        var prefixBytes: [UInt8] = [], starts: [Int] = []
        for (name, _) in signed {
            starts.append(prefixBytes.count)
            CanonicalJSON.appendString(name, to: &prefixBytes)
            prefixBytes.append(UInt8(ascii: ":"))
        }
        starts.append(prefixBytes.count)
        planIndexes = signed.map { Int32($0.value) }
        planNames = signed.map(\.key)
        planPrefixBytes = prefixBytes
        planPrefixStarts = starts
    }

    /// Steps to the next row and appends its payload P to `out` (the MAC worker's batch buffer,
    /// so the bytes are written once). False at the end, with nothing appended.
    mutating func next(appendingPayloadTo out: inout [UInt8]) throws -> Bool {
        guard try statement.step(context: "scanning the ledger") else { return false }
        seqIsInteger = statement.storageClass(at: seqIndex) == .integer
        seq = statement.int64(at: seqIndex)
        disallowedValueColumn = appendPayload(to: &out)
        return true
    }

    /// The current row's signed payload P.
    func signedPayload() -> [UInt8] {
        var out: [UInt8] = []
        _ = appendPayload(to: &out)
        return out
    }

    /// Appends the current row's P to `out`; returns the name of a column holding a REAL or BLOB value, if any.
    private func appendPayload(to out: inout [UInt8]) -> String? {
        out.append(UInt8(ascii: "{"))
        var badColumn = -1
        planIndexes.withUnsafeBufferPointer { indexes in
            planPrefixBytes.withUnsafeBufferPointer { prefixes in
                planPrefixStarts.withUnsafeBufferPointer { starts in
                    var first = true
                    for k in 0..<indexes.count {
                        let index = Int(indexes[k])
                        let storage = statement.storageClass(at: index)
                        if storage == .null { continue }
                        if !first { out.append(UInt8(ascii: ",")) }
                        first = false
                        out.append(contentsOf: UnsafeBufferPointer(rebasing: prefixes[starts[k]..<starts[k + 1]]))
                        switch storage {
                        case .integer:
                            CanonicalJSON.appendInteger(statement.int64(at: index), to: &out)
                        case .text:
                            statement.withText(at: index) { CanonicalJSON.appendString(utf8: $0, to: &out) }
                        default:
                            badColumn = k
                            out.append(contentsOf: "null".utf8)
                        }
                    }
                }
            }
        }
        out.append(UInt8(ascii: "}"))
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
