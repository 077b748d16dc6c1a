import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One dedicated thread that runs every piece of work touching the ledger store, as a Swift
/// `TaskExecutor`: the store is not thread-safe and its calls block (fsync), so they never run on
/// the cooperative pool and never two at a time.
///
/// Work runs here through ``run(_:)`` (`withTaskExecutorPreference`): the nonisolated code of that
/// task, the library's services included, runs on this thread, and while one of them awaits the
/// vendor API (whose I/O runs on the client's own event loop), the thread serves the others, so
/// switches of different models overlap their PUTs while their appends are serialised.
final class StoreThread: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var stopping = false
    private var thread: Thread?
    /// The thread's pthread, once it runs.
    private var threadID: pthread_t?
    /// The name of the thread (tests check where work ran).
    let name: String

    init(name: String = "ledger-store") {
        self.name = name
        let thread = Thread { [self] in loop() }
        thread.name = name
        thread.stackSize = 8 << 20
        self.thread = thread
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func loop() {
        condition.lock()
        threadID = pthread_self()
        condition.unlock()
        let executor = asUnownedTaskExecutor()
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            let batch = jobs
            jobs.removeAll(keepingCapacity: true)
            condition.unlock()
            for job in batch { job.runSynchronously(on: executor) }
        }
    }

    /// Ends the thread once no work is queued (call after the server has stopped).
    func shutdown() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    /// True when the caller runs on this thread.
    var isCurrent: Bool {
        condition.lock()
        defer { condition.unlock() }
        guard let threadID else { return false }
        return pthread_equal(threadID, pthread_self()) != 0
    }

    /// Runs `body` on this thread (a task that prefers this executor).
    func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        try await withTaskExecutorPreference(self) { try await body() }
    }

    /// Starts `body` as a new task preferring this thread: not cancelled with its caller.
    func detached<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) -> Task<T, any Error> {
        Task(executorPreference: self) { try await body() }
    }
}
