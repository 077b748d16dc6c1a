/// What the public tree (transparency.md) needs from a backend: a table of derived node hashes
/// (level 0: leaf hashes; levels 8, 16, …: tile roots) and the entries to hash. The rules of the
/// tree (`MerkleTree`, `TreeState`) live in the engine; the backend only stores and reads.
public protocol TreeStorage: AnyObject {
    /// False when the ledger was opened read-only before its schema had the tree table: the tree is
    /// then computed in memory from the entries.
    func treeTableExists() throws -> Bool
    /// Leaves stored: one more than the highest stored level-0 index (0 when none).
    func storedTreeSize() throws -> Int64
    /// `count` hashes of `level` from index `start`, in order; throws when one is missing.
    func treeHashes(level: Int, start: Int64, count: Int) throws -> [TreeHash]
    /// Stores derived nodes (inside `writeTransaction`); a node already stored is replaced.
    func storeTreeNodes(_ nodes: [TreeNode]) throws
    /// Removes every stored node (inside `writeTransaction`), for a rebuild.
    func deleteTree() throws
    /// Calls `body` with the leaf input of each entry from `first` through `last`, in seq order (the
    /// bytes are valid only during the call).
    func forEachLeafInput(from first: Int64, through last: Int64, _ body: (_ seq: Int64, _ leafInput: UnsafeRawBufferPointer) throws -> Void) throws
    /// The newest seq (0 when the ledger holds no entries).
    func headSeq() throws -> Int64
}

/// One stored node of the tree.
public struct TreeNode: Sendable, Equatable {
    public var level: Int
    public var index: Int64
    public var hash: TreeHash

    public init(level: Int, index: Int64, hash: TreeHash) {
        self.level = level
        self.index = index
        self.hash = hash
    }
}
