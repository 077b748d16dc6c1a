import BinaryRunner
import Foundation
@_spi(Benchmark) @_spi(Testing) import LedgerCore

#if canImport(Glibc)
    import Glibc
#endif

/// The PostgreSQL table: the same ledger verified from SQLite and from PostgreSQL (the SQLite ledger
/// of the verify table, `ledger copy`-ed into a database), then the single-writer and 8-writer append
/// rates on both (`ledger-bench append`, one entry per transaction, each commit durable), side by
/// side, with peak RSS.
///
/// The server: `--postgres-url` / `LEDGER_BENCH_POSTGRES_URL` (a role that may create databases), else
/// a throwaway cluster started with `scripts/pg-test-cluster.sh` in a temporary directory and stopped
/// afterwards. Without either the table is skipped with a line saying why.
struct PostgreSQLTable {
    let binDir: String
    let dir: String
    /// Interleaved runs of each verify.
    let runs: Int
    /// Entries of the verified ledger.
    let size: Int
    /// Entries each append measurement writes (the 8 writers share them).
    let appends: Int

    var ledgerBinary: String { binDir + "/ledger" }
    var benchBinary: String { binDir + "/ledger-bench" }

    func run(serverURL: String?) throws {
        print("PostgreSQL vs SQLite: the same \(size.formatted()) entries; verify medians of \(runs) interleaved runs (spread min–max).")
        var cluster: String?
        let server: String
        if let serverURL {
            server = serverURL
        } else {
            guard let script = Self.clusterScript else {
                print("PostgreSQL table: SKIPPED (no LEDGER_BENCH_POSTGRES_URL and scripts/pg-test-cluster.sh not found)")
                return
            }
            let clusterDir = "/tmp/ledger-bench-pg-\(getpid())"
            let out = dir + "/pg-cluster.out"
            let (_, _, status) = try Spawn.run(script, ["start", clusterDir], stdout: out, stderr: dir + "/pg-cluster.err", environment: nil)
            let line = ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").split(separator: "\n").last.map(String.init) ?? ""
            guard status == 0, line.hasPrefix("postgresql://") else {
                let why = (try? String(contentsOfFile: dir + "/pg-cluster.err", encoding: .utf8)) ?? ""
                print(
                    "PostgreSQL table: SKIPPED (no LEDGER_BENCH_POSTGRES_URL and no cluster could be started: \(why.trimmingCharacters(in: .whitespacesAndNewlines)))"
                )
                return
            }
            cluster = clusterDir
            server = line
        }
        defer {
            if let cluster, let script = Self.clusterScript {
                _ = try? Spawn.run(script, ["stop", cluster], stdout: "/dev/null", stderr: "/dev/null", environment: nil)
            }
        }
        print("server: \(LedgerDatabase(server))\(cluster == nil ? "" : " (a throwaway cluster on a Unix socket, started for this run)")")
        print("")

        // The SQLite ledger of the verify table (generated here when that table did not run), copied.
        let sqlite = dir + "/bench-\(size).sqlite", keyPath = dir + "/bench-\(size).key"
        if !FileManager.default.fileExists(atPath: sqlite) { try Self.generate(size: size, db: sqlite, keyPath: keyPath) }
        let pg = try makeDatabase(server, name: "bench_verify")
        let copy = try Spawn.run(ledgerBinary, ["copy", "--db", sqlite, "--to", pg], stdout: "/dev/null", stderr: nil, environment: nil)
        guard copy.status == 0 else { throw BenchFailure("ledger copy exited \(copy.status)", code: 1) }

        var sqliteRuns: [Double] = [], pgRuns: [Double] = []
        var sqlitePeak = 0, pgPeak = 0
        for _ in 0..<runs {
            for (db, isPG) in [(sqlite, false), (pg, true)] {
                let (seconds, peak, status) = try Spawn.measured(ledgerBinary, ["verify", "--db", db, "--key-file", keyPath, "--format", "json"])
                guard status == 0 else { throw BenchFailure("verify exited \(status) on \(LedgerDatabase(db))", code: 1) }
                if isPG {
                    pgRuns.append(seconds)
                    pgPeak = max(pgPeak, peak)
                } else {
                    sqliteRuns.append(seconds)
                    sqlitePeak = max(sqlitePeak, peak)
                }
            }
        }
        let single = try (appendRate(db: dir + "/append-1.sqlite", writers: 1), appendRate(db: try makeDatabase(server, name: "bench_append1"), writers: 1))
        let eight = try (appendRate(db: dir + "/append-8.sqlite", writers: 8), appendRate(db: try makeDatabase(server, name: "bench_append8"), writers: 8))

        let header = ["measure", "SQLite", "PostgreSQL", "PostgreSQL ÷ SQLite"]
        print(Stats.row(header))
        print(Stats.row(Array(repeating: "---", count: header.count)))
        let sqliteVerify = Stats.median(sqliteRuns), pgVerify = Stats.median(pgRuns)
        print(
            Stats.row([
                "verify \(size.formatted()) entries, s (spread)",
                String(format: "%.3f (%.3f–%.3f)", sqliteVerify, sqliteRuns.min() ?? 0, sqliteRuns.max() ?? 0),
                String(format: "%.3f (%.3f–%.3f)", pgVerify, pgRuns.min() ?? 0, pgRuns.max() ?? 0),
                String(format: "%.2f×", pgVerify / sqliteVerify),
            ]))
        print(
            Stats.row([
                "verify rows/s", Int(Double(size) / sqliteVerify).formatted(), Int(Double(size) / pgVerify).formatted(),
                String(format: "%.2f×", sqliteVerify / pgVerify),
            ]))
        print(Stats.row(["verify peak RSS", Self.mib(sqlitePeak), Self.mib(pgPeak), String(format: "%.2f×", Double(pgPeak) / Double(max(sqlitePeak, 1)))]))
        print(Stats.row(["`ledger copy` SQLite → PostgreSQL, s (peak RSS)", "–", String(format: "%.2f (%@)", copy.seconds, Self.mib(copy.peakKiB)), "–"]))
        for (label, rates) in [("1 writer", single), ("8 writers", eight)] {
            print(
                Stats.row([
                    "appends/s, \(label) (\(appends.formatted()) entries, one per commit)", Int(rates.0.rate).formatted(), Int(rates.1.rate).formatted(),
                    String(format: "%.2f×", rates.1.rate / rates.0.rate),
                ]))
            print(Stats.row(["append peak RSS per writer, \(label)", Self.mib(rates.0.peakKiB), Self.mib(rates.1.peakKiB), "–"]))
        }
        print("")
        print(
            "verify reads every row once in both (PostgreSQL: a REPEATABLE READ snapshot streamed as one binary COPY over the Unix socket); "
                + "appends: `ledger-bench append --batch 1` (the engine's append: tail check, sign, insert, durable commit).")
    }

    /// Appends per second of `writers` concurrent `ledger-bench append --batch 1` processes writing
    /// `appends` entries in all into a new ledger `db`, and the largest peak RSS among them.
    private func appendRate(db: String, writers: Int) throws -> (rate: Double, peakKiB: Int) {
        let keyPath = dir + "/append-\(writers)-\(getpid()).key"
        try? FileManager.default.removeItem(atPath: keyPath)
        if !LedgerDatabase(db).isPostgreSQL { try? FileManager.default.removeItem(atPath: db) }
        // The ledger first (its ledger.created), so the writers race on appends only.
        let created = try Spawn.run(
            benchBinary, ["append", "--db", db, "--key-file", keyPath, "--count", "0"], stdout: "/dev/null", stderr: nil, environment: nil)
        guard created.status == 0 else { throw BenchFailure("ledger-bench append (create) exited \(created.status)", code: 1) }
        let each = max(1, appends / writers)
        let results = Results(count: writers)
        let wall = Stats.timed {
            DispatchQueue.concurrentPerform(iterations: writers) { w in
                results.set(
                    w,
                    Result {
                        try Spawn.run(
                            benchBinary, ["append", "--db", db, "--key-file", keyPath, "--count", String(each), "--batch", "1"],
                            stdout: "/dev/null", stderr: nil, environment: nil)
                    })
            }
        }
        var peak = 0
        for result in results.all {
            let (_, peakKiB, status) = try result.get()
            guard status == 0 else { throw BenchFailure("ledger-bench append exited \(status) on \(LedgerDatabase(db))", code: 1) }
            peak = max(peak, peakKiB)
        }
        return (Double(each * writers) / wall, peak)
    }

    /// Creates database `name_<pid>` on `server` (dropping a leftover of that name) and returns its URL.
    private func makeDatabase(_ server: String, name: String) throws -> String {
        let database = "\(name)_\(getpid())"
        try PostgreSQLTestAccess.execute(url: server, "DROP DATABASE IF EXISTS \(database)")
        try PostgreSQLTestAccess.execute(url: server, "CREATE DATABASE \(database)")
        return Self.url(server, database: database)
    }

    /// `url` with its database path replaced (the query, e.g. `?host=DIR`, kept).
    static func url(_ url: String, database: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return url }
        let rest = url[schemeEnd.upperBound...]
        let queryStart = rest.firstIndex(of: "?") ?? rest.endIndex
        let authorityEnd = rest[..<queryStart].firstIndex(of: "/") ?? queryStart
        return String(url[..<schemeEnd.upperBound]) + String(rest[..<authorityEnd]) + "/" + database + String(rest[queryStart...])
    }

    /// The ledger of `size` entries the verify table writes (same entries, same batches).
    static func generate(size: Int, db: String, keyPath: String) throws {
        try? FileManager.default.removeItem(atPath: db)
        try? FileManager.default.removeItem(atPath: keyPath)
        let ring = try KeyFile.create(path: keyPath)
        let provenance = Provenance(actor: "bench", osUser: "bench", host: "bench")
        let (store, _) = try LedgerStore.create(path: db, keyRing: ring, provenance: provenance)
        var written = 1
        while written < size {
            let batch = (written..<min(size, written + 10_000)).map(SampleEntries.draft)
            _ = try store.append(contentsOf: batch, keyRing: ring, provenance: provenance)
            written += batch.count
        }
        try store.sqliteStorage?.checkpointWriteAheadLog()
    }

    static func mib(_ kib: Int) -> String { String(format: "%.1f MiB", Double(kib) / 1024) }

    /// `scripts/pg-test-cluster.sh` in the working directory or above the built products.
    static let clusterScript: String? = {
        let products = URL(fileURLWithPath: BuiltProducts.directory)
        var candidates = [FileManager.default.currentDirectoryPath + "/scripts/pg-test-cluster.sh"]
        var url = products
        for _ in 1...4 {
            url = url.deletingLastPathComponent()
            candidates.append(url.appendingPathComponent("scripts/pg-test-cluster.sh").path)
        }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// Results of concurrent writers, one slot each.
    private final class Results: @unchecked Sendable {
        private let lock = NSLock()
        private var slots: [Result<(seconds: Double, peakKiB: Int, status: Int32), any Error>?]
        init(count: Int) { slots = Array(repeating: nil, count: count) }
        func set(_ index: Int, _ result: Result<(seconds: Double, peakKiB: Int, status: Int32), any Error>) {
            lock.lock()
            defer { lock.unlock() }
            slots[index] = result
        }
        var all: [Result<(seconds: Double, peakKiB: Int, status: Int32), any Error>] {
            lock.lock()
            defer { lock.unlock() }
            return slots.map { $0 ?? .failure(BenchFailure("a writer did not report", code: 1)) }
        }
    }
}
