/// The public tree's derived state in SQLite (`migrations/sqlite/0004_tree.sql`).
extension SQLiteLedgerStorage: TreeStorage {
    public func treeTableExists() throws -> Bool {
        (try connection.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'tree_nodes'").integer ?? 0) > 0
    }

    public func storedTreeSize() throws -> Int64 {
        guard let highest = try connection.scalar("SELECT max(idx) FROM tree_nodes WHERE level = 0").integer else { return 0 }
        return highest + 1
    }

    public func treeHashes(level: Int, start: Int64, count: Int) throws -> [TreeHash] {
        let statement = try connection.prepare(
            "SELECT idx, hash FROM tree_nodes WHERE level = ?1 AND idx >= ?2 AND idx < ?3 ORDER BY idx", context: "reading the tree")
        try statement.bind([.integer(Int64(level)), .integer(start), .integer(start + Int64(count))])
        var hashes: [TreeHash] = []
        hashes.reserveCapacity(count)
        while try statement.step(context: "reading the tree") {
            guard case .integer(let index) = statement.value(at: 0), index == start + Int64(hashes.count),
                case .blob(let hash) = statement.value(at: 1), hash.count == 32
            else { throw MerkleError.missingNode(level: level, index: start + Int64(hashes.count)) }
            hashes.append(hash)
        }
        guard hashes.count == count else { throw MerkleError.missingNode(level: level, index: start + Int64(hashes.count)) }
        return hashes
    }

    public func storeTreeNodes(_ nodes: [TreeNode]) throws {
        let statement = try connection.prepare("INSERT OR REPLACE INTO tree_nodes (level, idx, hash) VALUES (?1, ?2, ?3)", context: "storing the tree")
        for node in nodes {
            try statement.run([.integer(Int64(node.level)), .integer(node.index), .blob(node.hash)], context: "storing the tree")
        }
    }

    public func deleteTree() throws {
        try connection.execute("DELETE FROM tree_nodes", context: "clearing the tree")
    }

    public func forEachLeafInput(from first: Int64, through last: Int64, _ body: (Int64, UnsafeRawBufferPointer) throws -> Void) throws {
        guard first <= last else { return }
        // The verifier's zero-copy row reader, building the leaf input (mac included) in one reused buffer.
        var scanner = try SQLiteRowScanner(connection: connection, range: first...last, includingMac: true)
        var buffer: [UInt8] = []
        buffer.reserveCapacity(4096)
        while try scanner.next(appendingPayloadTo: &buffer) {
            try buffer.withUnsafeBytes { try body(scanner.seq, $0) }
            buffer.removeAll(keepingCapacity: true)
        }
    }

    public func headSeq() throws -> Int64 {
        try connection.scalar("SELECT max(seq) FROM entries").integer ?? 0
    }
}
