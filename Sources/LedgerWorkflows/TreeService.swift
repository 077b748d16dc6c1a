import Foundation
import LedgerCore

/// An inclusion proof of one entry (``TreeService/inclusionProof(_:seq:size:)``).
public struct InclusionProof: Sendable {
    /// The entry.
    public var seq: Int64
    /// Its leaf index (`seq - 1`).
    public var leafIndex: Int64
    /// The tree's size.
    public var treeSize: Int64
    /// `SHA-256(0x00 || leaf input)` of the entry as stored.
    public var leafHash: TreeHash
    /// The RFC 6962 audit path, from the leaf's sibling upwards.
    public var path: [TreeHash]
    /// The tree's root.
    public var root: TreeHash
    /// True when the path leads from the leaf hash to the root (RFC 9162 §2.1.3.2): checked before printing.
    public var verifies: Bool
}

/// The public tree's derived state and proofs (transparency.md "The tree").
public enum TreeService {
    /// Drops the stored tree state of the ledger at `location` and hashes every entry again
    /// (`progress`: leaves hashed). Returns the tree's size and root.
    public static func rebuild(_ location: LedgerLocation, progress: ((Int64) -> Void)? = nil) throws -> (size: Int64, root: TreeHash) {
        let store = try LedgerStore.open(path: location.databasePath, writable: true)
        try store.rebuildTree(progress: progress)
        let tree = try store.publicTree(writable: false)
        return (tree.size, tree.rootHash)
    }

    /// The inclusion proof of entry `seq` in the tree of `size` entries (default: the head), read
    /// only: from the stored tree state when it covers `size`, else computed from the rows.
    public static func inclusionProof(_ store: LedgerStore, seq: Int64, size: Int64?) throws -> InclusionProof {
        let head = try store.head()?.seq ?? 0
        let size = size ?? head
        guard size <= head else { throw TransparencyError.usage("--size \(size) is beyond the ledger's head (seq \(head))") }
        guard seq >= 1, seq <= size else { throw TransparencyError.usage("--seq \(seq) is not in the tree of \(size) entries (1…\(size))") }
        guard let entry = try store.entry(seq: seq) else { throw LedgerError.noSuchEntry(seq: seq) }
        let tree = try store.publicTree(size: size, writable: false)
        let leaf = MerkleHash.leaf(MerkleHash.leafInput(of: entry))
        let path = try tree.inclusionProof(seq: seq)
        let verifies = MerkleProof.verifyInclusion(leafHash: leaf, leafIndex: seq - 1, treeSize: size, proof: path, root: tree.rootHash)
        return InclusionProof(seq: seq, leafIndex: seq - 1, treeSize: size, leafHash: leaf, path: path, root: tree.rootHash, verifies: verifies)
    }

    /// The inclusion proof of every entry of the tree of `size` entries (default: the head), in seq order.
    public static func allInclusionProofs(_ store: LedgerStore, size: Int64?, each: (InclusionProof) throws -> Void) throws {
        let head = try store.head()?.seq ?? 0
        let size = size ?? head
        guard size <= head else { throw TransparencyError.usage("--size \(size) is beyond the ledger's head (seq \(head))") }
        let tree = try store.publicTree(size: size, writable: false)
        for seq in stride(from: Int64(1), through: size, by: 1) {
            guard let entry = try store.entry(seq: seq) else { throw LedgerError.noSuchEntry(seq: seq) }
            let leaf = MerkleHash.leaf(MerkleHash.leafInput(of: entry))
            let path = try tree.inclusionProof(seq: seq)
            let verifies = MerkleProof.verifyInclusion(leafHash: leaf, leafIndex: seq - 1, treeSize: size, proof: path, root: tree.rootHash)
            try each(InclusionProof(seq: seq, leafIndex: seq - 1, treeSize: size, leafHash: leaf, path: path, root: tree.rootHash, verifies: verifies))
        }
    }
}
