import Foundation
import LedgerCore

/// `ledger report --model` and `--as-of` on the largest ledger (whole process, median of `runs` with the
/// spread, without the verification pass, which the verify table already measures).
struct ReportTimings {
    let ledgerBinary: String
    let runs: Int

    func run(db: String, keyPath: String, entries: Int) throws {
        let store = try LedgerStore.open(path: db, writable: false)
        let middle = try store.entry(seq: Int64(entries / 2))?.recordedAt ?? Timestamp.now()
        let commands: [(String, [String])] = [
            ("report --model churn --no-verify", ["report", "--model", "churn", "--no-verify", "--format", "json"]),
            ("report --as-of <middle> --no-verify", ["report", "--as-of", middle, "--no-verify", "--format", "json"]),
            ("report --as-of <middle> --model churn --no-verify", ["report", "--as-of", middle, "--model", "churn", "--no-verify", "--format", "json"]),
        ]
        print("")
        print(Stats.row(["command (\(entries.formatted()) entries)", "median of \(runs) s", "spread s", "peak RSS"]))
        print(Stats.row(["---", "---", "---", "---"]))
        for (label, arguments) in commands {
            var samples: [Double] = [], rss = 0
            for _ in 0..<runs {
                let (seconds, peakKiB, status) = try Spawn.measured(ledgerBinary, arguments + ["--db", db, "--key-file", keyPath])
                guard status == 0 else { throw BenchFailure("ledger \(label) exited \(status)", code: 1) }
                samples.append(seconds)
                rss = max(rss, peakKiB)
            }
            print(
                Stats.row([
                    "`ledger \(label)`", String(format: "%.3f", Stats.median(samples)),
                    String(format: "%.3f–%.3f", samples.min() ?? 0, samples.max() ?? 0), String(format: "%.1f MiB", Double(rss) / 1024),
                ]))
        }
    }
}
