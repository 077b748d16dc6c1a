/// A `TileHashSource` over a backend's stored tree.
struct StoredTiles: TileHashSource {
    let storage: any TreeStorage
    func tileHashes(level: Int, start: Int64, count: Int) throws -> [TreeHash] {
        try storage.treeHashes(level: level, start: start, count: count)
    }
}

/// The public tree of a ledger at one size, with proofs.
public struct PublicTree {
    /// Leaves: entries seq 1…size.
    public let size: Int64
    private let root: TreeHash
    private let inclusion: (Int64) throws -> [TreeHash]
    private let consistency: (Int64) throws -> [TreeHash]

    init<Nodes: MerkleNodeSource>(tree: MerkleTree<Nodes>) throws {
        size = tree.size
        root = try tree.root()
        inclusion = { try tree.inclusionProof(leafIndex: $0) }
        consistency = { try tree.consistencyProof(from: $0) }
    }

    /// The root hash (RFC 6962 MTH).
    public var rootHash: TreeHash { root }
    /// The audit path of entry `seq` (leaf `seq - 1`).
    public func inclusionProof(seq: Int64) throws -> [TreeHash] { try inclusion(seq - 1) }
    /// The consistency proof from the tree of `oldSize` leaves to this one.
    public func consistencyProof(from oldSize: Int64) throws -> [TreeHash] { try consistency(oldSize) }
}

extension LedgerStore {
    /// The public tree at `size` (default: the head). A writable ledger first brings its stored tree
    /// state up to the head (derived data, in one write transaction; `progress` gets the leaves
    /// hashed so far); a read-only one whose stored state is missing or behind computes the tree in
    /// memory from the entries. The stored state is never trusted by `verify`, which recomputes.
    public func publicTree(size requested: Int64? = nil, writable: Bool, progress: ((Int64) -> Void)? = nil) throws -> PublicTree {
        do {
            if writable { try syncTree(progress: progress) }
            return try storage.readTransaction(context: "reading the tree") {
                let head = try storage.headSeq()
                let size = requested ?? head
                guard size >= 0, size <= head else { throw MerkleError.sizeOutOfRange(old: size, new: head) }
                if try storage.treeTableExists(), try storage.storedTreeSize() >= size {
                    return try PublicTree(tree: MerkleTree(nodes: MemoizedTiles(source: StoredTiles(storage: storage)), size: size))
                }
                return try PublicTree(tree: MerkleTree(nodes: MemoizedTiles(source: try memoryTiles(through: size, progress: progress)), size: size))
            }
        } catch {
            throw LedgerError.wrap(error)
        }
    }

    /// Recomputes the root of the tree of entries 1…`size` from the rows (what a verifier trusts):
    /// one streaming pass, constant memory.
    public func recomputedTreeRoot(size: Int64) throws -> TreeHash {
        try recomputedTreeRoots(sizes: [size])[size] ?? MerkleHash.emptyRoot
    }

    /// Recomputes the roots of the trees of each of `sizes` from the rows, in one streaming pass with
    /// constant memory (only the tree's right edge is kept). A size beyond the head is left out of the
    /// result (the caller reports that the ledger no longer holds it).
    public func recomputedTreeRoots(sizes: Set<Int64>, progress: ((Int64) -> Void)? = nil) throws -> [Int64: TreeHash] {
        try recomputedTreeRoots(sizes: sizes, batchRows: LeafHashPipeline.batchRows, progress: progress)
    }

    /// `recomputedTreeRoots(sizes:progress:)` with batches of at most `batchRows` leaves (tests use tiny ones).
    func recomputedTreeRoots(sizes: Set<Int64>, batchRows: Int, progress: ((Int64) -> Void)?) throws -> [Int64: TreeHash] {
        do {
            return try storage.readTransaction(context: "recomputing the tree") {
                var roots: [Int64: TreeHash] = [:]
                if sizes.contains(0) { roots[0] = MerkleHash.emptyRoot }
                guard let last = sizes.max(), last > 0 else { return roots }
                // Rows and leaf inputs on this thread, leaf hashes and the tree on a second one.
                let pipeline = LeafHashPipeline(sizes: sizes)
                var batch = LeafHashPipeline.Batch()
                var expected: Int64 = 1
                batch.firstSeq = 1
                try storage.forEachLeafInput(from: 1, through: last) { seq, input in
                    guard seq == expected else {
                        throw LedgerError.entryDoesNotVerify(seq: seq, reason: "seq does not follow \(expected - 1): the tree cannot be built")
                    }
                    expected += 1
                    batch.bytes.append(contentsOf: input)
                    batch.ends.append(batch.bytes.count)
                    if batch.count >= batchRows || batch.bytes.count >= LeafHashPipeline.batchBytes {
                        pipeline.submit(batch)
                        batch = LeafHashPipeline.Batch()
                        batch.firstSeq = expected
                    }
                    if seq % 100_000 == 0 { progress?(seq) }
                }
                if batch.count > 0 { pipeline.submit(batch) }
                roots.merge(pipeline.finish()) { old, _ in old }
                return roots
            }
        } catch {
            throw LedgerError.wrap(error)
        }
    }

    /// Drops the stored tree state and hashes every entry again.
    public func rebuildTree(progress: ((Int64) -> Void)? = nil) throws {
        do {
            try storage.writeTransaction(context: "rebuilding the tree") { try storage.deleteTree() }
            try syncTree(progress: progress)
        } catch {
            throw LedgerError.wrap(error)
        }
    }

    private func memoryTiles(through size: Int64, progress: ((Int64) -> Void)?) throws -> InMemoryTiles {
        var tiles = InMemoryTiles()
        var appender = TreeAppender()
        if size > 0 {
            try storage.forEachLeafInput(from: 1, through: size) { seq, input in
                guard seq == appender.size + 1 else {
                    throw LedgerError.entryDoesNotVerify(seq: seq, reason: "seq does not follow \(appender.size): the tree cannot be built")
                }
                tiles.store(appender.append(leafInput: input))
                if seq % 100_000 == 0 { progress?(seq) }
            }
        }
        guard appender.size == size else {
            throw LedgerError.entryDoesNotVerify(seq: appender.size + 1, reason: "the entry is missing: the tree cannot be built")
        }
        return tiles
    }

    /// True when the stored leaf hash of `seq` is the hash of that row as it is now.
    private func storedLeafMatchesRow(seq: Int64) throws -> Bool {
        let stored = try storage.treeHashes(level: 0, start: seq - 1, count: 1)
        var fresh: TreeHash?
        let hasher = TreeHasher()
        try storage.forEachLeafInput(from: seq, through: seq) { _, input in fresh = hasher.leaf(input) }
        return stored.first == fresh
    }

    private func syncTree(progress: ((Int64) -> Void)?) throws {
        try storage.writeTransaction(context: "updating the tree") {
            guard try storage.treeTableExists() else { return }
            let head = try storage.headSeq()
            var stored = try storage.storedTreeSize()
            if stored > head {
                // Derived data ahead of the entries: not trusted, rebuilt.
                try storage.deleteTree()
                stored = 0
            }
            if stored > 0, try !storedLeafMatchesRow(seq: stored) {
                // The row under the newest stored leaf changed (a rewritten ledger): the derived state is
                // stale below it too, so it is rebuilt rather than extended.
                try storage.deleteTree()
                stored = 0
            }
            guard stored < head else { return }
            var appender = stored == 0 ? TreeAppender() : try TreeAppender(size: stored, nodes: TiledNodes(source: StoredTiles(storage: storage)))
            var batch: [TreeNode] = []
            try storage.forEachLeafInput(from: stored + 1, through: head) { seq, input in
                guard seq == appender.size + 1 else {
                    throw LedgerError.entryDoesNotVerify(seq: seq, reason: "seq does not follow \(appender.size): the tree cannot be built")
                }
                batch += appender.append(leafInput: input)
                if batch.count >= 4096 {
                    try storage.storeTreeNodes(batch)
                    batch.removeAll(keepingCapacity: true)
                }
                if seq % 100_000 == 0 { progress?(seq) }
            }
            try storage.storeTreeNodes(batch)
        }
    }
}
