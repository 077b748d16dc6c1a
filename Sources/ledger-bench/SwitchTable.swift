import BinaryRunner
import Foundation
import LedgerCore

/// Times `ledger switch` (with and without pre-flight) against `curl` doing the same PUT, all
/// against the built `epa-simulator` on a loopback port, runs interleaved so machine load hits
/// every command alike.
struct SwitchTable {
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

    /// Where `ledger` and `epa-simulator` are.
    let binDir: String
    /// A scratch directory (replaced).
    let dir: String
    /// Measured runs of each command.
    let runs: Int

    func run() throws {
        let ledger = binDir + "/ledger", simulatorBinary = binDir + "/epa-simulator"
        guard FileManager.default.isExecutableFile(atPath: simulatorBinary) else {
            throw BenchFailure("build epa-simulator first (swift build -c release): \(simulatorBinary) is missing", code: 1)
        }
        guard let curl = Spawn.which("curl") else { throw BenchFailure("curl is not on PATH", code: 1) }
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let fixturePath = dir + "/fixture.json"
        try Data(Self.fixture.utf8).write(to: URL(fileURLWithPath: fixturePath))
        let simulator: LaunchedSimulator
        do {
            simulator = try LaunchedSimulator(binary: simulatorBinary, fixturePath: fixturePath, requestLogPath: dir + "/requests.jsonl")
        } catch {
            throw BenchFailure("\(error)", code: 1)
        }
        defer { simulator.stop() }

        let db = dir + "/ledger.sqlite", keyPath = dir + "/ledger.key"
        let ring = try KeyFile.create(path: keyPath)
        _ = try LedgerStore.create(path: db, keyRing: ring, provenance: Provenance(actor: "bench", osUser: "bench", host: "bench"))

        let environment = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": dir, "LANG": "C.UTF-8",
            "NO_COLOR": "1", "EPA_API_KEY": Self.apiKey, "EPA_BASE_URL": simulator.baseURL, "LEDGER_ACTOR": "bench",
        ]
        let ledgerArgs = ["--db", db, "--key-file", keyPath]
        let job = Self.job
        var commands = [
            Command(
                label: "curl -s -o /dev/null -H x-api-key:… -X PUT …/update_model", path: curl,
                arguments: [
                    "-s", "-o", "/dev/null", "-H", "x-api-key:\(Self.apiKey)", "-X", "PUT",
                    "\(simulator.baseURL)/retrain_jobs/\(job)/update_model",
                ]),
            Command(
                label: "ledger switch --skip-preflight", path: ledger,
                arguments: ["switch", job, "--model", "churn", "--reason", "CHG-bench", "--skip-preflight"] + ledgerArgs),
            Command(
                label: "ledger switch (pre-flight, the default)", path: ledger,
                arguments: ["switch", job, "--model", "churn", "--reason", "CHG-bench"] + ledgerArgs),
            Command(label: "ledger --version (process start only)", path: ledger, arguments: ["--version"]),
            Command(
                label: "ledger log --limit 1 (start + open the ledger, no write, no network)", path: ledger,
                arguments: ["log", "--limit", "1"] + ledgerArgs),
        ]
        let errPath = dir + "/stderr.txt"
        for round in 0..<(Self.warmupRuns + runs) {
            for index in commands.indices {
                let command = commands[index]
                let (seconds, _, status) = try Spawn.run(
                    command.path, command.arguments, stdout: "/dev/null", stderr: errPath, environment: environment)
                guard status == 0 else {
                    let stderr = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
                    throw BenchFailure("\(command.label) exited \(status): \(stderr)", code: 1)
                }
                if round >= Self.warmupRuns { commands[index].samples.append(seconds) }
            }
        }

        // Every PUT (curl's and the switches') must have been answered 200 by the simulator.
        let switchesPerRound = 2, curlPerRound = 1
        let puts = try simulator.requestLogLines().map { try JSONValue(parsing: $0) }.filter { $0["method"]?.stringValue == "PUT" }
        let expectedPuts = (Self.warmupRuns + runs) * (switchesPerRound + curlPerRound)
        guard puts.count == expectedPuts, puts.allSatisfy({ $0["status"]?.integerValue == 200 }) else {
            throw BenchFailure("the simulator saw \(puts.count) PUTs (expected \(expectedPuts)), not all answered 200", code: 1)
        }
        let (_, _, verifyStatus) = try Spawn.run(ledger, ["verify"] + ledgerArgs, stdout: "/dev/null", stderr: errPath, environment: environment)
        guard verifyStatus == 0 else { throw BenchFailure("ledger verify exited \(verifyStatus) after the switch benchmark", code: 1) }

        let curlMedian = Stats.median(commands[0].samples)
        print(
            "`ledger switch` vs `curl`: \(runs) runs each (after \(Self.warmupRuns) warm-up runs), interleaved, wall time from spawn to exit, "
                + "against epa-simulator on \(simulator.baseURL)")
        print("")
        print(Stats.row(["command", "runs", "median ms", "p10 ms", "p90 ms", "min ms", "median / curl"]))
        print(Stats.row(Array(repeating: "---", count: 7)))
        for command in commands {
            let sorted = command.samples.sorted()
            print(
                Stats.row([
                    command.label, String(sorted.count), Stats.ms(Stats.median(sorted)), Stats.ms(Stats.percentile(sorted, 0.10)),
                    Stats.ms(Stats.percentile(sorted, 0.90)), Stats.ms(sorted.first ?? 0), String(format: "%.2f×", Stats.median(sorted) / curlMedian),
                ]))
        }
        let ratio = Stats.median(commands[1].samples) / curlMedian
        print("")
        print("switch (pre-flight excluded) / curl = \(String(format: "%.2f×", ratio)) (target ≤ 3×: \(ratio <= 3 ? "met" : "NOT met"))")
    }
}
