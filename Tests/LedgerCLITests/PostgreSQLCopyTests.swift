import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// One scripted scenario played by the built `ledger` against the built simulator, on any backend
/// (`db`: a SQLite path or a PostgreSQL URL): init; a switch that succeeds; one the vendor rejects
/// (exit 3); one refused by pre-flight (exit 5); a second success by another actor; a switch killed
/// mid-call then resolved by a third actor; a checkpoint; a switch killed mid-call and left unresolved.
final class BackendScenario: @unchecked Sendable {
    let db: String
    let keyPath: String
    let directory: TemporaryDirectory
    let simulator: SimulatorProcess
    /// The `switch.requested` seq of the switch left unresolved.
    private(set) var unresolvedSeq: Int64 = 0

    /// A scenario writing to `db` with a key file in a fresh directory (or `keyPath`).
    init(db: String, keyPath: String? = nil, simulator: SimulatorProcess) {
        directory = TemporaryDirectory(prefix: "model-ledger-pg")
        self.db = db
        self.keyPath = keyPath ?? directory.file("ledger.key")
        self.simulator = simulator
    }

    var ledgerArgs: [String] { ["--db", db, "--key-file", keyPath] }

    /// `ledger ARGS --db … --key-file …` with the simulator and `apiKey` in the environment.
    @discardableResult
    func run(_ arguments: [String], apiKey: String? = SwitchFixture.churnKey, actor: String = "ci-pipeline", timeout: TimeInterval = 60) throws
        -> ProcessResult
    {
        var env = ["EPA_BASE_URL": simulator.baseURL, "LEDGER_ACTOR": actor, "HOME": directory.path]
        if let apiKey { env["EPA_API_KEY"] = apiKey }
        return try Binaries.ledger(arguments + ledgerArgs, environment: env, timeout: timeout)
    }

    /// Runs and requires exit `code`.
    @discardableResult
    func expectExit(_ code: Int32, _ arguments: [String], apiKey: String? = SwitchFixture.churnKey, actor: String = "ci-pipeline") throws
        -> ProcessResult
    {
        let result = try run(arguments, apiKey: apiKey, actor: actor)
        guard result.exitCode == code else {
            throw ScenarioFailure(step: arguments.joined(separator: " ") + " (wanted exit \(code), got \(result.exitCode))", output: result.allOutput)
        }
        return result
    }

    /// Every entry, oldest first.
    func entries() throws -> [LedgerEntry] {
        var all: [LedgerEntry] = []
        try LedgerStore.open(database: LedgerDatabase(db), writable: false).forEachEntry(matching: EntryFilter()) { all.append($0) }
        return all
    }

    /// Starts `ledger switch JOB` (a job whose answer the simulator delays) and returns once the
    /// simulator has processed its PUT (the model's live job became JOB): the switch is mid-call.
    func startDelayedSwitch(_ job: String, actor: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Binaries.path("ledger"))
        process.arguments = ["switch", job, "--model", "churn", "--reason", "CHG-\(job)"] + ledgerArgs
        process.environment = [
            "EPA_BASE_URL": simulator.baseURL, "EPA_API_KEY": SwitchFixture.churnKey, "LEDGER_ACTOR": actor,
            "HOME": directory.path, "NO_COLOR": "1", "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while try simulator.liveJob(model: "churn") != job, process.isRunning, Date() < deadline { usleep(20_000) }
        guard try simulator.liveJob(model: "churn") == job else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw ScenarioFailure(step: "switch \(job)", output: "the PUT did not reach the simulator")
        }
        return process
    }

    /// A switch killed with SIGKILL mid-call; returns its `switch.requested` entry.
    func killedSwitch(_ job: String, actor: String) throws -> LedgerEntry {
        let process = try startDelayedSwitch(job, actor: actor)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        guard let request = try entries().last(where: { $0.kind == EntryKind.switchRequested }), request.retrainJobID == job else {
            throw ScenarioFailure(step: "killed \(job)", output: "no switch.requested for it")
        }
        return request
    }

    /// Plays the scenario. The simulator's live jobs must be fresh (a new simulator per scenario).
    func play() throws {
        try expectExit(0, ["init"], actor: "alice")
        try expectExit(0, ["switch", "job-ok", "--model", "churn", "--reason", "CHG-1: weekly"])
        try expectExit(3, ["switch", "job-nope", "--model", "churn", "--reason", "CHG-2: typo", "--skip-preflight"])
        try expectExit(5, ["switch", "job-running", "--model", "churn", "--reason", "CHG-3: too early"])
        try expectExit(0, ["switch", "job-ok-2", "--model", "churn", "--reason", "CHG-4: hotfix"], actor: "bob")
        let killed = try killedSwitch("job-delay", actor: "bob")
        try expectExit(0, ["resolve", String(killed.seq), "--outcome", "succeeded", "--reason", "INC-7: console shows job-delay live"], actor: "carol")
        try expectExit(0, ["checkpoint", "--out", directory.file("checkpoint.json")], actor: "carol")
        unresolvedSeq = try killedSwitch("job-delay-2", actor: "ci-pipeline").seq
    }

    /// `ledger export` to a file: the bundle's lines, with the header's `exported_at` and
    /// `header_mac` (the export's own time and the MAC over it) left out; entry lines as written.
    func exportLines() throws -> [String] {
        let out = directory.file("export-\(UUID().uuidString).jsonl")
        try expectExit(0, ["export", "--out", out])
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").map(String.init)
        try? FileManager.default.removeItem(atPath: out)
        guard let header = lines.first, case .object(var members) = try JSONValue(parsing: header) else {
            throw ScenarioFailure(step: "export", output: "no header line")
        }
        members["exported_at"] = nil
        members["header_mac"] = nil
        return [JSONValue.object(members).canonicalString] + lines.dropFirst()
    }

    /// `ledger ARGS --format json` with the snapshot's `db` (the path or URL) and `generated_at`
    /// (the time the report ran) left out; everything else as printed, canonicalised.
    func reportJSON(_ arguments: [String]) throws -> String {
        let result = try expectExit(0, arguments + ["--format", "json"])
        return try Self.withoutRunFacts(JSONValue(parsing: result.stdout)).canonicalString
    }

    /// Removes every `db` and `generated_at` member (the only facts of a run, not of the ledger).
    static func withoutRunFacts(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let members):
            var kept: [String: JSONValue] = [:]
            for (name, member) in members where name != "db" && name != "generated_at" { kept[name] = withoutRunFacts(member) }
            return .object(kept)
        case .array(let items): return .array(items.map(withoutRunFacts))
        default: return value
        }
    }

    /// `ledger verify --format json`, parsed (exit 0 required).
    func verify() throws -> JSONValue {
        try JSONValue(parsing: expectExit(0, ["verify", "--format", "json"]).stdout)
    }
}

extension BackendScenario {
    /// The user a PostgreSQL URL connects as (`postgresql://USER[:pw]@…`), nil when it names none.
    static func role(in url: String) -> String? {
        guard let start = url.range(of: "://"), let at = url[start.upperBound...].firstIndex(of: "@") else { return nil }
        let userInfo = url[start.upperBound..<at]
        let user = userInfo.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        return user.isEmpty ? nil : user
    }
}

extension JSONValue {
    /// RFC 8785 canonical text (for byte-for-byte comparisons).
    var canonicalString: String { CanonicalJSON.string(self) }
}

/// `ledger copy` and the backends compared: the same scenario on SQLite and on PostgreSQL gives the
/// same export, reports and verification; a copy keeps every mac, either direction.
@Suite("PostgreSQL: copy and the same results on both backends", .serialized)
struct PostgreSQLCopyTests {
    @Test(
        "a scenario on SQLite copied to PostgreSQL (and back) gives byte-for-byte the same export, report and history JSON; all three verify with the same head",
        .timeLimit(.minutes(5)))
    func sqliteScenarioCopiedToPostgreSQLAndBack() throws {
        try PostgresTestServer.required()
        let simulator = try SimulatorProcess(fixture: SwitchFixture.json)
        defer { simulator.stop() }
        let sqlite = BackendScenario(db: TemporaryDirectory(prefix: "model-ledger-pg").file("ledger.sqlite"), simulator: simulator)
        try sqlite.play()
        let pgURL = try PostgresTestServer.makeDatabase()
        let onPG = BackendScenario(db: pgURL, keyPath: sqlite.keyPath, simulator: simulator)
        let back = BackendScenario(db: sqlite.directory.file("back.sqlite"), keyPath: sqlite.keyPath, simulator: simulator)

        let copy = try sqlite.expectExit(0, ["copy", "--to", pgURL, "--format", "json"])
        let copied = try JSONValue(parsing: copy.stdout)
        let sourceEntries = try sqlite.entries()
        #expect(copied["rows"]?.integerValue == Int64(sourceEntries.count))
        #expect(copied["head_seq"]?.integerValue == sourceEntries.last?.seq)
        #expect(copied["head_mac"]?.stringValue == sourceEntries.last?.mac)
        #expect(try onPG.entries() == sourceEntries, "every row, every column, every mac")

        let copyBack = try onPG.expectExit(0, ["copy", "--to", back.db, "--format", "json"])
        #expect(try JSONValue(parsing: copyBack.stdout)["head_mac"]?.stringValue == sourceEntries.last?.mac)

        // Verification: intact, the same head, the same unresolved switch, from all three.
        let verifications = try [sqlite, onPG, back].map { try $0.verify() }
        for report in verifications {
            #expect(report["intact"] == .bool(true))
            #expect(report["head_mac"] == verifications[0]["head_mac"] && report["entries"] == verifications[0]["entries"])
            #expect(report["unresolved_switches"] == .array([.integer(sqlite.unresolvedSeq)]))
        }

        // Export, report and history: byte for byte.
        let export = try sqlite.exportLines()
        #expect(export.count == sourceEntries.count + 1)
        #expect(try onPG.exportLines() == export)
        #expect(try back.exportLines() == export)
        for command in [["report"], ["report", "--actor", "bob"], ["report", "--outcome", "unresolved"], ["history", "--model", "churn"]] {
            let expected = try sqlite.reportJSON(command)
            #expect(try onPG.reportJSON(command) == expected, "\(command)")
            #expect(try back.reportJSON(command) == expected, "\(command)")
        }
    }

    @Test("the scenario run directly on PostgreSQL verifies, and every entry it writes carries db_role = the connecting role", .timeLimit(.minutes(5)))
    func scenarioOnPostgreSQLRecordsTheRole() throws {
        try PostgresTestServer.required()
        let simulator = try SimulatorProcess(fixture: SwitchFixture.json)
        defer { simulator.stop() }
        let url = try PostgresTestServer.makeDatabase()
        let scenario = BackendScenario(db: url, simulator: simulator)
        try scenario.play()
        let entries = try scenario.entries()
        #expect(entries.count >= 12)
        let role = try #require(BackendScenario.role(in: url))
        #expect(entries.allSatisfy { $0.dbRole == role }, "db_role: \(Set(entries.map { $0.dbRole ?? "NULL" }))")
        let verify = try scenario.verify()
        #expect(verify["intact"] == .bool(true) && verify["entries"]?.integerValue == Int64(entries.count))
        #expect(verify["unresolved_switches"] == .array([.integer(scenario.unresolvedSeq)]))
        // `show` and `log --format json` show the column; the text report does not.
        let show = try JSONValue(parsing: scenario.expectExit(0, ["show", "2", "--format", "json"]).stdout)
        #expect(show.canonicalString.contains("\"db_role\":\"\(role)\""))
    }

    @Test("copy refuses a destination that is not empty (a file, a database holding a ledger) and writes nothing; copy needs no key file")
    func copyRefusesANonEmptyDestination() throws {
        try PostgresTestServer.required()
        let ledger = try TestLedger()
        let existing = ledger.directory.file("existing.sqlite")
        FileManager.default.createFile(atPath: existing, contents: Data("not mine".utf8))
        let noKey = ["--key-file", ledger.directory.file("no-such.key")]
        let intoFile = try Binaries.ledger(["copy", "--db", ledger.dbPath, "--to", existing] + noKey)
        #expect(
            intoFile.exitCode == 74 && intoFile.stderr.contains("already exists") && intoFile.stderr.contains("nothing was written"), "\(intoFile.allOutput)")
        #expect(FileManager.default.contents(atPath: existing) == Data("not mine".utf8))

        let url = try PostgresTestServer.makeDatabase()
        let first = try Binaries.ledger(["copy", "--db", ledger.dbPath, "--to", url] + noKey)
        #expect(first.exitCode == 0, "\(first.allOutput)")
        let before = try LedgerStore.open(database: LedgerDatabase(url), writable: false).head()
        let second = try Binaries.ledger(["copy", "--db", ledger.dbPath, "--to", url] + noKey)
        #expect(second.exitCode == 74, "\(second.allOutput)")
        #expect(try LedgerStore.open(database: LedgerDatabase(url), writable: false).head() == before)

        let same = try Binaries.ledger(["copy", "--db", ledger.dbPath, "--to", ledger.dbPath] + noKey)
        #expect(same.exitCode == 64, "\(same.allOutput)")
    }
}
