import Foundation

/// Reads `entries` in seq order and builds each row's signed payload P in a reused
/// buffer, straight from SQLite's column memory (no per-row allocation on the hot path).
struct RowScanner {
    enum KindCode { case switchRequested, switchCompleted, switchResolved, keyRotated, other }

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
    private(set) var nonTextOrIntegerColumn: String?

    init(connection: SQLiteConnection, range: ClosedRange<Int64>? = nil) throws {
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
        let signed = indexes.filter { $0.key != "mac" }.sorted { CanonicalJSON.precedes($0.key, $1.key) }
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
        nonTextOrIntegerColumn = nil
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
        if badColumn >= 0 { nonTextOrIntegerColumn = planNames[badColumn] }
        return true
    }

    /// Completes this row's place in `batch` (its payload is already there) and copies its mac
    /// into `previousMac` for the next row's link check: one fetch of the mac column for both.
    func commit(to batch: inout MacPipeline.Batch, keyIndex: Int32?, previousMac: inout [UInt8]) {
        statement.withText(at: macIndex) { mac in
            if let keyIndex {
                batch.ends.append(batch.payloads.count)
                batch.seqs.append(seq)
                batch.keys.append(keyIndex)
                if mac.count == 64 {
                    batch.macs.append(contentsOf: mac)
                    batch.macLengthOK.append(true)
                } else {
                    batch.macs.append(contentsOf: repeatElement(0, count: 64))
                    batch.macLengthOK.append(false)
                }
            }
            if previousMac.count != mac.count { previousMac = Array(mac) } else {
                previousMac.withUnsafeMutableBytes { $0.copyMemory(from: mac) }
            }
        }
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

    /// The row's kind, for the few kinds verification follows.
    var kindCode: KindCode {
        statement.withText(at: kindIndex) { text in
            // Only these lengths can match; most rows are told apart by their length and first bytes.
            guard text.count == 16 || text.count == 15 || text.count == 11, let base = text.baseAddress else { return .other }
            func equals(_ literal: StaticString) -> Bool {
                literal.utf8CodeUnitCount == text.count && memcmp(base, literal.utf8Start, text.count) == 0
            }
            if equals("switch.requested") { return .switchRequested }
            if equals("switch.completed") { return .switchCompleted }
            if equals("switch.resolved") { return .switchResolved }
            if equals("key.rotated") { return .keyRotated }
            return .other
        }
    }
}
