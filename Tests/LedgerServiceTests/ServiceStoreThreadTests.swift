import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

@testable import LedgerService

/// The store's work runs on its one dedicated thread, one job at a time, and concurrent switches of
/// one process share the in-flight lease instead of waiting for themselves.
@Suite struct ServiceStoreThreadTests {
    @Test func workRunsOnTheStoreThreadOneAtATime() async throws {
        let thread = StoreThread(name: "ledger-store-test")
        defer { thread.shutdown() }
        let counter = Counter()
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    try await thread.run {
                        let here = thread.isCurrent
                        counter.enter()
                        usleep(2_000)
                        counter.leave()
                        try await Task.sleep(for: .milliseconds(5))  // a suspension: others run meanwhile
                        return here && thread.isCurrent
                    }
                }
            }
            for try await onThread in group { #expect(onThread) }
        }
        #expect(counter.maximum == 1, "never two jobs at once")
    }

    @Test func concurrentLeasesOfOneProcessShareTheLock() throws {
        let directory = TemporaryDirectory()
        let db = directory.file("ledger.sqlite")
        let first = try InFlightLock.acquire(databasePath: db)
        let second = try InFlightLock.acquire(databasePath: db)  // would wait forever on a second flock
        #expect(InFlightLock.isHeld(databasePath: db, pid: Int64(getpid())))
        first.release()
        #expect(InFlightLock.isHeld(databasePath: db, pid: Int64(getpid())), "still held by the second switch")
        second.release()
        #expect(!InFlightLock.isHeld(databasePath: db, pid: Int64(getpid())))
    }
}

/// Counts how many are inside at once.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var inside = 0
    private(set) var maximum = 0

    func enter() {
        lock.lock()
        inside += 1
        maximum = max(maximum, inside)
        lock.unlock()
    }

    func leave() {
        lock.lock()
        inside -= 1
        lock.unlock()
    }
}
