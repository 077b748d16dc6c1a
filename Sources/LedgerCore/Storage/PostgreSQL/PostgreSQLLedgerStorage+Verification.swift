import Foundation

/// The reads of verification, export, checkpoints and the writers' tail check: the SQL behind
/// the chain checker's row sources, for PostgreSQL.
extension PostgreSQLLedgerStorage: VerificationStorage {
    func scanChain(range: ClosedRange<Int64>?, into scan: inout ChainScan) throws {
        try connection.inSnapshot(context: "verifying the ledger") {
            var scanner = try PostgreSQLRowScanner(connection: connection, range: range)
            // A scan that stops early (an error) reads the rest of the COPY first: the connection
            // then runs the ROLLBACK, or the caller's next statement, as usual.
            defer { scanner.close() }
            scan.begin(scanner)
            while try scan.consume(&scanner) {}
        }
    }

    func mac(atSeq seq: Int64) throws -> String? {
        try connection.text(PostgreSQLQuery("SELECT mac FROM entries WHERE seq = $1", [.integer(seq)]), context: "reading a mac")
    }

    func recordedAt(seq: Int64) throws -> String? {
        try connection.text(PostgreSQLQuery("SELECT recorded_at FROM entries WHERE seq = $1", [.integer(seq)]), context: "reading a timestamp")
    }

    func maxSeq() throws -> Int64? {
        try connection.integer(PostgreSQLQuery("SELECT max(seq) FROM entries"), context: "reading the ledger's head")
    }

    func headSeqAndMac() throws -> (seq: Int64, mac: String)? {
        let result = try connection.run(PostgreSQLQuery("SELECT seq, mac FROM entries ORDER BY seq DESC LIMIT 1"), context: "reading the ledger's head")
        guard result.rowCount > 0, let seq = result.optionalInt64(0, 0), let mac = result.string(0, 1) else { return nil }
        return (seq, mac)
    }

    /// The append-only triggers of `migrations/postgresql/0001`, present and enabled.
    static let appendOnlyTriggers = ["entries_no_update_or_delete", "entries_no_truncate"]

    /// True when both append-only triggers are on `entries` and enabled.
    func hasAppendOnlyTriggers() throws -> Bool {
        var query = PostgreSQLQuery(
            """
            SELECT count(*) FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
            WHERE c.oid = 'entries'::regclass AND t.tgenabled <> 'D' AND convert_to(t.tgname::text, 'UTF8') IN (
            """)
        let names = Self.appendOnlyTriggers.map { query.bind(.text($0)) }
        query.append(names.joined(separator: ", ") + ")")
        return try connection.integer(query, context: "reading the schema") ?? 0 >= Int64(Self.appendOnlyTriggers.count)
    }

    func keyEventRows(before seq: Int64?) throws -> [ColumnRow] {
        let result = try connection.run(
            PostgreSQLQuery(
                "SELECT * FROM entries WHERE (seq = 1 OR kind = $1) AND seq < $2 ORDER BY seq",
                [.text(EntryKind.keyRotated.rawValue), .integer(seq ?? Int64.max)]),
            context: "reading the ledger's key announcements")
        return result.rows().map(ColumnRow.init)
    }

    func tailRows() throws -> [ColumnRow] {
        try connection.run(PostgreSQLQuery("SELECT * FROM entries ORDER BY seq DESC LIMIT 2"), context: "reading the ledger's tail").rows().map(ColumnRow.init)
    }

    func exportBounds(of selection: ExportSelection, upTo headSeq: Int64) throws -> (first: Int64, last: Int64)? {
        var conditions = PostgreSQLConditions()
        conditions.add("seq", .atMost, .integer(headSeq))
        conditions.add("model", .equals, selection.model.map { .text($0) })
        conditions.add("recorded_at", .atLeast, selection.since.map { .text($0) })
        conditions.add("recorded_at", .atMost, selection.until.map { .text($0) })
        let result = try connection.run(
            conditions.query("SELECT min(seq) AS first, max(seq) AS last FROM entries \(conditions.whereClause)"), context: "finding the entries to export")
        guard result.rowCount > 0, let first = result.optionalInt64(0, 0), let last = result.optionalInt64(0, 1) else { return nil }
        return (first, last)
    }

    func forEachRow(in range: ClosedRange<Int64>, context: String, _ body: (ColumnRow) throws -> Void) throws {
        try connection.forEachBatch(
            PostgreSQLQuery("SELECT * FROM entries WHERE seq BETWEEN $1 AND $2 ORDER BY seq", [.integer(range.lowerBound), .integer(range.upperBound)]),
            context: context
        ) { batch in
            for row in 0..<batch.rowCount { try body(ColumnRow(batch.row(row))) }
            return true
        }
    }
}

/// The public tree's derived state in PostgreSQL (`tree_nodes`, migration 0001).
extension PostgreSQLLedgerStorage: TreeStorage {
    public func treeTableExists() throws -> Bool {
        try connection.integer(
            PostgreSQLQuery("SELECT count(*) FROM pg_catalog.pg_tables WHERE tablename = 'tree_nodes' AND schemaname = current_schema()"),
            context: "reading the schema") ?? 0 > 0
    }

    public func storedTreeSize() throws -> Int64 {
        guard let highest = try connection.integer(PostgreSQLQuery("SELECT max(idx) FROM tree_nodes WHERE level = 0"), context: "reading the tree") else {
            return 0
        }
        return highest + 1
    }

    public func treeHashes(level: Int, start: Int64, count: Int) throws -> [TreeHash] {
        let result = try connection.run(
            PostgreSQLQuery(
                "SELECT idx, hash FROM tree_nodes WHERE level = $1 AND idx >= $2 AND idx < $3 ORDER BY idx",
                [.integer(Int64(level)), .integer(start), .integer(start + Int64(count))]),
            context: "reading the tree")
        var hashes: [TreeHash] = []
        hashes.reserveCapacity(count)
        for row in 0..<result.rowCount {
            let hash = result.bytes(row, 1)
            guard result.optionalInt64(row, 0) == start + Int64(hashes.count), !result.isNull(row, 1), hash.count == 32 else {
                throw MerkleError.missingNode(level: level, index: start + Int64(hashes.count))
            }
            hashes.append(Array(hash))
        }
        guard hashes.count == count else { throw MerkleError.missingNode(level: level, index: start + Int64(hashes.count)) }
        return hashes
    }

    public func storeTreeNodes(_ nodes: [TreeNode]) throws {
        // 1,000 nodes per statement: a tree of a million leaves is stored in a thousand round trips.
        var start = 0
        while start < nodes.count {
            let chunk = nodes[start..<min(start + 1000, nodes.count)]
            start += chunk.count
            var query = PostgreSQLQuery("INSERT INTO tree_nodes (level, idx, hash) VALUES ")
            let rows = chunk.map { node in
                "(" + [query.bind(.integer(Int64(node.level))), query.bind(.integer(node.index)), query.bind(.blob(node.hash))].joined(separator: ", ")
                    + ")"
            }
            query.append(rows.joined(separator: ", ") + " ON CONFLICT (level, idx) DO UPDATE SET hash = EXCLUDED.hash")
            try connection.run(query, context: "storing the tree")
        }
    }

    public func deleteTree() throws {
        try connection.execute("DELETE FROM tree_nodes", context: "clearing the tree")
    }

    public func forEachLeafInput(from first: Int64, through last: Int64, _ body: (Int64, UnsafeRawBufferPointer) throws -> Void) throws {
        guard first <= last else { return }
        try connection.inSnapshot(context: "reading the tree") {
            var scanner = try PostgreSQLRowScanner(connection: connection, range: first...last, includingMac: true)
            defer { scanner.close() }
            var buffer: [UInt8] = []
            buffer.reserveCapacity(4096)
            while try scanner.next(appendingPayloadTo: &buffer) {
                try buffer.withUnsafeBytes { try body(scanner.seq, $0) }
                buffer.removeAll(keepingCapacity: true)
            }
        }
    }

    public func headSeq() throws -> Int64 {
        try connection.integer(PostgreSQLQuery("SELECT max(seq) FROM entries"), context: "reading the ledger's head") ?? 0
    }
}
