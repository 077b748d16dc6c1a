import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

/// Two `ledger init` on one path at the same moment (the built binary).
@Suite("concurrent ledger init")
struct InitRaceTests {
    /// Collects results from threads.
    final class Results: @unchecked Sendable {
        private let lock = NSLock()
        private var items: [Result<ProcessResult, any Error>] = []
        func add(_ item: Result<ProcessResult, any Error>) { lock.withLock { items.append(item) } }
        var all: [Result<ProcessResult, any Error>] { lock.withLock { items } }
    }

    /// Starts two `ledger init` on `db` at once and returns both results.
    static func race(db: String, key: String) throws -> [ProcessResult] {
        let results = Results()
        let group = DispatchGroup()
        let start = DispatchSemaphore(value: 0)
        for _ in 0..<2 {
            group.enter()
            Thread.detachNewThread {
                start.wait()
                results.add(Result { try Binaries.ledger(["init", "--db", db, "--key-file", key, "--actor", "racer"]) })
                group.leave()
            }
        }
        start.signal()
        start.signal()
        group.wait()
        return try results.all.map { try $0.get() }
    }

    @Test("of two concurrent inits on one path, one creates the ledger and the other says it already exists (exit 74), never 'tampered'")
    func loserSaysAlreadyExists() throws {
        let directory = TemporaryDirectory()
        for round in 0..<10 {
            let db = directory.file("ledger-\(round).sqlite")
            // Even rounds: the key file exists (the reported case); odd rounds: both would create it.
            let key = directory.file(round % 2 == 0 ? "shared.key" : "key-\(round).key")
            if round == 0 { _ = try KeyFile.create(path: key) }
            let results = try Self.race(db: db, key: key)
            let all = results.map(\.allOutput).joined(separator: "\n---\n")
            #expect(results.filter { $0.exitCode == 0 }.count == 1, "round \(round): \(all)")
            for result in results where result.exitCode != 0 {
                #expect(result.exitCode == 74 && result.stderr.contains("already exists"), "round \(round): \(all)")
            }
            #expect(!all.contains("tampered"), "round \(round): \(all)")
            let verify = try Binaries.ledger(["verify", "--db", db, "--key-file", key])
            #expect(verify.exitCode == 0, "round \(round): \(verify.allOutput)")
        }
    }
}
