import Foundation
import LedgerPresentation

/// One switch per model at a time: an async lock per model with a bounded queue of waiting
/// switches (beyond it: 429). Different models never wait for each other. A waiter whose task is
/// cancelled (its request's deadline passed) leaves the queue at once, having written nothing.
actor SwitchLanes {
    private struct Lane {
        var busy = false
        var waiters: [(id: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
    }

    /// Thrown when the model's queue is full.
    struct QueueFull: Error {}

    private var lanes: [String: Lane] = [:]
    private var nextID: UInt64 = 0
    let maxQueued: Int

    init(maxQueued: Int) {
        self.maxQueued = maxQueued
    }

    /// Waits for `model`'s lane (throws ``QueueFull`` when `maxQueued` switches wait already, or
    /// `CancellationError` when the task is cancelled while waiting).
    func acquire(_ model: String) async throws {
        try Task.checkCancellation()
        var lane = lanes[model] ?? Lane()
        if !lane.busy {
            lane.busy = true
            lanes[model] = lane
            return
        }
        guard lane.waiters.count < maxQueued else { throw QueueFull() }
        nextID &+= 1
        let id = nextID
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                lanes[model, default: Lane()].waiters.append((id, continuation))
            }
        } onCancel: {
            Task { await self.cancel(model, id: id) }
        }
    }

    private func cancel(_ model: String, id: UInt64) {
        guard let index = lanes[model]?.waiters.firstIndex(where: { $0.id == id }) else { return }
        let waiter = lanes[model]?.waiters.remove(at: index)
        waiter?.continuation.resume(throwing: CancellationError())
    }

    /// Hands `model`'s lane to the next waiter, or frees it.
    func release(_ model: String) {
        guard var lane = lanes[model] else { return }
        if lane.waiters.isEmpty {
            lanes[model] = nil
            return
        }
        let next = lane.waiters.removeFirst()
        lanes[model] = lane
        next.continuation.resume()
    }

    /// How many switches wait for `model` (tests).
    func queued(_ model: String) -> Int { lanes[model]?.waiters.count ?? 0 }
}

/// Waits for `work` at most `seconds`: its result, or a 504 (``ErrorPresentation/timeout(_:)``).
/// With `cancel`, `work` is cancelled at the deadline (only work that has written nothing yet, such
/// as a switch waiting for its model, is cancelled); otherwise it runs to its end unseen.
func awaitWithDeadline<T: Sendable>(_ work: Task<T, any Error>, seconds: Double, what: String, cancel: Bool = false) async throws -> T {
    let once = Once()
    return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
        let timer = Task {
            try? await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
            guard !Task.isCancelled, once.claim() else { return }
            if cancel { work.cancel() }
            continuation.resume(throwing: ErrorPresentation.timeout("\(what) did not finish within \(seconds) s"))
        }
        Task {
            let result = await work.result
            timer.cancel()
            if once.claim() { continuation.resume(with: result) }
        }
    }
}

/// A flag that is claimed once.
final class Once: @unchecked Sendable {
    private let lock = NSLock()
    private var claimed = false

    func claim() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if claimed { return false }
        claimed = true
        return true
    }
}
