import BinaryRunner
import Foundation
@_spi(Benchmark) import LedgerCore

extension URL {
    /// This URL with its last `count` path components removed.
    fileprivate func deletingLastPathComponents(_ count: Int) -> URL {
        (0..<count).reduce(self) { url, _ in url.deletingLastPathComponent() }
    }
}

/// The verify table: `ledger verify` against the machine's limit for the same ledger (a bare scan of
/// every column of every row plus HMAC-SHA256 of the same payloads; on two cores, the larger of the
/// two), and against a peer verifier written from the format spec in Python
/// (`scripts/peer-verify.py`), medians of interleaved runs; then report timings on the largest ledger.
struct VerifyTable {
    let ledgerBinary: String
    let dir: String
    /// Interleaved rounds of verify, scan and HMAC (and runs of each report command).
    let runs: Int

    func run(sizes: [Int]) throws {
        print("verify, scan and HMAC: median of \(runs) interleaved runs; the spread is min–max.")
        print("")
        let header = [
            "entries", "generate s", "verify s", "verify spread s", "verify rows/s", "verify peak RSS", "scan s", "HMAC s", "limit s",
            "verify/limit (spread)", "verify ÷ max(scan, HMAC) (spread)", "Python peer s", "verify ÷ Python peer",
        ]
        print(Stats.row(header))
        print(Stats.row(Array(repeating: "---", count: header.count)))
        for size in sizes {
            try measure(size: size)
        }
        print("")
        print("limit = a bare scan of every column of every row (same SQLite) + HMAC-SHA256 of the same payloads (same OpenSSL);")
        print(
            "max(scan, HMAC) = the limit of two threads on two cores. Python peer = scripts/peer-verify.py (sqlite3, hmac) on the same ledger"
                + (Self.peerVerifier == nil ? " (not run: python3 or the script not found)." : "."))
        if let largest = sizes.max() {
            try ReportTimings(ledgerBinary: ledgerBinary, runs: runs).run(
                db: dir + "/bench-\(largest).sqlite", keyPath: dir + "/bench-\(largest).key", entries: largest)
            try TransparencyTimings(ledgerBinary: ledgerBinary, runs: runs).run(
                db: dir + "/bench-\(largest).sqlite", keyPath: dir + "/bench-\(largest).key", dir: dir, entries: largest)
        }
    }

    /// One row: generates a ledger of `size` entries, then `runs` rounds of verify, scan and HMAC.
    private func measure(size: Int) throws {
        let db = dir + "/bench-\(size).sqlite", keyPath = dir + "/bench-\(size).key"
        try? FileManager.default.removeItem(atPath: db)
        try? FileManager.default.removeItem(atPath: keyPath)
        let ring = try KeyFile.create(path: keyPath)
        let provenance = Provenance(actor: "bench", osUser: "bench", host: "bench")
        let generate = try Stats.timed {
            let (store, _) = try LedgerStore.create(path: db, keyRing: ring, provenance: provenance)
            var written = 1
            while written < size {
                let batch = (written..<min(size, written + 10_000)).map(SampleEntries.draft)
                _ = try store.append(contentsOf: batch, keyRing: ring, provenance: provenance)
                written += batch.count
            }
            try store.sqliteStorage?.checkpointWriteAheadLog()
        }
        // Warm the page cache the same way for every measurement.
        _ = try SQLiteLedgerStorage.scanEveryColumn(ofLedgerAt: db)
        // `runs` rounds of verify, scan and HMAC, interleaved so machine load hits all three alike:
        // medians are quoted, with the spread of verify.
        var verifies: [Double] = [], scans: [Double] = [], hmacs: [Double] = [], ratios: [Double] = []
        var twoCoreRatios: [Double] = [], peers: [Double] = [], peerRatios: [Double] = []
        var peakKiB = 0
        for _ in 0..<runs {
            let (seconds, peak, status) = try Spawn.measured(ledgerBinary, ["verify", "--db", db, "--key-file", keyPath, "--format", "json"])
            guard status == 0 else { throw BenchFailure("verify exited \(status) on \(db)", code: 1) }
            let scanSeconds = try Stats.timed { _ = try SQLiteLedgerStorage.scanEveryColumn(ofLedgerAt: db) }
            let hmacSeconds = try Self.hmacOnly(db: db, key: ring.active, rows: size)
            verifies.append(seconds)
            scans.append(scanSeconds)
            hmacs.append(hmacSeconds)
            ratios.append(seconds / (scanSeconds + hmacSeconds))
            twoCoreRatios.append(seconds / max(scanSeconds, hmacSeconds))
            peakKiB = max(peakKiB, peak)
            if let (python, script) = Self.peerVerifier {
                let (peerSeconds, _, peerStatus) = try Spawn.measured(python, [script, db, keyPath])
                guard peerStatus == 0 else { throw BenchFailure("the Python peer verifier exited \(peerStatus) on \(db)", code: 1) }
                peers.append(peerSeconds)
                peerRatios.append(seconds / peerSeconds)
            }
        }
        let verifySeconds = Stats.median(verifies)
        let scanSeconds = Stats.median(scans), hmacSeconds = Stats.median(hmacs)
        let ratio = Stats.median(ratios), twoCoreRatio = Stats.median(twoCoreRatios)
        print(
            Stats.row([
                size.formatted(), String(format: "%.2f", generate), String(format: "%.3f", verifySeconds),
                String(format: "%.3f–%.3f", verifies.min() ?? 0, verifies.max() ?? 0),
                Int(Double(size) / verifySeconds).formatted(), String(format: "%.1f MiB", Double(peakKiB) / 1024),
                String(format: "%.3f", scanSeconds), String(format: "%.3f", hmacSeconds), String(format: "%.3f", scanSeconds + hmacSeconds),
                String(format: "%.2f× (%.2f–%.2f)", ratio, ratios.min() ?? 0, ratios.max() ?? 0),
                String(format: "%.2f× (%.2f–%.2f)", twoCoreRatio, twoCoreRatios.min() ?? 0, twoCoreRatios.max() ?? 0),
                peers.isEmpty ? "–" : String(format: "%.3f", Stats.median(peers)),
                peerRatios.isEmpty ? "–" : String(format: "%.3f×", Stats.median(peerRatios)),
            ]))
    }

    /// `python3` and `scripts/peer-verify.py` (in the working directory, or above the built products), nil when either is missing.
    static let peerVerifier: (python: String, script: String)? = {
        guard let python = Spawn.which("python3") else { return nil }
        let products = URL(fileURLWithPath: BuiltProducts.directory)
        let candidates =
            [FileManager.default.currentDirectoryPath + "/scripts/peer-verify.py"]
            + (1...4).map { products.deletingLastPathComponents($0).appendingPathComponent("scripts/peer-verify.py").path }
        guard let script = candidates.first(where: { FileManager.default.isReadableFile(atPath: $0) }) else { return nil }
        return (python, script)
    }()

    /// Seconds of HMAC-SHA256 over the ledger's own payloads: the first 20,000 rows' payloads, cycled to `rows` MACs.
    static func hmacOnly(db: String, key: SigningKey, rows: Int) throws -> Double {
        let store = try LedgerStore.open(path: db, writable: false)
        var payloads: [[UInt8]] = []
        var filter = EntryFilter()
        filter.toSeq = 20_000
        try store.forEachEntry(matching: filter) { payloads.append(SignedPayload.bytes(of: $0.columnValues)) }
        let hmac = try HMACSHA256(key: key.bytes)
        var out = [UInt8](repeating: 0, count: 32)
        return try Stats.timed {
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
}
