import Foundation
import LedgerCore

#if canImport(Glibc)
import Glibc
#endif

/// `ledger-bench`: benchmarks of the built binaries (release build), printed as markdown tables.
///
/// - the verify table: `ledger verify` against the machine's limit for the same ledger (a bare
///   SQLite scan of the rows plus HMAC-SHA256 of the same payloads), and its peak RSS;
/// - the switch table: `ledger switch` against `curl` doing the same PUT, both against the
///   built `epa-simulator` on loopback, with and without pre-flight;
/// - `append`: a bulk writer for crash tests (not a benchmark): appends N entries in
///   transactions of B through `LedgerStore.append(contentsOf:)`, printing one line per batch.
///
///     ledger-bench [--sizes 10000,100000,1000000] [--dir DIR] [--only verify|switch]
///                  [--skip-verify-table] [--skip-switch-table] [--runs 30] [--verify-runs 5]
///     ledger-bench append --db PATH --key-file PATH --count N [--batch B]
@main
struct LedgerBench {
    static let usage = """
        usage: ledger-bench [--sizes 10000,100000,1000000] [--dir DIR] [--only verify|switch]
                            [--skip-verify-table] [--skip-switch-table] [--runs 30] [--verify-runs 5]
               ledger-bench append --db PATH --key-file PATH --count N [--batch B]
        """

    static func main() {
        do {
            try run(Array(CommandLine.arguments.dropFirst()))
        } catch let failure as BenchFailure {
            fail(failure.message, code: failure.code)
        } catch {
            fail("\(error)", code: 1)
        }
    }

    static func fail(_ message: String, code: Int32) -> Never {
        FileHandle.standardError.write(Data("ledger-bench: \(message)\n".utf8))
        exit(code)
    }

    static func run(_ arguments: [String]) throws {
        if arguments.first == "append" {
            try AppendMode.run(Array(arguments.dropFirst()))
            return
        }
        var sizes = [10_000, 100_000, 1_000_000]
        var keepDir: String?
        var runVerify = true, runSwitch = true
        var runs = 30
        var verifyRuns = 5
        var args = arguments.makeIterator()
        func value(_ flag: String) throws -> String {
            guard let next = args.next() else { throw BenchFailure("\(flag) needs a value\n\(usage)", code: 64) }
            return next
        }
        while let arg = args.next() {
            switch arg {
            case "--sizes":
                sizes = try value(arg).split(separator: ",").compactMap { Int($0) }
                guard !sizes.isEmpty, sizes.allSatisfy({ $0 >= 1 }) else { throw BenchFailure("--sizes: positive integers, comma-separated", code: 64) }
            case "--dir": keepDir = try value(arg)
            case "--runs":
                guard let n = Int(try value(arg)), n >= 1, n <= 10_000 else { throw BenchFailure("--runs: 1...10000", code: 64) }
                runs = n
            case "--verify-runs":
                guard let n = Int(try value(arg)), n >= 1, n <= 1_000 else { throw BenchFailure("--verify-runs: 1...1000", code: 64) }
                verifyRuns = n
            case "--only":
                switch try value(arg) {
                case "verify": runSwitch = false
                case "switch": runVerify = false
                case let other: throw BenchFailure("--only: verify or switch, not \(other)", code: 64)
                }
            case "--skip-verify-table": runVerify = false
            case "--skip-switch-table": runSwitch = false
            case "-h", "--help":
                print(usage)
                return
            default:
                throw BenchFailure("unknown argument \(arg)\n\(usage)", code: 64)
            }
        }
        let binDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
        let ledgerBinary = binDir + "/ledger"
        guard FileManager.default.isExecutableFile(atPath: ledgerBinary) else {
            throw BenchFailure("build the ledger binary first (swift build -c release)", code: 1)
        }
        let dir = keepDir ?? (NSTemporaryDirectory() + "/ledger-bench-\(getpid())")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { if keepDir == nil { try? FileManager.default.removeItem(atPath: dir) } }

        print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, SQLite \(SQLiteConnection.libraryVersion), "
            + "\(String(format: "%.0f", Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824)) GiB")
        if runVerify {
            print("")
            try verifyTable(sizes: sizes, dir: dir, ledgerBinary: ledgerBinary, verifyRuns: verifyRuns)
        }
        if runSwitch {
            print("")
            try SwitchBench.run(binDir: binDir, dir: dir + "/switch", runs: runs)
        }
    }

    // MARK: The verify table (measured exactly as before)

    static func verifyTable(sizes: [Int], dir: String, ledgerBinary: String, verifyRuns: Int) throws {
        print("verify, scan and HMAC: median of \(verifyRuns) interleaved runs; the spread is min–max.")
        print("")
        print(row(["entries", "generate s", "verify s", "verify spread s", "verify rows/s", "verify peak RSS", "scan s", "HMAC s", "limit s", "verify/limit (spread)"]))
        print(row(Array(repeating: "---", count: 10)))
        for size in sizes {
            let db = dir + "/bench-\(size).sqlite", keyPath = dir + "/bench-\(size).key"
            try? FileManager.default.removeItem(atPath: db)
            try? FileManager.default.removeItem(atPath: keyPath)
            let ring = try KeyFile.create(path: keyPath)
            let provenance = Provenance(actor: "bench", osUser: "bench", host: "bench")
            let generate = try timed {
                let (store, _) = try LedgerStore.create(path: db, keyRing: ring, provenance: provenance)
                var written = 1
                while written < size {
                    let batch = (written..<min(size, written + 10_000)).map(sampleDraft)
                    _ = try store.append(contentsOf: batch, keyRing: ring, provenance: provenance)
                    written += batch.count
                }
                try store.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            }
            // Warm the page cache the same way for every measurement.
            _ = try scan(db)
            // `runs` rounds of verify, scan and HMAC, interleaved so machine load hits all three alike:
            // medians are quoted, with the spread of verify.
            var verifies: [Double] = [], scans: [Double] = [], hmacs: [Double] = [], ratios: [Double] = []
            var peakKiB = 0
            for _ in 0..<verifyRuns {
                let (seconds, peak, status) = try runMeasured(ledgerBinary, ["verify", "--db", db, "--key-file", keyPath, "--format", "json"])
                guard status == 0 else { throw BenchFailure("verify exited \(status) on \(db)", code: 1) }
                let scanSeconds = try timed { _ = try scan(db) }
                let hmacSeconds = try hmacOnly(db: db, key: ring.active, rows: size)
                verifies.append(seconds)
                scans.append(scanSeconds)
                hmacs.append(hmacSeconds)
                ratios.append(seconds / (scanSeconds + hmacSeconds))
                peakKiB = max(peakKiB, peak)
            }
            let verifySeconds = SwitchBench.median(verifies.sorted())
            let scanSeconds = SwitchBench.median(scans.sorted()), hmacSeconds = SwitchBench.median(hmacs.sorted())
            let ratio = SwitchBench.median(ratios.sorted())
            print(row([
                size.formatted(), String(format: "%.2f", generate), String(format: "%.3f", verifySeconds),
                String(format: "%.3f–%.3f", verifies.min() ?? 0, verifies.max() ?? 0),
                Int(Double(size) / verifySeconds).formatted(), String(format: "%.1f MiB", Double(peakKiB) / 1024),
                String(format: "%.3f", scanSeconds), String(format: "%.3f", hmacSeconds), String(format: "%.3f", scanSeconds + hmacSeconds),
                String(format: "%.2f× (%.2f–%.2f)", ratio, ratios.min() ?? 0, ratios.max() ?? 0),
            ]))
        }
        print("")
        print("limit = a bare scan of every column of every row (same SQLite) + HMAC-SHA256 of the same payloads (same OpenSSL).")
        if let largest = sizes.max() {
            try reportTable(
                db: dir + "/bench-\(largest).sqlite", keyPath: dir + "/bench-\(largest).key", entries: largest, ledgerBinary: ledgerBinary,
                runs: verifyRuns)
        }
    }

    /// `ledger report --model` and `--as-of` on the largest ledger (whole process, median of `runs` with the
    /// spread, without the verification pass, which the verify table already measures).
    static func reportTable(db: String, keyPath: String, entries: Int, ledgerBinary: String, runs: Int) throws {
        let store = try LedgerStore.open(path: db, writable: false)
        let middle = try store.entry(seq: Int64(entries / 2))?.recordedAt ?? Timestamp.now()
        let commands: [(String, [String])] = [
            ("report --model churn --no-verify", ["report", "--model", "churn", "--no-verify", "--format", "json"]),
            ("report --as-of <middle> --no-verify", ["report", "--as-of", middle, "--no-verify", "--format", "json"]),
            ("report --as-of <middle> --model churn --no-verify", ["report", "--as-of", middle, "--model", "churn", "--no-verify", "--format", "json"]),
        ]
        print("")
        print(row(["command (\(entries.formatted()) entries)", "median of \(runs) s", "spread s", "peak RSS"]))
        print(row(["---", "---", "---", "---"]))
        for (label, arguments) in commands {
            var samples: [Double] = [], rss = 0
            for _ in 0..<runs {
                let (seconds, peakKiB, status) = try runMeasured(ledgerBinary, arguments + ["--db", db, "--key-file", keyPath])
                guard status == 0 else { throw BenchFailure("ledger \(label) exited \(status)", code: 1) }
                samples.append(seconds)
                rss = max(rss, peakKiB)
            }
            print(row([
                "`ledger \(label)`", String(format: "%.3f", SwitchBench.median(samples.sorted())),
                String(format: "%.3f–%.3f", samples.min() ?? 0, samples.max() ?? 0), String(format: "%.1f MiB", Double(rss) / 1024),
            ]))
        }
    }

    static func row(_ fields: [String]) -> String { "| " + fields.joined(separator: " | ") + " |" }

    static func timed(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// Reads every column of every row, touching the bytes, and nothing else.
    static func scan(_ db: String) throws -> Int {
        let connection = try SQLiteConnection(path: db, mode: .readOnly)
        let statement = try connection.prepare("SELECT * FROM entries ORDER BY seq")
        let columns = statement.columnCount
        var total = 0
        while try statement.step() {
            for i in 0..<columns {
                switch statement.storageClass(at: i) {
                case .integer: total &+= Int(truncatingIfNeeded: statement.int64(at: i))
                case .text: total &+= statement.withText(at: i) { $0.count }
                default: break
                }
            }
        }
        return total
    }

    /// HMAC-SHA256 over the ledger's own payloads: the first 20,000 rows' payloads, cycled to `rows` MACs.
    static func hmacOnly(db: String, key: SigningKey, rows: Int) throws -> Double {
        let store = try LedgerStore.open(path: db, writable: false)
        var payloads: [[UInt8]] = []
        var filter = EntryFilter()
        filter.toSeq = 20_000
        try store.forEachEntry(matching: filter) { payloads.append(SignedPayload.bytes(of: $0.columnValues)) }
        let hmac = try HMACSHA256(key: key.bytes)
        var out = [UInt8](repeating: 0, count: 32)
        return try timed {
            for i in 0..<rows {
                try payloads[i % payloads.count].withUnsafeBytes { message in
                    try out.withUnsafeMutableBufferPointer { buffer in
                        guard let base = buffer.baseAddress else { return }
                        try hmac.authenticate(message, into: base)
                    }
                }
            }
        }
    }

    /// Runs a process, returning wall seconds, its peak RSS (KiB, from wait4) and exit status.
    static func runMeasured(_ path: String, _ arguments: [String]) throws -> (Double, Int, Int32) {
        try Spawn.run(path, arguments, stdout: "/dev/null", stderr: nil, environment: nil)
    }

    /// A realistic mix of entries (the same shape as real switches).
    static func sampleDraft(_ i: Int) -> EntryDraft {
        var draft = EntryDraft(kind: i % 2 == 0 ? EntryKind.switchRequested : EntryKind.switchCompleted)
        draft.model = ["churn", "fraud", "ltv", "pricing"][(i / 2) % 4]  // a request and its completion share the model
        draft.retrainJobID = "job-\(i / 2)-\(i % 7)"
        draft.reason = "CHG-\(i / 2): weekly retrain"
        draft.apiKeyID = "0123456789abcdef"
        draft.requestMethod = "PUT"
        draft.requestURL = "https://developer-api.easy-predictive-analytics.sony.com/v1/external/retrain_jobs/job-\(i / 2)/update_model"
        if i % 2 == 1 {
            draft.refSeq = Int64(i)
            draft.outcome = i % 10 == 1 ? .rejected : .succeeded
            draft.httpStatus = i % 10 == 1 ? 400 : 200
            draft.responseBody = "{\"metadata\":{\"retrain_job_id\":\"job-\(i / 2)\"}}"
            draft.durationMs = Int64(40 + i % 50)
        }
        return draft
    }
}

/// A failure that ends the benchmark with a message and an exit code.
struct BenchFailure: Error {
    let message: String
    let code: Int32
    init(_ message: String, code: Int32) {
        self.message = message
        self.code = code
    }
}

// MARK: - Spawning and timing processes

enum Spawn {
    /// Runs `path arguments` with posix_spawn and waits for it: wall seconds (spawn to reaped),
    /// peak RSS in KiB (wait4) and the exit status (128 + signal when killed).
    ///
    /// `stdout` / `stderr`: a file to write (truncated), or nil to inherit. `environment`: the
    /// complete environment, or nil for this process's.
    static func run(
        _ path: String, _ arguments: [String], stdout: String?, stderr: String?, environment: [String: String]?
    ) throws -> (seconds: Double, peakKiB: Int, status: Int32) {
        var pid: pid_t = 0
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let envp = environment.map { $0.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer { envp?.forEach { free($0) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if let stdout { posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600) }
        if let stderr { posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600) }
        let start = DispatchTime.now().uptimeNanoseconds
        let rc: Int32
        if let envp {
            rc = posix_spawn(&pid, path, &actions, nil, argv, envp)
        } else {
            rc = posix_spawn(&pid, path, &actions, nil, argv, environ)
        }
        guard rc == 0 else { throw BenchFailure("cannot start \(path): \(String(cString: strerror(rc)))", code: 1) }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { throw BenchFailure("wait4 failed for \(path): \(String(cString: strerror(errno)))", code: 1) }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let signal = status & 0x7f
        return (seconds, Int(usage.ru_maxrss), signal == 0 ? (status >> 8) & 0xff : 128 + signal)
    }

    /// The first executable named `name` on PATH.
    static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}

// MARK: - `ledger switch` against curl

/// Times `ledger switch` (with and without pre-flight) against `curl` doing the same PUT, all
/// against the built `epa-simulator` on a loopback port, runs interleaved so machine load hits
/// every command alike.
enum SwitchBench {
    static let apiKey = "bench-key-churn-5c0f1e"
    static let job = "bench-job-finished"
    static let fixture = """
        {
          "api_keys": [{"key": "\(apiKey)", "model": "churn", "state": "active"}],
          "models": [{"name": "churn", "model_id": 101, "jobs": [{"id": "\(job)", "status": "finished"}]}]
        }
        """
    static let warmupRuns = 3

    struct Command {
        let label: String
        let path: String
        let arguments: [String]
        var samples: [Double] = []
    }

    static func run(binDir: String, dir: String, runs: Int) throws {
        let ledger = binDir + "/ledger", simulatorBinary = binDir + "/epa-simulator"
        guard FileManager.default.isExecutableFile(atPath: simulatorBinary) else {
            throw BenchFailure("build epa-simulator first (swift build -c release): \(simulatorBinary) is missing", code: 1)
        }
        guard let curl = Spawn.which("curl") else { throw BenchFailure("curl is not on PATH", code: 1) }
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let fixturePath = dir + "/fixture.json", requestLog = dir + "/requests.jsonl"
        try Data(fixture.utf8).write(to: URL(fileURLWithPath: fixturePath))
        let simulator = try SimulatorRun(binary: simulatorBinary, fixture: fixturePath, requestLog: requestLog)
        defer { simulator.stop() }

        let db = dir + "/ledger.sqlite", keyPath = dir + "/ledger.key"
        let ring = try KeyFile.create(path: keyPath)
        _ = try LedgerStore.create(path: db, keyRing: ring, provenance: Provenance(actor: "bench", osUser: "bench", host: "bench"))

        let environment = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": dir, "LANG": "C.UTF-8",
            "NO_COLOR": "1", "EPA_API_KEY": apiKey, "EPA_BASE_URL": simulator.baseURL, "LEDGER_ACTOR": "bench",
        ]
        let ledgerArgs = ["--db", db, "--key-file", keyPath]
        var commands = [
            Command(label: "curl -s -o /dev/null -H x-api-key:… -X PUT …/update_model", path: curl,
                    arguments: ["-s", "-o", "/dev/null", "-H", "x-api-key:\(apiKey)", "-X", "PUT",
                                "\(simulator.baseURL)/retrain_jobs/\(job)/update_model"]),
            Command(label: "ledger switch --skip-preflight", path: ledger,
                    arguments: ["switch", job, "--model", "churn", "--reason", "CHG-bench", "--skip-preflight"] + ledgerArgs),
            Command(label: "ledger switch (pre-flight, the default)", path: ledger,
                    arguments: ["switch", job, "--model", "churn", "--reason", "CHG-bench"] + ledgerArgs),
            Command(label: "ledger --version (process start only)", path: ledger, arguments: ["--version"]),
            Command(label: "ledger log --limit 1 (start + open the ledger, no write, no network)", path: ledger,
                    arguments: ["log", "--limit", "1"] + ledgerArgs),
        ]
        let errPath = dir + "/stderr.txt"
        for round in 0..<(warmupRuns + runs) {
            for index in commands.indices {
                let command = commands[index]
                let (seconds, _, status) = try Spawn.run(
                    command.path, command.arguments, stdout: "/dev/null", stderr: errPath, environment: environment)
                guard status == 0 else {
                    let stderr = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
                    throw BenchFailure("\(command.label) exited \(status): \(stderr)", code: 1)
                }
                if round >= warmupRuns { commands[index].samples.append(seconds) }
            }
        }

        // Every PUT (curl's and the switches') must have been answered 200 by the simulator.
        let switchesPerRound = 2, curlPerRound = 1
        let puts = try simulator.requests().filter { $0["method"]?.stringValue == "PUT" }
        let expectedPuts = (warmupRuns + runs) * (switchesPerRound + curlPerRound)
        guard puts.count == expectedPuts, puts.allSatisfy({ $0["status"]?.integerValue == 200 }) else {
            throw BenchFailure("the simulator saw \(puts.count) PUTs (expected \(expectedPuts)), not all answered 200", code: 1)
        }
        let (_, _, verifyStatus) = try Spawn.run(ledger, ["verify"] + ledgerArgs, stdout: "/dev/null", stderr: errPath, environment: environment)
        guard verifyStatus == 0 else { throw BenchFailure("ledger verify exited \(verifyStatus) after the switch benchmark", code: 1) }

        let curlMedian = median(commands[0].samples)
        print("`ledger switch` vs `curl`: \(runs) runs each (after \(warmupRuns) warm-up runs), interleaved, wall time from spawn to exit, "
            + "against epa-simulator on \(simulator.baseURL)")
        print("")
        print(LedgerBench.row(["command", "runs", "median ms", "p10 ms", "p90 ms", "min ms", "median / curl"]))
        print(LedgerBench.row(Array(repeating: "---", count: 7)))
        for command in commands {
            let sorted = command.samples.sorted()
            print(LedgerBench.row([
                command.label, String(sorted.count), ms(median(sorted)), ms(percentile(sorted, 0.10)),
                ms(percentile(sorted, 0.90)), ms(sorted.first ?? 0), String(format: "%.2f×", median(sorted) / curlMedian),
            ]))
        }
        let ratio = median(commands[1].samples) / curlMedian
        print("")
        print("switch (pre-flight excluded) / curl = \(String(format: "%.2f×", ratio)) (target ≤ 3×: \(ratio <= 3 ? "met" : "NOT met"))")
    }

    static func ms(_ seconds: Double) -> String { String(format: "%.1f", seconds * 1000) }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }

    /// Nearest-rank percentile of sorted values.
    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((p * Double(sorted.count)).rounded(.up))
        return sorted[min(sorted.count - 1, max(0, rank - 1))]
    }
}

/// The built `epa-simulator`, started on a free loopback port and stopped (SIGTERM) by `stop()`.
final class SimulatorRun {
    let port: Int
    let requestLog: String
    private let process: Process

    var baseURL: String { "http://127.0.0.1:\(port)/v1/external" }

    init(binary: String, fixture: String, requestLog: String) throws {
        self.requestLog = requestLog
        process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--fixture", fixture, "--host", "127.0.0.1", "--port", "0", "--request-log", requestLog]
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        var buffer = Data()
        let deadline = Date().addingTimeInterval(30)
        while !buffer.contains(UInt8(ascii: "\n")) {
            let chunk = stdout.fileHandleForReading.availableData
            guard !chunk.isEmpty, Date() < deadline else {
                if process.isRunning { process.terminate() }
                throw BenchFailure("epa-simulator did not print its port: \(String(decoding: buffer, as: UTF8.self))", code: 1)
            }
            buffer.append(chunk)
        }
        let firstLine = String(decoding: buffer.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
        guard let port = Int(firstLine.trimmingCharacters(in: .whitespaces)) else {
            process.terminate()
            throw BenchFailure("epa-simulator printed \(firstLine), not a port", code: 1)
        }
        self.port = port
        // Keep draining stdout so the simulator never blocks on a full pipe.
        stdout.fileHandleForReading.readabilityHandler = { handle in _ = handle.availableData }
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    /// The request log, parsed.
    func requests() throws -> [JSONValue] {
        let text = (try? String(contentsOfFile: requestLog, encoding: .utf8)) ?? ""
        return try text.split(separator: "\n").map { try JSONValue(parsing: String($0)) }
    }
}

// MARK: - `ledger-bench append`: a bulk writer for crash tests

/// `ledger-bench append --db PATH --key-file PATH --count N [--batch B]`: appends N entries in
/// transactions of B entries each (the last may be shorter) through `LedgerStore.append(contentsOf:)`,
/// writing `appended X/N head_seq S` on stdout (unbuffered) after each commit. Creates the key file
/// and the ledger when they do not exist (the ledger's first entry is then `ledger.created`).
enum AppendMode {
    static func run(_ arguments: [String]) throws {
        var db: String?, keyPath: String?, count: Int?, batch = 1_000
        var args = arguments.makeIterator()
        while let arg = args.next() {
            let value = args.next()
            switch (arg, value) {
            case ("--db", let v?): db = v
            case ("--key-file", let v?): keyPath = v
            case ("--count", let v?): count = Int(v)
            case ("--batch", let v?):
                guard let b = Int(v), b >= 1 else { throw BenchFailure("--batch must be 1 or more", code: 64) }
                batch = b
            default: throw BenchFailure("append: bad argument \(arg)\n\(LedgerBench.usage)", code: 64)
            }
        }
        guard let db, let keyPath, let count, count >= 0 else {
            throw BenchFailure("append needs --db, --key-file and --count N (N ≥ 0)\n\(LedgerBench.usage)", code: 64)
        }
        let ring: KeyRing
        if FileManager.default.fileExists(atPath: keyPath) {
            ring = try KeyFile.load(path: keyPath)
        } else {
            ring = try KeyFile.create(path: keyPath)
        }
        let provenance = Provenance(actor: "ledger-bench", osUser: "bench", host: "bench")
        let store: LedgerStore
        if FileManager.default.fileExists(atPath: db) {
            store = try LedgerStore.open(path: db, writable: true)
        } else {
            store = try LedgerStore.create(path: db, keyRing: ring, provenance: provenance).0
        }
        var written = 0
        while written < count {
            let drafts = (written..<min(count, written + batch)).map(LedgerBench.sampleDraft)
            let entries = try store.append(contentsOf: drafts, keyRing: ring, provenance: provenance)
            written += drafts.count
            let line = Array("appended \(written)/\(count) head_seq \(entries.last?.seq ?? 0)\n".utf8)
            _ = line.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
        }
    }
}
