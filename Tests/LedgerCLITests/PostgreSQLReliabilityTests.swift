import Foundation
@_spi(Testing) import LedgerCore
import LedgerTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Reliability against PostgreSQL with the built binaries: 8 concurrent switch loops and a verify
/// loop on one ledger; `kill -9` of a writer mid-switch; a server restart mid-switch (on a cluster
/// of its own, so the other suites' server is never restarted). Serialized: each loads both cores.
@Suite("PostgreSQL: concurrency, kill -9 and restart", .serialized)
struct PostgreSQLReliabilityTests {
    static let writers = 8
    static let switchesPerWriter = 50

    @Test(
        "8 `ledger switch` loops × 50 against one PostgreSQL ledger with a concurrent verify loop: 400 switches, seq gap-free, chain intact, every exit 0, nothing on stderr",
        .timeLimit(.minutes(8)))
    func concurrentSwitchesOnPostgreSQL() async throws {
        try PostgresTestServer.required()
        try #require(SystemTool.exists("timeout"), "coreutils `timeout` bounds each run in the shell loops")
        let simulator = try SimulatorProcess(fixture: SwitchFixture.json)
        defer { simulator.stop() }
        let url = try PostgresTestServer.makeDatabase()
        let scenario = BackendScenario(db: url, simulator: simulator)
        try scenario.expectExit(0, ["init"])
        let dir = scenario.directory
        let common = [
            "LEDGER": Binaries.path("ledger"), "DB": url, "KEY": scenario.keyPath, "HOME": dir.path,
            "EPA_API_KEY": SwitchFixture.churnKey, "EPA_BASE_URL": simulator.baseURL, "LEDGER_ACTOR": "ci-pipeline",
        ]
        let writerScript = """
            i=0
            while [ "$i" -lt "$N" ]; do
              i=$((i + 1))
              timeout -k 5 90 "$LEDGER" switch job-ok --model churn --reason "CHG-w$W-$i" --skip-preflight --db "$DB" --key-file "$KEY" >>"$OUT" 2>>"$ERR"
              echo "$?" >>"$CODES"
            done
            """
        let readerScript = """
            n=0
            while [ ! -e "$STOP" ] && [ "$n" -lt 400 ]; do
              n=$((n + 1))
              timeout -k 5 90 "$LEDGER" verify --db "$DB" --key-file "$KEY" >>"$VERIFY_OUT" 2>>"$ERR"
              echo "verify $?" >>"$CODES"
              sleep 0.1
            done
            """
        let started = Date()
        var loops: [ShellLoop] = []
        for w in 1...Self.writers {
            var env = common
            env["W"] = String(w)
            env["N"] = String(Self.switchesPerWriter)
            env["OUT"] = dir.file("w\(w).out")
            env["ERR"] = dir.file("w\(w).err")
            env["CODES"] = dir.file("w\(w).codes")
            loops.append(try ShellLoop(writerScript, environment: env, stderrPath: dir.file("w\(w).sh-err")))
        }
        var readerEnv = common
        readerEnv["STOP"] = dir.file("stop")
        readerEnv["VERIFY_OUT"] = dir.file("r.verify-out")
        readerEnv["ERR"] = dir.file("r.err")
        readerEnv["CODES"] = dir.file("r.codes")
        let reader = try ShellLoop(readerScript, environment: readerEnv, stderrPath: dir.file("r.sh-err"))
        let deadline = Date().addingTimeInterval(400)
        var finished: [Bool] = []
        for loop in loops { finished.append(await loop.wait(until: deadline)) }
        let seconds = Date().timeIntervalSince(started)
        FileManager.default.createFile(atPath: dir.file("stop"), contents: nil)
        let readerFinished = await reader.wait(until: Date().addingTimeInterval(90))
        loops.forEach { $0.terminate() }
        reader.terminate()
        try #require(finished.allSatisfy { $0 } && readerFinished, "the loops did not finish within 400 s")

        for w in 1...Self.writers {
            #expect(Files.text(dir.file("w\(w).sh-err")).isEmpty, "writer \(w): \(Files.text(dir.file("w\(w).sh-err")))")
            #expect(Files.lines(dir.file("w\(w).codes")) == Array(repeating: "0", count: Self.switchesPerWriter), "writer \(w) exit codes")
            #expect(Files.text(dir.file("w\(w).err")).isEmpty, "writer \(w) stderr: \(Files.text(dir.file("w\(w).err")).prefix(2000))")
        }
        let entries = try scenario.entries()
        let total = Self.writers * Self.switchesPerWriter
        #expect(entries.map(\.seq) == Array(1...Int64(entries.count)), "seq has gaps or is out of order")
        let requested = entries.filter { $0.kind == EntryKind.switchRequested }
        let completed = entries.filter { $0.kind == EntryKind.switchCompleted }
        #expect(requested.count == total && completed.count == total && entries.count == 1 + 2 * total)
        #expect(Set(requested.compactMap(\.reason)).count == total, "every (writer, iteration) recorded its own request once")
        #expect(Set(completed.compactMap(\.refSeq)) == Set(requested.map(\.seq)), "each request has exactly one completion")
        let verify = try scenario.verify()
        #expect(verify["intact"] == .bool(true) && verify["unresolved_switches"] == .array([]))
        #expect(verify["entries"]?.integerValue == Int64(entries.count))

        let readerCodes = Files.lines(dir.file("r.codes"))
        #expect(!readerCodes.isEmpty && readerCodes.allSatisfy { $0 == "verify 0" }, "verify exit codes: \(readerCodes.filter { $0 != "verify 0" })")
        #expect(Files.text(dir.file("r.err")).isEmpty && Files.text(dir.file("r.sh-err")).isEmpty, "\(Files.text(dir.file("r.err")).prefix(2000))")
        let verifyOut = Files.lines(dir.file("r.verify-out"))
        #expect(verifyOut.filter { $0.hasPrefix("result      INTACT") }.count == readerCodes.count)
        print(
            "postgresql/concurrency: \(total) switches by \(Self.writers) writers in \(String(format: "%.1f", seconds)) s, "
                + "\(entries.count) rows gap-free, \(readerCodes.count) concurrent verify runs, all intact")
    }

    @Test(
        "kill -9 of a writer mid-switch on PostgreSQL: the ledger verifies, the switch is unresolved, resolve records it at once on this host, a new writer appends",
        .timeLimit(.minutes(3)))
    func killedWriterOnPostgreSQL() throws {
        try PostgresTestServer.required()
        let simulator = try SimulatorProcess(fixture: SwitchFixture.json)
        defer { simulator.stop() }
        let scenario = BackendScenario(db: try PostgresTestServer.makeDatabase(), simulator: simulator)
        try scenario.expectExit(0, ["init"])
        try scenario.expectExit(0, ["switch", "job-ok", "--model", "churn", "--reason", "CHG-1"])
        let request = try scenario.killedSwitch("job-delay", actor: "ci-pipeline")
        let entries = try scenario.entries()
        #expect(entries.last == request, "nothing after the request: the completion was never written")
        let verify = try scenario.verify()
        #expect(verify["intact"] == .bool(true) && verify["unresolved_switches"] == .array([.integer(request.seq)]))
        // The lease lives beside the key file (the database is not a file); the writer is gone on this host.
        let locks = scenario.directory.file("locks")
        #expect(FileManager.default.fileExists(atPath: locks), "no lock directory beside the key file")
        try scenario.expectExit(0, ["resolve", String(request.seq), "--outcome", "succeeded", "--reason", "INC-9: console shows job-delay live"])
        try scenario.expectExit(0, ["switch", "job-ok-2", "--model", "churn", "--reason", "CHG-3"])
        let after = try scenario.verify()
        #expect(after["intact"] == .bool(true) && after["unresolved_switches"] == .array([]))
        #expect(after["entries"]?.integerValue == Int64(entries.count + 4))
    }

    @Test(
        "pg_ctl restart -m fast mid-switch: nothing half-written, the switch is complete or visibly unresolved, the next commands reconnect and work",
        .timeLimit(.minutes(4)))
    func serverRestartMidSwitch() throws {
        // A cluster of its own: restarting the shared server would disturb every other test.
        try PostgresTestServer.required()
        let cluster = try OwnCluster()
        defer { cluster.stop() }
        let simulator = try SimulatorProcess(fixture: SwitchFixture.json)
        defer { simulator.stop() }
        let scenario = BackendScenario(db: cluster.url, simulator: simulator)
        try scenario.expectExit(0, ["init"])
        try scenario.expectExit(0, ["switch", "job-ok", "--model", "churn", "--reason", "CHG-1"])
        let before = try scenario.entries().count
        #expect(before == 4, "init, then job.checked, switch.requested, switch.completed")

        // Mid-call: the request is committed, the PUT is held by the simulator (4 s); restart the server now.
        let process = try scenario.startDelayedSwitch("job-delay", actor: "ci-pipeline")
        try cluster.restart()
        let deadline = Date().addingTimeInterval(90)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()

        // The next command reconnects; the ledger holds whole entries only and verifies.
        let verify = try scenario.verify()
        #expect(verify["intact"] == .bool(true))
        let entries = try scenario.entries()
        #expect(entries.map(\.seq) == Array(1...Int64(entries.count)))
        let request = try #require(entries.last { $0.kind == EntryKind.switchRequested && $0.retrainJobID == "job-delay" })
        let completion = entries.first { $0.kind == EntryKind.switchCompleted && $0.refSeq == request.seq }
        if let completion {
            // The writer reconnected and recorded the outcome.
            #expect(completion.outcome == .succeeded && completion.seq == request.seq + 1 && entries.last == completion)
            #expect(verify["unresolved_switches"] == .array([]))
        } else {
            // Visibly unresolved: a completion lost with the connection is never half-written.
            #expect(entries.last == request)
            #expect(verify["unresolved_switches"] == .array([.integer(request.seq)]))
            try scenario.expectExit(0, ["resolve", String(request.seq), "--outcome", "succeeded", "--reason", "INC-10: live after restart"])
        }
        try scenario.expectExit(0, ["switch", "job-ok-2", "--model", "churn", "--reason", "CHG-after-restart"])
        #expect(try scenario.verify()["unresolved_switches"] == .array([]))
        print("postgresql/restart: the switch in flight during the restart was \(completion == nil ? "left unresolved (then resolved)" : "completed")")
    }
}

/// A throwaway PostgreSQL cluster of a test's own (`scripts/pg-test-cluster.sh start DIR`), for a
/// test that restarts the server; stopped (and its directory removed) by `stop()`.
final class OwnCluster: @unchecked Sendable {
    let directory: String
    let url: String
    private static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/pg-test-cluster.sh").path
    }

    init() throws {
        directory = "/tmp/ledger-pg-own-" + UUID().uuidString.prefix(8).lowercased()
        let (status, output) = try Self.script(["start", directory])
        guard status == 0, let line = output.split(separator: "\n").last, line.hasPrefix("postgresql://") else {
            throw ScenarioFailure(step: "pg-test-cluster.sh start (exit \(status))", output: output)
        }
        // A database of its own in the cluster.
        let server = String(line)
        let name = "ledger_restart"
        try PostgreSQLTestAccess.execute(url: server, "CREATE DATABASE \(name)")
        url = PostgresTestServer.url(server, database: name)
    }

    /// `pg_ctl restart -m fast` (every connection is cut).
    func restart() throws {
        let (status, output) = try Self.script(["restart", directory])
        guard status == 0 else { throw ScenarioFailure(step: "pg-test-cluster.sh restart (exit \(status))", output: output) }
    }

    func stop() { _ = try? Self.script(["stop", directory]) }

    /// Runs the cluster script with posix_spawn and waitpid: the server it starts keeps running
    /// (and holds inherited descriptors), which `Foundation.Process` would wait for. Its stdout
    /// and stderr go to a file, returned with the exit status.
    private static func script(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let scratch = TemporaryDirectory(prefix: "model-ledger-pg-script")
        let outPath = scratch.file("out")
        let argv = ([script] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, script, &actions, nil, argv, environ)
        guard rc == 0 else { throw ScenarioFailure(step: "pg-test-cluster.sh", output: "posix_spawn: \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let output = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        return ((status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f), output)
    }
}
