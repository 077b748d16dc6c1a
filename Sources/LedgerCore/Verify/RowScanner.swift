import Foundation

/// Reads `entries` in seq order and builds each row's signed payload P in a reused
/// buffer, straight from SQLite's column memory (no per-row allocation on the hot path).
struct RowScanner {
    enum KindCode { case switchRequested, switchCompleted, switchResolved, keyRotated, other }

    private let statement: SQLiteStatement
    /// Signed columns (all but `mac`), in RFC 8785 member order, with their `"name":` prefix bytes.
    private let plan: [(index: Int, name: String, prefix: [UInt8])]
    let seqIndex: Int, ledgerIDIndex: Int, recordedAtIndex: Int, kindIndex: Int, keyIDIndex: Int
    let prevMacIndex: Int, macIndex: Int, refSeqIndex: Int, detailsIndex: Int
    private var payload: [UInt8] = []
    private var digest = [UInt8](repeating: 0, count: 32)
    private var hex = [UInt8](repeating: 0, count: 64)

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
        plan = indexes.filter { $0.key != "mac" }
            .sorted { CanonicalJSON.precedes($0.key, $1.key) }
            .map { name, index in
                var prefix: [UInt8] = []
                CanonicalJSON.appendString(name, to: &prefix)
                prefix.append(UInt8(ascii: ":"))
                return (index, name, prefix)
            }
        payload.reserveCapacity(4096)
    }

    /// Steps to the next row and builds its payload. False at the end.
    mutating func next() throws -> Bool {
        guard try statement.step(context: "scanning the ledger") else { return false }
        seqIsInteger = statement.storageClass(at: seqIndex) == .integer
        seq = statement.int64(at: seqIndex)
        nonTextOrIntegerColumn = nil
        payload.removeAll(keepingCapacity: true)
        payload.append(UInt8(ascii: "{"))
        var first = true
        for column in plan {
            let storage = statement.storageClass(at: column.index)
            if storage == .null { continue }
            if !first { payload.append(UInt8(ascii: ",")) }
            first = false
            payload.append(contentsOf: column.prefix)
            switch storage {
            case .integer:
                CanonicalJSON.appendInteger(statement.int64(at: column.index), to: &payload)
            case .text:
                statement.withText(at: column.index) { CanonicalJSON.appendString(utf8: $0, to: &payload) }
            default:
                nonTextOrIntegerColumn = column.name
                payload.append(contentsOf: "null".utf8)
            }
        }
        payload.append(UInt8(ascii: "}"))
        return true
    }

    /// True when the row's `mac` column is the lowercase hex HMAC of its payload.
    mutating func macMatches(_ hmac: HMACSHA256) throws -> Bool {
        try payload.withUnsafeBytes { message in
            try digest.withUnsafeMutableBufferPointer { out in
                // Both buffers are non-empty, so their base addresses exist.
                try hmac.authenticate(message, into: out.baseAddress!)
            }
        }
        digest.withUnsafeBufferPointer { d in
            hex.withUnsafeMutableBufferPointer { h in Hex.encode32(d.baseAddress!, into: h.baseAddress!) }
        }
        return textEquals(macIndex, hex)
    }

    /// True when column `index` is text equal to `bytes`.
    func textEquals(_ index: Int, _ bytes: [UInt8]) -> Bool {
        guard statement.storageClass(at: index) == .text else { return false }
        return statement.withText(at: index) { text in
            text.count == bytes.count && (text.count == 0 || bytes.withUnsafeBytes { memcmp($0.baseAddress!, text.baseAddress!, text.count) == 0 })
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

    /// Copies the row's mac into `buffer` (reusing its storage).
    func copyMac(into buffer: inout [UInt8]) {
        statement.withText(at: macIndex) { text in
            if buffer.count != text.count { buffer = Array(text) } else {
                buffer.withUnsafeMutableBytes { $0.copyMemory(from: text) }
            }
        }
    }

    /// ref_seq when it is an integer.
    var refSeq: Int64? { statement.storageClass(at: refSeqIndex) == .integer ? statement.int64(at: refSeqIndex) : nil }

    /// The row's kind, for the few kinds verification follows.
    var kindCode: KindCode {
        statement.withText(at: kindIndex) { text in
            switch text.count {
            case 16 where text.elementsEqual("switch.requested".utf8): return .switchRequested
            case 16 where text.elementsEqual("switch.completed".utf8): return .switchCompleted
            case 15 where text.elementsEqual("switch.resolved".utf8): return .switchResolved
            case 11 where text.elementsEqual("key.rotated".utf8): return .keyRotated
            default: return .other
            }
        }
    }
}
