/// Where a tree's complete, aligned subtrees come from: node `(level, index)` covers leaves
/// `index·2^level ..< (index+1)·2^level`. A backend may store only some levels (tiles) and fold the
/// rest: `MerkleTree` asks only for complete subtrees inside the tree's size.
public protocol MerkleNodeSource {
    /// The hash of the complete subtree `(level, index)`.
    func subtree(level: Int, index: Int64) throws -> TreeHash
}

/// An RFC 6962 Merkle tree of `size` leaves over a node source: its root (MTH), inclusion proofs
/// (§2.1.1 PATH) and consistency proofs (§2.1.2 PROOF). Each costs O(log n) complete subtrees.
public struct MerkleTree<Nodes: MerkleNodeSource> {
    /// The nodes.
    public let nodes: Nodes
    /// Leaves in the tree (leaf index `seq - 1`).
    public let size: Int64

    public init(nodes: Nodes, size: Int64) {
        self.nodes = nodes
        self.size = size
    }

    /// MTH of all `size` leaves (the empty tree's root is SHA-256 of nothing).
    public func root() throws -> TreeHash {
        size == 0 ? MerkleHash.emptyRoot : try hash(start: 0, count: size)
    }

    /// MTH(D[start ..< start+count]) for a range the RFC 6962 recursion produces (`start` is a
    /// multiple of the largest power of two ≥ `count`'s split), composed of stored complete subtrees.
    func hash(start: Int64, count: Int64) throws -> TreeHash {
        if count & (count - 1) == 0, start % count == 0 {
            return try nodes.subtree(level: count.trailingZeroBitCount, index: start / count)
        }
        let k = largestPowerOfTwo(below: count)
        return MerkleHash.node(try hash(start: start, count: k), try hash(start: start + k, count: count - k))
    }

    /// The audit path of leaf `index` (RFC 6962 §2.1.1), from the leaf's sibling upwards.
    public func inclusionProof(leafIndex index: Int64) throws -> [TreeHash] {
        guard index >= 0, index < size else { throw MerkleError.leafOutOfRange(index: index, size: size) }
        var path: [TreeHash] = []
        try inclusionPath(index, start: 0, count: size, into: &path)
        return path
    }

    private func inclusionPath(_ m: Int64, start: Int64, count: Int64, into path: inout [TreeHash]) throws {
        guard count > 1 else { return }
        let k = largestPowerOfTwo(below: count)
        if m < k {
            try inclusionPath(m, start: start, count: k, into: &path)
            path.append(try hash(start: start + k, count: count - k))
        } else {
            try inclusionPath(m - k, start: start + k, count: count - k, into: &path)
            path.append(try hash(start: start, count: k))
        }
    }

    /// The consistency proof from the tree of `oldSize` leaves to this one (RFC 6962 §2.1.2).
    /// Empty when `oldSize` is 0 or equals `size`.
    public func consistencyProof(from oldSize: Int64) throws -> [TreeHash] {
        guard oldSize >= 0, oldSize <= size else { throw MerkleError.sizeOutOfRange(old: oldSize, new: size) }
        guard oldSize > 0, oldSize < size else { return [] }
        var proof: [TreeHash] = []
        try subproof(oldSize, start: 0, count: size, complete: true, into: &proof)
        return proof
    }

    private func subproof(_ m: Int64, start: Int64, count: Int64, complete: Bool, into proof: inout [TreeHash]) throws {
        if m == count {
            if !complete { proof.append(try hash(start: start, count: count)) }
            return
        }
        let k = largestPowerOfTwo(below: count)
        if m <= k {
            try subproof(m, start: start, count: k, complete: complete, into: &proof)
            proof.append(try hash(start: start + k, count: count - k))
        } else {
            try subproof(m - k, start: start + k, count: count - k, complete: false, into: &proof)
            proof.append(try hash(start: start, count: k))
        }
    }
}

/// Why a proof could not be made.
public enum MerkleError: Error, Equatable, CustomStringConvertible {
    case leafOutOfRange(index: Int64, size: Int64)
    case sizeOutOfRange(old: Int64, new: Int64)
    case missingNode(level: Int, index: Int64)

    public var description: String {
        switch self {
        case let .leafOutOfRange(index, size): "leaf \(index) is not in a tree of \(size) leaves"
        case let .sizeOutOfRange(old, new): "a tree of \(old) leaves cannot be a prefix of one of \(new)"
        case let .missingNode(level, index): "the tree state has no node (\(level), \(index)): run `ledger tree rebuild`"
        }
    }
}

/// Every level of a tree in memory (tests, bundles, rebuilding): `levels[0]` are the leaf hashes.
public struct InMemoryMerkleNodes: MerkleNodeSource, Sendable {
    public private(set) var levels: [[TreeHash]] = [[]]

    public init() {}

    /// Leaves so far.
    public var count: Int64 { Int64(levels[0].count) }

    /// Appends a leaf hash and every subtree it completes.
    public mutating func append(leafHash: TreeHash) {
        levels[0].append(leafHash)
        var level = 0
        while levels[level].count % 2 == 0 {
            let pair = levels[level].suffix(2)
            let parent = MerkleHash.node(pair[pair.startIndex], pair[pair.startIndex + 1])
            if levels.count == level + 1 { levels.append([]) }
            levels[level + 1].append(parent)
            level += 1
        }
    }

    public func subtree(level: Int, index: Int64) throws -> TreeHash {
        guard level < levels.count, index >= 0, index < levels[level].count else { throw MerkleError.missingNode(level: level, index: index) }
        return levels[level][Int(index)]
    }
}

/// The RFC 9162 verification algorithms: no tree, only the proof and the hashes.
public enum MerkleProof {
    /// RFC 9162 §2.1.3.2: true when `proof` shows `leafHash` at `leafIndex` in the tree of `treeSize` with `root`.
    public static func verifyInclusion(leafHash: TreeHash, leafIndex: Int64, treeSize: Int64, proof: [TreeHash], root: TreeHash) -> Bool {
        guard leafIndex >= 0, leafIndex < treeSize else { return false }
        var fn = leafIndex, sn = treeSize - 1
        var r = leafHash
        for p in proof {
            guard p.count == 32, sn != 0 else { return false }
            if fn & 1 == 1 || fn == sn {
                r = MerkleHash.node(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                r = MerkleHash.node(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && r == root
    }

    /// RFC 9162 §2.1.4.2: true when `proof` shows the tree of `newSize` (root `newRoot`) extends the
    /// tree of `oldSize` (root `oldRoot`). Equal sizes need an empty proof and equal roots; an empty
    /// old tree is a prefix of every tree.
    public static func verifyConsistency(oldSize: Int64, newSize: Int64, oldRoot: TreeHash, newRoot: TreeHash, proof: [TreeHash]) -> Bool {
        guard oldSize >= 0, oldSize <= newSize else { return false }
        if oldSize == newSize { return proof.isEmpty && oldRoot == newRoot }
        if oldSize == 0 { return proof.isEmpty && oldRoot == MerkleHash.emptyRoot }
        guard !proof.isEmpty, proof.allSatisfy({ $0.count == 32 }) else { return false }
        var path = proof
        if oldSize & (oldSize - 1) == 0 { path.insert(oldRoot, at: 0) }
        var fn = oldSize - 1, sn = newSize - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = path[0], sr = path[0]
        for c in path.dropFirst() {
            guard sn != 0 else { return false }
            if fn & 1 == 1 || fn == sn {
                fr = MerkleHash.node(c, fr)
                sr = MerkleHash.node(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                sr = MerkleHash.node(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        return fr == oldRoot && sr == newRoot && sn == 0
    }
}
