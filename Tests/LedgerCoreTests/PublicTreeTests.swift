import Foundation
import LedgerTestSupport
import Testing

@testable import LedgerCore

/// The ledger's public tree: derived state kept by the SQLite adapter, proofs over it, and a
/// verifier that trusts only the rows.
@Suite("Public tree over a ledger")
struct PublicTreeTests {
    /// Leaf hashes of every entry, from the rows.
    static func leafHashes(_ store: LedgerStore) throws -> [TreeHash] {
        var hashes: [TreeHash] = []
        try store.forEachEntry(matching: EntryFilter()) { hashes.append(MerkleHash.leaf(MerkleHash.leafInput(of: $0))) }
        return hashes
    }

    @Test("the stored tree (across tile boundaries) gives the RFC 6962 root of the rows, and proofs that verify")
    func storedTreeMatchesRows() throws {
        let ledger = try TestLedger()
        try ledger.appendSample(count: 700)  // 701 leaves: two full level-8 tiles and a partial one
        let store = try ledger.open()
        let tree = try store.publicTree(writable: true)
        let leaves = try Self.leafHashes(store)
        var reference = InMemoryMerkleNodes()
        for leaf in leaves { reference.append(leafHash: leaf) }
        #expect(tree.size == 701)
        #expect(tree.rootHash == (try MerkleTree(nodes: reference, size: 701).root()))
        #expect(tree.rootHash == (try store.recomputedTreeRoot(size: 701)))
        for seq in [Int64(1), 2, 255, 256, 257, 512, 600, 701] {
            let proof = try tree.inclusionProof(seq: seq)
            #expect(MerkleProof.verifyInclusion(leafHash: leaves[Int(seq - 1)], leafIndex: seq - 1, treeSize: 701, proof: proof, root: tree.rootHash))
        }
    }

    @Test("after more appends the stored tree catches up, and the new root is consistent with the old one")
    func growsConsistently() throws {
        let ledger = try TestLedger()
        try ledger.appendSample(count: 300)
        let old = try ledger.open().publicTree(writable: true)
        try ledger.appendSample(count: 333)
        let store = try ledger.open()
        let new = try store.publicTree(writable: true)
        #expect(new.size == 634)
        #expect(new.rootHash == (try store.recomputedTreeRoot(size: 634)))
        let proof = try new.consistencyProof(from: old.size)
        #expect(MerkleProof.verifyConsistency(oldSize: old.size, newSize: new.size, oldRoot: old.rootHash, newRoot: new.rootHash, proof: proof))
        // A tree of an older size, from the stored state, equals the one taken then.
        #expect(try store.publicTree(size: old.size, writable: false).rootHash == old.rootHash)
    }

    @Test("altered stored tree state changes what it serves, but never the root recomputed from the rows")
    func derivedStateIsNotTrusted() throws {
        let ledger = try TestLedger()
        try ledger.appendSample(count: 40)
        let store = try ledger.open()
        let honest = try store.publicTree(writable: true).rootHash
        let connection = try SQLiteConnection(path: ledger.dbPath, mode: .readWrite)
        try connection.execute("UPDATE tree_nodes SET hash = zeroblob(32) WHERE level = 0 AND idx = 3")
        #expect(try store.publicTree(writable: false).rootHash != honest)
        #expect(try store.recomputedTreeRoot(size: 41) == honest)
        try store.rebuildTree()
        #expect(try store.publicTree(writable: false).rootHash == honest)
    }
}

extension PublicTreeTests {
    @Test("the leaf input read straight from the database equals the one built from the entry")
    func leafInputFromRowsEqualsEntry() throws {
        let ledger = try TestLedger()
        try ledger.appendSample(count: 12)  // quotes, control characters, non-ASCII, NULL columns
        let store = try ledger.open()
        var fromEntries = InMemoryMerkleNodes()
        try store.forEachEntry(matching: EntryFilter()) { fromEntries.append(leafHash: MerkleHash.leaf(MerkleHash.leafInput(of: $0))) }
        #expect(try store.recomputedTreeRoot(size: 13) == (try MerkleTree(nodes: fromEntries, size: 13).root()))
    }

    @Test("a stored tree whose newest leaf no longer matches its row is rebuilt, not extended")
    func staleStateIsRebuilt() throws {
        let ledger = try TestLedger()
        try ledger.appendSample(count: 20)
        let store = try ledger.open()
        _ = try store.publicTree(writable: true)
        // The derived state is edited to disagree with row 21 (as after a cut and re-chain).
        let connection = try SQLiteConnection(path: ledger.dbPath, mode: .readWrite)
        try connection.execute("UPDATE tree_nodes SET hash = zeroblob(32) WHERE level = 0 AND idx = 20")
        try ledger.appendSample(count: 5)
        let tree = try ledger.open().publicTree(writable: true)
        #expect(tree.rootHash == (try store.recomputedTreeRoot(size: 26)))
    }
}

extension PublicTreeTests {
    @Test("proofs for every leaf in a row (as an export makes them) equal the reference tree's, with the memo in play")
    func everyProofInARow() throws {
        let ledger = try TestLedger()
        try ledger.appendSample(count: 600)
        let store = try ledger.open()
        let tree = try store.publicTree(writable: true)
        var reference = InMemoryMerkleNodes()
        for leaf in try Self.leafHashes(store) { reference.append(leafHash: leaf) }
        let expected = MerkleTree(nodes: reference, size: tree.size)
        for seq in 1...tree.size {
            #expect(try tree.inclusionProof(seq: seq) == (try expected.inclusionProof(leafIndex: seq - 1)), "seq \(seq)")
        }
    }
}

extension PublicTreeTests {
    @Test("roots recomputed on two threads in many small batches equal the reference tree's, at every size asked")
    func pipelinedRootsAcrossBatches() throws {
        let ledger = try TestLedger()
        try ledger.appendSample(count: 120)
        let store = try ledger.open()
        var reference = InMemoryMerkleNodes()
        for leaf in try Self.leafHashes(store) { reference.append(leafHash: leaf) }
        let sizes: Set<Int64> = [1, 7, 8, 63, 64, 65, 120, 121]
        let roots = try store.recomputedTreeRoots(sizes: sizes, batchRows: 7, progress: nil)
        for size in sizes {
            #expect(roots[size] == (try MerkleTree(nodes: reference, size: size).root()), "size \(size)")
        }
        #expect(try store.recomputedTreeRoots(sizes: [500])[500] == nil)
    }
}
