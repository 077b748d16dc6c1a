import Foundation

/// A server-side cursor (`DECLARE … NO SCROLL CURSOR`, `FETCH n`) over one query, inside the current
/// transaction: rows arrive in batches, so memory stays flat however many rows the query yields.
final class PostgreSQLCursor {
    private let connection: PostgreSQLConnection
    private let name: String
    private let fetch: PostgreSQLQuery
    private let batchSize: Int
    private let context: String
    /// The current batch (the first one is fetched when the cursor opens, so the columns are known).
    private(set) var batch: PostgreSQLResult
    /// The current row in `batch` (-1 before the first `next`).
    private(set) var row = -1
    private var exhausted = false
    /// The transaction that declared the cursor (it ends with it).
    private let transaction: Int

    init(connection: PostgreSQLConnection, query: PostgreSQLQuery, batchSize: Int = 5000, context: String) throws {
        precondition(connection.inTransaction, "a cursor lives inside a transaction")
        self.connection = connection
        self.name = connection.nextCursorName()
        self.batchSize = max(1, batchSize)
        self.context = context
        transaction = connection.transactionNumber
        fetch = PostgreSQLQuery("FETCH \(self.batchSize) FROM \(name)")
        var declare = query
        declare.prepend("DECLARE \(name) NO SCROLL CURSOR FOR ")
        try connection.run(declare, context: context)
        batch = try connection.run(fetch, context: context)
        exhausted = batch.rowCount < self.batchSize
    }

    deinit {
        // After its transaction the cursor is gone already: closing it then would fail, and abort a
        // transaction that had begun since.
        if connection.inTransaction, connection.transactionNumber == transaction { try? connection.execute("CLOSE \(name)", context: context) }
    }

    /// Moves to the next row: true when there is one.
    @inline(__always)
    func next() throws -> Bool {
        if row + 1 < batch.rowCount {
            row += 1
            return true
        }
        guard !exhausted else { return false }
        batch = try connection.run(fetch, context: context)
        exhausted = batch.rowCount < batchSize
        row = 0
        return batch.rowCount > 0
    }

    /// Replaces the current batch with the next one: false when there is none.
    func nextBatch() throws -> Bool {
        guard !exhausted else { return false }
        batch = try connection.run(fetch, context: context)
        exhausted = batch.rowCount < batchSize
        row = -1
        return batch.rowCount > 0
    }
}

/// Reads `entries` in seq order for the verifier and the tree, as `SQLiteRowScanner` does for SQLite:
/// the rows stream in as one `COPY (SELECT …) TO STDOUT (FORMAT binary)` (the server sends while the
/// client checks: no round trip per batch), and each row's signed columns are copied raw
/// (`RawColumns`) straight from libpq's message memory into the MAC pipeline's batch, one read per
/// column, no per-row allocation; the current row is a `ChainRow` the chain checker compares in place.
struct PostgreSQLRowScanner: ChainCursor {
    private let rows: PostgreSQLCopyReader
    /// Type oid of each column of `SELECT * FROM entries`, in COPY field order.
    private let columnTypes: [UInt32]
    /// Signed columns (all but `mac`; with `includingMac`, all), in RFC 8785 member order.
    private let planIndexes: [Int]
    private let planNames: [String]
    private let planRoles: [Role]
    /// Per signed column: 1 integer, 2 text, 0 anything else (the format allows no other type).
    private let planTypes: [UInt8]
    let payloadPlan: PayloadPlan
    private let scratch = RawBuffer(capacity: 4096)
    let seqIndex: Int, ledgerIDIndex: Int, recordedAtIndex: Int, kindIndex: Int, keyIDIndex: Int
    let prevMacIndex: Int, macIndex: Int, refSeqIndex: Int, detailsIndex: Int

    private(set) var seq: Int64 = 0
    private(set) var seqIsInteger = true
    private(set) var disallowedValueColumn: String?
    private var current = RowFacts()

    typealias Role = ScannedColumnRole
    typealias RowFacts = ScannedRowFacts

    /// A scanner of `range` (every row when nil), inside the connection's current transaction (its
    /// snapshot: the columns are read first, then the rows, by two statements that see the same table).
    init(connection: PostgreSQLConnection, range: ClosedRange<Int64>?, includingMac: Bool = false) throws {
        precondition(connection.inTransaction, "the scanner's two statements share one snapshot")
        let context = "scanning the ledger"
        // The columns' names and types (COPY's binary format carries neither), in `SELECT *` order.
        let result = try connection.run(PostgreSQLQuery("SELECT * FROM entries LIMIT 0"), context: context)
        // COPY takes no parameters: the bounds are written as int8 literals of Int64 values (digits
        // and a sign only), quoted so that Int64.min parses as int8 and the seq index is used.
        let filter = range.map { "WHERE seq BETWEEN '\($0.lowerBound)'::int8 AND '\($0.upperBound)'::int8 " } ?? ""
        rows = try connection.copyOut(
            "COPY (SELECT * FROM entries \(filter)ORDER BY seq) TO STDOUT (FORMAT binary)", columnCount: result.columnCount, context: context)
        columnTypes = (0..<result.columnCount).map { result.type($0) }
        var indexes: [String: Int] = [:]
        for i in 0..<result.columnCount { indexes[result.columnName(i)] = i }
        func index(_ name: String) throws -> Int {
            guard let i = indexes[name] else {
                throw LedgerError.notALedger(path: connection.description, detail: "the entries table has no \(name) column")
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
        planIndexes = signed.map(\.value)
        planNames = signed.map(\.key)
        let roles: [String: Role] = ["seq": .seq, "ledger_id": .ledgerID, "prev_mac": .prevMac, "key_id": .keyID, "kind": .kind]
        planRoles = signed.map { roles[$0.key] ?? .none }
        planTypes = signed.map { result.type($0.value) == PostgreSQLResult.TypeOID.int8 ? 1 : result.isText($0.value) ? 2 : 0 }
        payloadPlan = PayloadPlan(orderedNames: planNames)
    }

    @inline(__always)
    mutating func next(appendingRawColumnsTo out: RawBuffer) throws -> Bool {
        guard try rows.next() else { return false }
        current = appendRawColumns(to: out)
        if let value = current.seq {
            seqIsInteger = true
            seq = value
        } else {
            seqIsInteger = false
            seq = 0
        }
        disallowedValueColumn = current.badColumn >= 0 ? planNames[current.badColumn] : nil
        return true
    }

    /// Steps to the next row and appends its payload P (with `includingMac`: its leaf input) to `out`.
    mutating func next(appendingPayloadTo out: inout [UInt8]) throws -> Bool {
        scratch.count = 0
        guard try next(appendingRawColumnsTo: scratch) else { return false }
        RawColumns.appendPayload(raw: scratch.bytes, plan: payloadPlan, to: &out)
        return true
    }

    func signedPayload() -> [UInt8] {
        let raw = RawBuffer(capacity: 4096)
        _ = appendRawColumns(to: raw)
        var out: [UInt8] = []
        RawColumns.appendPayload(raw: raw.bytes, plan: payloadPlan, to: &out)
        return out
    }

    @inline(__always)
    private func appendRawColumns(to out: RawBuffer) -> RowFacts {
        var facts = RowFacts()
        let rows = self.rows
        planIndexes.withUnsafeBufferPointer { indexes in
            planRoles.withUnsafeBufferPointer { roles in
                planTypes.withUnsafeBufferPointer { types in
                    for k in 0..<indexes.count {
                        let column = indexes[k]
                        if rows.isNull(column) {
                            RawColumns.appendNull(to: out)
                            continue
                        }
                        let value = rows.bytes(column)
                        switch types[k] {
                        case 1 where value.count == 8:
                            let integer = Int64(bigEndian: value.loadUnaligned(as: Int64.self))
                            RawColumns.appendInteger(integer, to: out)
                            if roles[k] == .seq { facts.seq = integer }
                        case 2:
                            RawColumns.appendText(value, to: out)
                            switch roles[k] {
                            case .ledgerID: facts.ledgerID = value
                            case .prevMac: facts.prevMac = value
                            case .keyID: facts.keyID = value
                            case .kind: facts.kind = value
                            case .seq, .none: break
                            }
                        default:
                            facts.badColumn = k
                            RawColumns.appendDisallowed(to: out)
                        }
                    }
                }
            }
        }
        return facts
    }

    // MARK: ChainRow

    private static let empty: [UInt8] = []
    func ledgerIDEquals(_ bytes: [UInt8]) -> Bool { current.ledgerID.map { Self.equal($0, bytes) } ?? false }
    func prevMacEquals(_ bytes: [UInt8]) -> Bool { current.prevMac.map { Self.equal($0, bytes) } ?? false }
    func keyIDEquals(_ bytes: [UInt8]) -> Bool { current.keyID.map { Self.equal($0, bytes) } ?? false }
    var ledgerIDBytes: [UInt8] { current.ledgerID.map { Array($0) } ?? [] }
    var ledgerIDText: String? { string(ledgerIDIndex) }
    var recordedAtText: String? { string(recordedAtIndex) }
    var keyIDBytes: [UInt8] { current.keyID.map { Array($0) } ?? [] }
    func withMac<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try body(isText(macIndex) ? rows.bytes(macIndex) : UnsafeRawBufferPointer(start: nil, count: 0))
    }
    var announcedKeyID: String? {
        guard kindCode == .keyRotated, let details = string(detailsIndex) else { return nil }
        return (try? JSONValue(parsing: details))?["new_key_id"]?.stringValue
    }

    @inline(__always)
    static func equal(_ text: UnsafeRawBufferPointer, _ bytes: [UInt8]) -> Bool {
        guard text.count == bytes.count else { return false }
        return bytes.withUnsafeBytes { mine in
            guard let a = mine.baseAddress, let b = text.baseAddress else { return text.count == 0 }
            return memcmp(a, b, text.count) == 0
        }
    }

    /// Reads the rest of the rows and drops them, leaving the connection ready for the next
    /// statement (for a scan that stops early; the scanner's end does it too).
    func close() { rows.close() }

    /// True when column `index` holds text (as `PostgreSQLResult.isText`).
    private func isText(_ index: Int) -> Bool {
        let t = columnTypes[index]
        typealias T = PostgreSQLResult.TypeOID
        return t == T.bytea || t == T.text || t == T.name || t == T.varchar
    }

    /// Column `index` as a String, nil for NULL or a column that is not text.
    func string(_ index: Int) -> String? {
        guard !rows.isNull(index), isText(index) else { return nil }
        return String(decoding: rows.bytes(index), as: UTF8.self)
    }

    /// `ref_seq` as an integer: nil for NULL or a value that is not a binary int2/int4/int8 of its width.
    var refSeq: Int64? {
        guard !rows.isNull(refSeqIndex) else { return nil }
        let value = rows.bytes(refSeqIndex)
        switch (columnTypes[refSeqIndex], value.count) {
        case (PostgreSQLResult.TypeOID.int8, 8): return Int64(bigEndian: value.loadUnaligned(as: Int64.self))
        case (PostgreSQLResult.TypeOID.int4, 4): return Int64(Int32(bigEndian: value.loadUnaligned(as: Int32.self)))
        case (PostgreSQLResult.TypeOID.int2, 2): return Int64(Int16(bigEndian: value.loadUnaligned(as: Int16.self)))
        default: return nil
        }
    }

    private static let followedKinds: [(bytes: [UInt8], code: ChainKindCode)] = [
        (Array(EntryKind.switchRequested.rawValue.utf8), .switchRequested),
        (Array(EntryKind.switchCompleted.rawValue.utf8), .switchCompleted),
        (Array(EntryKind.switchResolved.rawValue.utf8), .switchResolved),
        (Array(EntryKind.keyRotated.rawValue.utf8), .keyRotated),
    ]

    var kindCode: ChainKindCode {
        guard let text = current.kind else { return .other }
        for kind in Self.followedKinds where Self.equal(text, kind.bytes) { return kind.code }
        return .other
    }
}
