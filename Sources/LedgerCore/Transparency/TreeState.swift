/// The tree's derived state: leaf hashes and tile roots (levels 0, 8, 16, …), kept by a backend or in
/// memory, from which any complete subtree is folded from at most 256 stored hashes.
public protocol TileHashSource {
    /// `count` stored hashes of `level` (a multiple of `TreeTiles.height`) from `start`.
    func tileHashes(level: Int, start: Int64, count: Int) throws -> [TreeHash]
}

/// Tile geometry and the one folding rule.
public enum TreeTiles {
    /// Levels stored: multiples of this.
    public static let height = 8

    /// The hash of complete subtree `(level, index)` from the stored level below it.
    static func subtree(level: Int, index: Int64, from source: some TileHashSource) throws -> TreeHash {
        let stored = level - level % height
        let width = 1 << (level - stored)
        var hashes = try source.tileHashes(level: stored, start: index << (level - stored), count: width)
        while hashes.count > 1 {
            var next: [TreeHash] = []
            next.reserveCapacity(hashes.count / 2)
            var i = 0
            while i < hashes.count {
                next.append(MerkleHash.node(hashes[i], hashes[i + 1]))
                i += 2
            }
            hashes = next
        }
        return hashes[0]
    }
}

/// A node source over stored tiles.
public struct TiledNodes<Source: TileHashSource>: MerkleNodeSource {
    public let source: Source
    public init(source: Source) { self.source = source }
    public func subtree(level: Int, index: Int64) throws -> TreeHash {
        try TreeTiles.subtree(level: level, index: index, from: source)
    }
}

/// Tiles held in memory (a read-only ledger without the tree table, a bundle, a test).
public struct InMemoryTiles: TileHashSource, Sendable {
    /// levels[k] holds level k·8, hashes concatenated (32 bytes each).
    private var levels: [[UInt8]] = [[]]

    public init() {}

    public func tileHashes(level: Int, start: Int64, count: Int) throws -> [TreeHash] {
        let k = level / TreeTiles.height
        guard level % TreeTiles.height == 0, k < levels.count, start >= 0, (Int(start) + count) * 32 <= levels[k].count else {
            throw MerkleError.missingNode(level: level, index: start)
        }
        return (0..<count).map { i in
            let offset = (Int(start) + i) * 32
            return Array(levels[k][offset..<offset + 32])
        }
    }

    /// Stores nodes produced by a `TreeAppender`.
    public mutating func store(_ nodes: [TreeNode]) {
        for node in nodes {
            let k = node.level / TreeTiles.height
            while levels.count <= k { levels.append([]) }
            // Appenders emit nodes in index order.
            levels[k].append(contentsOf: node.hash)
        }
    }
}

/// Appends leaves to a tree, keeping its right edge (the complete subtrees of the binary
/// decomposition of its size) and emitting the nodes to store: every leaf hash, and every
/// completed subtree whose level is a multiple of `TreeTiles.height`.
public struct TreeAppender {
    /// Leaves so far.
    public private(set) var size: Int64
    private var edge: [(level: Int, hash: TreeHash)]
    private let hasher = TreeHasher()

    /// An empty tree.
    public init() {
        size = 0
        edge = []
    }

    /// The tree of `size` leaves whose nodes `nodes` holds.
    public init(size: Int64, nodes: some MerkleNodeSource) throws {
        self.size = size
        edge = []
        var start: Int64 = 0
        for level in stride(from: 63, through: 0, by: -1) where size >> level & 1 == 1 {
            edge.append((level, try nodes.subtree(level: level, index: start >> level)))
            start += 1 << level
        }
    }

    /// Adds the leaf whose input is `leafInput`; returns the nodes to store.
    mutating func append(leafInput: UnsafeRawBufferPointer) -> [TreeNode] {
        append(leafHash: hasher.leaf(leafInput))
    }

    /// Adds one leaf; returns the nodes to store.
    public mutating func append(leafHash: TreeHash) -> [TreeNode] {
        var emitted = [TreeNode(level: 0, index: size, hash: leafHash)]
        add(leafHash: leafHash) { emitted.append($0) }
        return emitted
    }

    /// Adds one leaf, keeping only the right edge (a verifier recomputing a root stores nothing).
    mutating func add(leafHash: TreeHash, completed: (TreeNode) -> Void = { _ in }) {
        edge.append((0, leafHash))
        size += 1
        while edge.count >= 2, edge[edge.count - 1].level == edge[edge.count - 2].level {
            let right = edge.removeLast(), left = edge.removeLast()
            let level = left.level + 1
            let hash = hasher.node(left.hash, right.hash)
            edge.append((level, hash))
            if level % TreeTiles.height == 0 {
                completed(TreeNode(level: level, index: (size >> level) - 1, hash: hash))
            }
        }
    }

    /// Hashes the leaf input and adds the leaf, keeping only the right edge.
    mutating func add(leafInput: UnsafeRawBufferPointer) {
        add(leafHash: hasher.leaf(leafInput))
    }

    /// The root of the tree so far (RFC 6962 MTH): the right edge folded from the right.
    public var root: TreeHash {
        guard var hash = edge.last?.hash else { return MerkleHash.emptyRoot }
        for node in edge.dropLast().reversed() { hash = MerkleHash.node(node.hash, hash) }
        return hash
    }
}

/// A node source over stored tiles that remembers what it computed: every node a fold passes
/// through is kept, so proofs for neighbouring leaves (an export proves thousands in a row) reuse
/// them instead of reading and hashing the same tiles again. Bounded: forgotten wholesale when full.
final class MemoizedTiles<Source: TileHashSource>: MerkleNodeSource {
    private struct Key: Hashable {
        let level: Int
        let index: Int64
    }

    private let source: Source
    private var cache: [Key: TreeHash] = [:]
    private let hasher = TreeHasher()
    /// At most this many nodes are kept (about 100 bytes each).
    static var capacity: Int { 200_000 }

    init(source: Source) { self.source = source }

    func subtree(level: Int, index: Int64) throws -> TreeHash {
        if let known = cache[Key(level: level, index: index)] { return known }
        if cache.count >= Self.capacity { cache.removeAll(keepingCapacity: true) }
        let stored = level - level % TreeTiles.height
        var hashes = try source.tileHashes(level: stored, start: index << (level - stored), count: 1 << (level - stored))
        var currentLevel = stored
        var firstIndex = index << (level - stored)
        while hashes.count > 1 {
            var next: [TreeHash] = []
            next.reserveCapacity(hashes.count / 2)
            var i = 0
            while i < hashes.count {
                next.append(hasher.node(hashes[i], hashes[i + 1]))
                i += 2
            }
            currentLevel += 1
            firstIndex >>= 1
            for (offset, hash) in next.enumerated() { cache[Key(level: currentLevel, index: firstIndex + Int64(offset))] = hash }
            hashes = next
        }
        cache[Key(level: level, index: index)] = hashes[0]
        return hashes[0]
    }
}
