import Foundation
import LedgerCore

#if canImport(Glibc)
import Glibc
#endif

/// `ledger-bench`: measures `ledger verify` against the machine's limit for the same ledger
/// (a bare SQLite scan of the rows plus HMAC-SHA256 of the same payloads), and its peak RSS.
///
///     ledger-bench [--sizes 10000,100000,1000000] [--dir DIR]
@main
struct LedgerBench {
    static func main() throws {
        var sizes = [10_000, 100_000, 1_000_000]
        var keepDir: String?
        var args = CommandLine.arguments.dropFirst().makeIterator()
        while let arg = args.next() {
            switch arg {
            case "--sizes": sizes = (args.next() ?? "").split(separator: ",").compactMap { Int($0) }
            case "--dir": keepDir = args.next()
            case "-h", "--help":
                print("usage: ledger-bench [--sizes 10000,100000,1000000] [--dir DIR]")
                return
            default:
                FileHandle.standardError.write(Data("ledger-bench: unknown argument \(arg)\n".utf8))
                exit(64)
            }
        }
        let binDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
        let ledgerBinary = binDir + "/ledger"
        guard FileManager.default.isExecutableFile(atPath: ledgerBinary) else {
            FileHandle.standardError.write(Data("ledger-bench: build the ledger binary first (swift build -c release)\n".utf8))
            exit(1)
        }
        let dir = keepDir ?? (NSTemporaryDirectory() + "/ledger-bench-\(getpid())")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { if keepDir == nil { try? FileManager.default.removeItem(atPath: dir) } }

        print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, SQLite \(SQLiteConnection.libraryVersion), "
            + "\(String(format: "%.0f", Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824)) GiB")
        print("")
        print(row(["entries", "generate s", "verify s", "verify rows/s", "verify peak RSS", "scan s", "HMAC s", "limit s", "verify/limit"]))
        print(row(Array(repeating: "---", count: 9)))
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
            let (verifySeconds, peakKiB, status) = try runMeasured(ledgerBinary, ["verify", "--db", db, "--key-file", keyPath, "--format", "json"])
            guard status == 0 else {
                FileHandle.standardError.write(Data("ledger-bench: verify exited \(status) on \(db)\n".utf8))
                exit(1)
            }
            let scanSeconds = try timed { _ = try scan(db) }
            let hmacSeconds = try hmacOnly(db: db, key: ring.active, rows: size)
            let limit = scanSeconds + hmacSeconds
            print(row([
                size.formatted(), String(format: "%.2f", generate), String(format: "%.3f", verifySeconds),
                Int(Double(size) / verifySeconds).formatted(), String(format: "%.1f MiB", Double(peakKiB) / 1024),
                String(format: "%.3f", scanSeconds), String(format: "%.3f", hmacSeconds), String(format: "%.3f", limit),
                String(format: "%.2f×", verifySeconds / limit),
            ]))
        }
        print("")
        print("limit = a bare scan of every column of every row (same SQLite) + HMAC-SHA256 of the same payloads (same OpenSSL).")
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
                    try out.withUnsafeMutableBufferPointer { try hmac.authenticate(message, into: $0.baseAddress!) }
                }
            }
        }
    }

    /// Runs a process, returning wall seconds, its peak RSS (KiB, from wait4) and exit status.
    static func runMeasured(_ path: String, _ arguments: [String]) throws -> (Double, Int, Int32) {
        var pid: pid_t = 0
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        defer { posix_spawn_file_actions_destroy(&actions) }
        let start = DispatchTime.now().uptimeNanoseconds
        guard posix_spawn(&pid, path, &actions, nil, argv, environ) == 0 else {
            throw CocoaError(.executableLoad)
        }
        var status: Int32 = 0
        var usage = rusage()
        wait4(pid, &status, 0, &usage)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return (seconds, Int(usage.ru_maxrss), (status >> 8) & 0xff)
    }

    /// A realistic mix of entries (the same shape as real switches).
    static func sampleDraft(_ i: Int) -> EntryDraft {
        var draft = EntryDraft(kind: i % 2 == 0 ? EntryKind.switchRequested : EntryKind.switchCompleted)
        draft.model = ["churn", "fraud", "ltv", "pricing"][i % 4]
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
