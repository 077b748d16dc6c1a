import Foundation
import LedgerTestSupport
import Testing

@_spi(Testing) @testable import LedgerCore

/// The binary COPY stream the PostgreSQL verifier reads its rows from: the parser on hand-made
/// bytes (any split into messages, truncated and corrupt streams), and a scan that stops early
/// against `LEDGER_TEST_POSTGRES_URL`.
@Suite("PostgreSQL COPY stream")
struct PostgreSQLCopyStreamTests {
    /// Messages from memory, each copied into its own allocation that is freed on the next call
    /// (as libpq frees its buffers).
    final class Messages: PostgreSQLCopySource {
        private var chunks: [[UInt8]]
        private var current: UnsafeMutableRawBufferPointer?
        init(_ chunks: [[UInt8]]) { self.chunks = chunks }
        deinit { current?.deallocate() }

        func nextMessage() throws -> UnsafeRawBufferPointer? {
            current?.deallocate()
            current = nil
            guard !chunks.isEmpty else { return nil }
            let chunk = chunks.removeFirst()
            let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, chunk.count), alignment: 1)
            copy.copyBytes(from: chunk)
            current = copy
            return UnsafeRawBufferPointer(start: copy.baseAddress, count: chunk.count)
        }

        func drain() { chunks = [] }
    }

    static let header: [UInt8] = PostgreSQLCopyReader.signature + [0, 0, 0, 0] + [0, 0, 0, 0]

    static func int16(_ v: Int16) -> [UInt8] { withUnsafeBytes(of: v.bigEndian) { Array($0) } }
    static func int32(_ v: Int32) -> [UInt8] { withUnsafeBytes(of: v.bigEndian) { Array($0) } }

    /// A whole stream: header, the tuples (nil: NULL), trailer.
    static func stream(_ tuples: [[[UInt8]?]], header: [UInt8] = header) -> [UInt8] {
        var bytes = header
        for tuple in tuples {
            bytes += int16(Int16(tuple.count))
            for field in tuple {
                if let field { bytes += int32(Int32(field.count)) + field } else { bytes += int32(-1) }
            }
        }
        return bytes + int16(-1)
    }

    static let tuples: [[[UInt8]?]] = [
        [int64(1), Array("ledger\u{0}id".utf8), nil],
        [int64(2), [], Array(repeating: 0xFF, count: 5000)],
        [int64(-9), [0x80], nil],
    ]
    static func int64(_ v: Int64) -> [UInt8] { withUnsafeBytes(of: v.bigEndian) { Array($0) } }

    static func readAll(_ chunks: [[UInt8]], columns: Int = 3) throws -> [[[UInt8]?]] {
        let reader = PostgreSQLCopyReader(source: Messages(chunks), columnCount: columns, context: "test")
        var rows: [[[UInt8]?]] = []
        while try reader.next() {
            rows.append((0..<columns).map { reader.isNull($0) ? nil : Array(reader.bytes($0)) })
            if rows.count > 100 { break }
        }
        return rows
    }

    static func expectMalformed(_ chunks: [[UInt8]], columns: Int = 3, _ comment: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let error = #expect(throws: PostgreSQLError.self, Comment(rawValue: comment), sourceLocation: sourceLocation) {
            _ = try readAll(chunks, columns: columns)
        }
        #expect(
            error?.message.hasPrefix("malformed binary COPY data") == true, Comment(rawValue: "\(comment): \(String(describing: error))"),
            sourceLocation: sourceLocation)
    }

    @Test("a binary COPY stream parses to the same fields (NULLs, NUL bytes, empty values) however it is split into messages")
    func parsesAnySplit() throws {
        let bytes = Self.stream(Self.tuples)
        #expect(try Self.readAll([bytes]) == Self.tuples)
        // One message per byte, and every two-way split.
        #expect(try Self.readAll(bytes.map { [$0] }) == Self.tuples)
        for cut in stride(from: 0, through: bytes.count, by: 7) {
            #expect(try Self.readAll([Array(bytes[..<cut]), [], Array(bytes[cut...])]) == Self.tuples, "split at \(cut)")
        }
        // A header extension is skipped; an empty table is just header and trailer.
        let extended = PostgreSQLCopyReader.signature + Self.int32(0) + Self.int32(3) + [1, 2, 3]
        #expect(try Self.readAll([Self.stream(Self.tuples, header: extended)]) == Self.tuples)
        #expect(try Self.readAll([Self.stream([])]).isEmpty)
    }

    @Test("a truncated binary COPY stream is refused with a typed error at every cut, never a crash")
    func refusesTruncatedStreams() {
        let bytes = Self.stream(Self.tuples)
        for cut in 0..<bytes.count {
            Self.expectMalformed([Array(bytes[..<cut])], "cut at \(cut)")
        }
        Self.expectMalformed([], "no message at all")
    }

    @Test("a corrupt or hostile binary COPY stream is refused with a typed error")
    func refusesCorruptStreams() {
        var signature = Self.stream(Self.tuples)
        signature[6] = 0x0D
        Self.expectMalformed([signature], "wrong signature")
        let oids = PostgreSQLCopyReader.signature + Self.int32(1 << 16) + Self.int32(0)
        Self.expectMalformed([Self.stream(Self.tuples, header: oids)], "OIDs flag")
        let critical = PostgreSQLCopyReader.signature + Self.int32(1) + Self.int32(0)
        Self.expectMalformed([Self.stream(Self.tuples, header: critical)], "critical flag")
        let negativeExtension = PostgreSQLCopyReader.signature + Self.int32(0) + Self.int32(-5)
        Self.expectMalformed([Self.stream(Self.tuples, header: negativeExtension)], "negative extension")
        let hugeExtension = PostgreSQLCopyReader.signature + Self.int32(0) + Self.int32(Int32.max)
        Self.expectMalformed([Self.stream(Self.tuples, header: hugeExtension)], "huge extension")
        Self.expectMalformed([Self.stream(Self.tuples)], columns: 4, "field count differs from the columns")
        Self.expectMalformed([Self.stream([[nil, nil]])], "fewer fields")
        Self.expectMalformed([Self.header + Self.int16(3) + Self.int32(-2) + Self.int16(-1)], "length -2")
        Self.expectMalformed([Self.header + Self.int16(3) + Self.int32(Int32.max) + [1, 2, 3] + Self.int16(-1)], "length past the end")
        Self.expectMalformed([Self.header + Self.int16(3) + Self.int32(Int32.min)], "length Int32.min")
        Self.expectMalformed([Self.header + Self.int16(-2)], "field count -2")
        Self.expectMalformed([Self.header + Self.int16(Int16.max)], "field count Int16.max")
        Self.expectMalformed([Self.stream(Self.tuples) + [0]], "a byte after the trailer")
        Self.expectMalformed([Self.stream(Self.tuples), [0]], "a message after the trailer")
    }

    // MARK: Against a server

    let provenance = Provenance(actor: "test-actor", osUser: "tester", host: "test-host")

    func makeLedger(entries: Int) throws -> (url: String, store: LedgerStore, keys: KeyRing, directory: TemporaryDirectory) {
        let url = try PostgresTestServer.makeDatabase()
        let directory = TemporaryDirectory()
        let keys = try KeyFile.create(path: directory.file("ledger.key"))
        let (store, _) = try LedgerStore.create(database: .postgresql(url: url), provenance: provenance, keyRing: { keys })
        _ = try store.append(contentsOf: (0..<entries).map(TestLedger.sampleDraft), keyRing: keys, provenance: provenance)
        return (url, store, keys, directory)
    }

    struct Stop: Error {}

    @Test("a scan that stops early (its consumer throws) leaves the connection usable: in its own snapshot and inside the caller's transaction")
    func earlyStopLeavesConnectionUsable() throws {
        let (_, store, keys, _) = try makeLedger(entries: 3000)
        let storage = try #require(store.storage as? PostgreSQLLedgerStorage)
        var seen: [Int64] = []
        #expect(throws: Stop.self) {
            try storage.forEachLeafInput(from: 1, through: 3001) { seq, _ in
                seen.append(seq)
                if seq == 3 { throw Stop() }
            }
        }
        #expect(seen == [1, 2, 3])
        #expect(try storage.connection.integer(PostgreSQLQuery("SELECT count(*) FROM entries"), context: "test") == 3001)
        // Inside a transaction that goes on after the stop: the rest of the COPY was read, the
        // transaction is not aborted, and the next statement sees the same snapshot.
        try storage.connection.inSnapshot(context: "test") {
            #expect(throws: Stop.self) {
                try storage.forEachLeafInput(from: 10, through: 3001) { seq, _ in if seq == 11 { throw Stop() } }
            }
            #expect(storage.connection.isIdle, "the rest of the COPY was read when the scan stopped")
            #expect(try storage.connection.integer(PostgreSQLQuery("SELECT max(seq) FROM entries"), context: "test") == 3001)
            var count = 0
            try storage.forEachLeafInput(from: 2990, through: 3001) { _, _ in count += 1 }
            #expect(count == 12)
        }
        let report = try Verifier(keyRing: keys).verify(store)
        #expect(report.isIntact, "\(report.findings)")
        #expect(report.entries == 3001)
    }

    @Test("a range verify reads exactly its rows through COPY; a tampered row is caught at its seq inside the range, not outside it")
    func rangeVerifyThroughCopy() throws {
        let (url, _, keys, _) = try makeLedger(entries: 40)
        try PostgreSQLTestAccess.execute(
            url: url,
            """
            ALTER TABLE entries DISABLE TRIGGER entries_no_update_or_delete;
            UPDATE entries SET reason = convert_to('rewritten', 'UTF8') WHERE seq = 30;
            ALTER TABLE entries ENABLE TRIGGER entries_no_update_or_delete;
            """)
        let reopened = try LedgerStore.open(database: .postgresql(url: url), writable: false)
        var verifier = Verifier(keyRing: keys)
        verifier.range = 5...20
        let clean = try verifier.verify(reopened)
        #expect(clean.isIntact, "\(clean.findings)")
        #expect(clean.entries == 16)
        verifier.range = 25...35
        let tampered = try verifier.verify(reopened)
        #expect(tampered.entries == 11)
        #expect(tampered.findings.map(\.seq) == [30])
        #expect(tampered.findings.first?.kind == .macMismatch)
        verifier.range = 41...41
        #expect(try verifier.verify(reopened).entries == 1)
    }
}
