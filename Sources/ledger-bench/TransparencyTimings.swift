import Foundation

/// The public layer on the largest ledger (whole process, median of `runs` with the spread): a signed
/// checkpoint note (the first one, which builds the tree state, once; then with the state current),
/// an inclusion proof, a consistency proof between two notes, and `verify --public-key` against a
/// note next to `verify` with the HMAC key, interleaved.
struct TransparencyTimings {
    let ledgerBinary: String
    let runs: Int

    func run(db: String, keyPath: String, dir: String, entries: Int) throws {
        let keyPEM = dir + "/bench-ed25519.pem", vkeyFile = dir + "/bench.vkey"
        try? FileManager.default.removeItem(atPath: keyPEM)
        try? FileManager.default.removeItem(atPath: dir + "/bench-ed25519.pub.pem")
        try ledger(["keys", "ed25519-generate", "--out", keyPEM], label: "keys ed25519-generate")
        let (_, _, vkeyStatus) = try Spawn.run(
            ledgerBinary, ["keys", "vkey", dir + "/bench-ed25519.pub.pem", "--db", db], stdout: vkeyFile, stderr: nil, environment: nil)
        guard vkeyStatus == 0 else { throw BenchFailure("ledger keys vkey exited \(vkeyStatus)", code: 1) }
        let ledgerArgs = ["--db", db, "--key-file", keyPath]
        func note(_ name: String) -> [String] {
            ["checkpoint", "--sign-key", keyPEM, "--note", dir + "/\(name).note", "--out", dir + "/\(name).json"] + ledgerArgs
        }

        print("")
        print(Stats.row(["public layer (\(entries.formatted()) entries)", "median of \(runs) s", "spread s", "peak RSS"]))
        print(Stats.row(["---", "---", "---", "---"]))
        let first = try measure(note("first"), runs: 1)
        printRow("`ledger checkpoint --sign-key K --note N`, first (hashes every entry into the tree state)", first)
        printRow("`ledger checkpoint --sign-key K --note N`, tree state current", try measure(note("again"), runs: runs))
        let middle = String(entries / 2)
        printRow("`ledger tree proof --seq <middle>`", try measure(["tree", "proof", "--seq", middle, "--db", db], runs: runs))
        try ledger(note("last"), label: "checkpoint (last)")
        printRow(
            "`ledger tree consistency --from first --to last`",
            try measure(
                ["tree", "consistency", "--from", dir + "/first.note", "--to", dir + "/last.note", "--public-key", vkeyFile, "--db", db], runs: runs))
        // verify with the public key only vs verify with the HMAC key, interleaved.
        var publicOnly: Sample = ([], 0), withKey: Sample = ([], 0)
        func add(_ run: Sample, to sample: inout Sample) {
            sample.seconds += run.seconds
            sample.rssKiB = max(sample.rssKiB, run.rssKiB)
        }
        for _ in 0..<runs {
            add(try measure(["verify", "--public-key", vkeyFile, "--checkpoint", dir + "/last.note", "--db", db], runs: 1), to: &publicOnly)
            add(try measure(["verify"] + ledgerArgs, runs: 1), to: &withKey)
        }
        printRow("`ledger verify --public-key V --checkpoint N` (no HMAC key)", publicOnly)
        printRow("`ledger verify` (HMAC key)", withKey)
        print("")
        print("verify --public-key ÷ verify with the key: \(String(format: "%.2f×", Stats.median(publicOnly.seconds) / Stats.median(withKey.seconds)))")
    }

    typealias Sample = (seconds: [Double], rssKiB: Int)

    private func measure(_ arguments: [String], runs: Int) throws -> Sample {
        var sample: Sample = ([], 0)
        for _ in 0..<runs {
            let (seconds, peakKiB, status) = try Spawn.measured(ledgerBinary, arguments)
            guard status == 0 else { throw BenchFailure("ledger \(arguments.prefix(2).joined(separator: " ")) exited \(status)", code: 1) }
            sample.seconds.append(seconds)
            sample.rssKiB = max(sample.rssKiB, peakKiB)
        }
        return sample
    }

    private func ledger(_ arguments: [String], label: String) throws {
        let (_, _, status) = try Spawn.measured(ledgerBinary, arguments)
        guard status == 0 else { throw BenchFailure("ledger \(label) exited \(status)", code: 1) }
    }

    private func printRow(_ label: String, _ sample: Sample) {
        print(
            Stats.row([
                label, String(format: "%.3f", Stats.median(sample.seconds)),
                String(format: "%.3f–%.3f", sample.seconds.min() ?? 0, sample.seconds.max() ?? 0),
                String(format: "%.1f MiB", Double(sample.rssKiB) / 1024),
            ]))
    }
}
