import Foundation

/// Builds payloads and recomputes MACs on a second thread (for `PipelinedMacCheck`, the chain
/// checker's mac check of the database scan) while the scanning thread steps SQLite, copies each
/// row's signed columns raw (`RawColumns`) and checks seq, ledger_id and links: verification then
/// runs at about the slower of the two threads instead of their sum. Batches are bounded (a few in flight), so memory stays constant.
final class MacPipeline: @unchecked Sendable {
    /// Rows whose MACs the worker checks.
    struct Batch: Sendable {
        /// Each row's signed columns, raw (`RawColumns`), one row after the other; `ends[i]` is where row i ends.
        var rawColumns = RawBuffer(capacity: MacPipeline.batchBytes + 4096)
        var ends: [Int] = []
        /// How the worker turns raw columns into payloads (the row source's: `PipelinedMacCheck.use`).
        var plan = PayloadPlan(orderedNames: [])
        var seqs: [Int64] = []
        /// The stored mac of each row: exactly 64 bytes per row (shorter or longer macs are padded and flagged).
        var macs: [UInt8] = []
        var macLengthOK: [Bool] = []
        /// Index into the key ring's keys.
        var keys: [Int32] = []

        /// Empties the batch, keeping its buffers (a batch the worker is done with is reused).
        mutating func reset() {
            rawColumns.count = 0
            ends.removeAll(keepingCapacity: true)
            seqs.removeAll(keepingCapacity: true)
            macs.removeAll(keepingCapacity: true)
            macLengthOK.removeAll(keepingCapacity: true)
            keys.removeAll(keepingCapacity: true)
        }

        var count: Int { seqs.count }
        var byteCount: Int { rawColumns.count }

        init() {
            ends.reserveCapacity(MacPipeline.batchRows)
            seqs.reserveCapacity(MacPipeline.batchRows)
            macs.reserveCapacity(MacPipeline.batchRows * 64)
        }
    }

    /// A batch is handed over at this many rows or bytes, whichever comes first.
    static let batchRows = 2048
    static let batchBytes = 1 << 20

    private let keys: [SigningKey]
    private let limit: Int
    private let condition = NSCondition()
    private var queue: [Batch] = []
    /// Batches the worker is done with, for the scanning thread to fill again (no allocation per batch).
    private var spare: [Batch] = []
    private var closed = false
    private var done = false
    private let capacity = 3

    private var mismatches: [(seq: Int64, key: Int32)] = []
    private var mismatchCount = 0
    private var failure: (any Error)?

    /// Starts the worker thread for `keys` (keeping at most `limit` mismatches).
    init(keys: [SigningKey], limit: Int) {
        self.keys = keys
        self.limit = limit
        let thread = Thread { [self] in work() }
        thread.name = "ledger-verify-hmac"
        thread.start()
    }

    /// Hands a batch to the worker, waiting while too many are in flight; returns an empty batch to fill next.
    func submit(_ batch: Batch) -> Batch {
        condition.lock()
        while queue.count >= capacity && !done { condition.wait() }
        if !done { queue.append(batch) }  // a worker that failed takes no more work; finish() reports why
        var next = spare.popLast()
        condition.broadcast()
        condition.unlock()
        if next == nil { next = Batch() }
        next?.reset()
        return next ?? Batch()
    }

    /// Waits for the worker to finish every batch; returns the mismatched rows (first `limit`) and their count.
    func finish() throws -> (rows: [(seq: Int64, key: Int32)], count: Int) {
        condition.lock()
        closed = true
        condition.broadcast()
        while !done { condition.wait() }
        defer { condition.unlock() }
        if let failure { throw failure }
        return (mismatches, mismatchCount)
    }

    private func work() {
        var signers: [HMACSHA256?] = []
        do {
            signers = try keys.map { try HMACSHA256(key: $0.bytes) }
        } catch {
            condition.lock()
            failure = error
            done = true
            // Drain so the producer never blocks.
            queue.removeAll()
            condition.broadcast()
            condition.unlock()
            return
        }
        var digest = [UInt8](repeating: 0, count: 32)
        let payload = RawBuffer(capacity: 16 * 1024)
        var hex = [UInt8](repeating: 0, count: 64)
        var localMismatches: [(seq: Int64, key: Int32)] = []
        var localCount = 0
        var localFailure: (any Error)?
        while true {
            condition.lock()
            while queue.isEmpty && !closed { condition.wait() }
            if queue.isEmpty && closed {
                mismatches = localMismatches
                mismatchCount = localCount
                failure = localFailure
                done = true
                condition.broadcast()
                condition.unlock()
                return
            }
            let batch = queue.removeFirst()
            condition.broadcast()
            condition.unlock()
            defer {
                // Back to the scanning thread, to be filled again.
                condition.lock()
                if spare.count < capacity { spare.append(batch) }
                condition.unlock()
            }
            if localFailure != nil { continue }
            batch.plan.withBuilder { builder in
                let raw = batch.rawColumns.bytes
                batch.macs.withUnsafeBytes { macs in
                    digest.withUnsafeMutableBufferPointer { d in
                        hex.withUnsafeMutableBufferPointer { h in
                            // 32- and 64-byte buffers, and 64 bytes of macs per row: never empty here.
                            guard let digestBase = d.baseAddress, let hexBase = h.baseAddress, let macBase = macs.baseAddress
                            else { return }
                            var start = 0
                            for i in 0..<batch.count {
                                let end = batch.ends[i]
                                defer { start = end }
                                guard let signer = signers[Int(batch.keys[i])] else { continue }
                                builder.build(raw: UnsafeRawBufferPointer(rebasing: raw[start..<end]), into: payload)
                                do {
                                    try signer.authenticate(payload.bytes, into: digestBase)
                                } catch {
                                    localFailure = error
                                    return
                                }
                                // The mac rule of the chain checker (a mac of another length is flagged, padded to 64 bytes).
                                let same =
                                    batch.macLengthOK[i]
                                    && ChainChecker.macMatches(digest: digestBase, hex: hexBase, stored: macBase + i * 64, storedCount: 64)
                                if !same {
                                    localCount += 1
                                    if localMismatches.count < limit { localMismatches.append((batch.seqs[i], batch.keys[i])) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
