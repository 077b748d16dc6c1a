import Foundation

/// Recomputes tree roots on two threads: the caller's thread reads the rows and builds each leaf
/// input (SQLite and canonical JSON), a second thread hashes the leaves and folds the tree's right
/// edge, as `ledger verify`'s MAC pipeline does. Batches are bounded, so memory stays flat.
final class LeafHashPipeline: @unchecked Sendable {
    /// Leaf inputs of consecutive seqs, concatenated.
    struct Batch {
        var bytes: [UInt8] = []
        var ends: [Int] = []
        var firstSeq: Int64 = 0
        var count: Int { ends.count }
    }

    static let batchRows = 4096
    static let batchBytes = 4 << 20

    private let queue = DispatchQueue(label: "model-ledger.leaf-hashes")
    private let slots = DispatchSemaphore(value: 3)
    private let wanted: Set<Int64>
    // Touched only on `queue`.
    private var appender = TreeAppender()
    private var roots: [Int64: TreeHash] = [:]

    /// A pipeline reporting the roots of the trees of `sizes`.
    init(sizes: Set<Int64>) {
        wanted = sizes
    }

    /// Hands a batch to the hashing thread (waits while three are in flight).
    func submit(_ batch: Batch) {
        slots.wait()
        queue.async { [self] in
            batch.bytes.withUnsafeBytes { all in
                var start = 0
                for (offset, end) in batch.ends.enumerated() {
                    appender.add(leafInput: UnsafeRawBufferPointer(rebasing: all[start..<end]))
                    start = end
                    let seq = batch.firstSeq + Int64(offset)
                    if wanted.contains(seq) { roots[seq] = appender.root }
                }
            }
            slots.signal()
        }
    }

    /// Waits for every batch; the roots of the wanted sizes reached.
    func finish() -> [Int64: TreeHash] {
        queue.sync { roots }
    }
}
