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
        let store = try LedgerStore.open(database: location.database, writable: true)
        try store.rebuildTree(progress: progress)
        let tree = try store.publicTree(writable: false)
        return (tree.size, tree.rootHash)
    }

    /// Opens the ledger for proofs: writable when this user may write the file, so that the stored
    /// tree state (derived data: no entry is written) catches up with the few entries appended since
    /// the last checkpoint; read-only otherwise (the tree is then computed from the rows when the
    /// stored state is behind). Returns the store and whether it may catch up.
    public static func openForProofs(path: String) throws -> (store: LedgerStore, catchUp: Bool) {
        if case .postgresql = LedgerDatabase(path) {
            // The server decides what this role may write; a reader's open never writes.
            if let store = try? LedgerStore.open(database: LedgerDatabase(path), writable: true) { return (store, true) }
            return (try LedgerStore.open(database: LedgerDatabase(path), writable: false), false)
        }
        if access(path, W_OK) == 0, let store = try? LedgerStore.open(path: path, writable: true) { return (store, true) }
        return (try LedgerStore.open(path: path, writable: false), false)
    }

    /// The inclusion proof of entry `seq` in the tree of `size` entries (default: the head): from the
    /// stored tree state (brought up to the head first with `catchUp`) when it covers `size`, else
    /// computed from the rows.
    public static func inclusionProof(_ store: LedgerStore, seq: Int64, size: Int64?, catchUp: Bool = false) throws -> InclusionProof {
        let head = try store.head()?.seq ?? 0
        let size = size ?? head
        guard size <= head else { throw TransparencyError.usage("--size \(size) is beyond the ledger's head (seq \(head))") }
        guard seq >= 1, seq <= size else { throw TransparencyError.usage("--seq \(seq) is not in the tree of \(size) entries (1…\(size))") }
        guard let entry = try store.entry(seq: seq) else { throw LedgerError.noSuchEntry(seq: seq) }
        let tree = try store.publicTree(size: size, writable: catchUp)
        let leaf = MerkleHash.leaf(MerkleHash.leafInput(of: entry))
        let path = try tree.inclusionProof(seq: seq)
        let verifies = MerkleProof.verifyInclusion(leafHash: leaf, leafIndex: seq - 1, treeSize: size, proof: path, root: tree.rootHash)
        return InclusionProof(seq: seq, leafIndex: seq - 1, treeSize: size, leafHash: leaf, path: path, root: tree.rootHash, verifies: verifies)
    }

    /// The inclusion proof of every entry of the tree of `size` entries (default: the head), in seq order.
    public static func allInclusionProofs(_ store: LedgerStore, size: Int64?, catchUp: Bool = false, each: (InclusionProof) throws -> Void) throws {
        let head = try store.head()?.seq ?? 0
        let size = size ?? head
        guard size <= head else { throw TransparencyError.usage("--size \(size) is beyond the ledger's head (seq \(head))") }
        let tree = try store.publicTree(size: size, writable: catchUp)
        for seq in stride(from: Int64(1), through: size, by: 1) {
            guard let entry = try store.entry(seq: seq) else { throw LedgerError.noSuchEntry(seq: seq) }
            let leaf = MerkleHash.leaf(MerkleHash.leafInput(of: entry))
            let path = try tree.inclusionProof(seq: seq)
            let verifies = MerkleProof.verifyInclusion(leafHash: leaf, leafIndex: seq - 1, treeSize: size, proof: path, root: tree.rootHash)
            try each(InclusionProof(seq: seq, leafIndex: seq - 1, treeSize: size, leafHash: leaf, path: path, root: tree.rootHash, verifies: verifies))
        }
    }
}
