import Foundation
@_spi(Testing) import LedgerCore
import LedgerTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Reliability of the built binaries: concurrent writers and readers on one ledger, `kill -9`
/// during bulk appends, bad input refused before anything is sent or written, and no secret
/// anywhere on disk or in any output. Serialized: each test already loads both cores.
@Suite("reliability: concurrency, crashes, bad input, secrets", .serialized)
struct ReliabilityTests {
    // MARK: 1. Concurrency

    static let writers = 8
    static let switchesPerWriter = 50

    @Test(
        "8 concurrent `ledger switch` loops × 50 into one ledger: 400 requested + 400 completed, seq gap-free, every exit 0, no lock error; concurrent `log`/`verify` always exit 0 and intact; no secret on disk or in output",
        .timeLimit(.minutes(5)))
    func concurrentSwitches() async throws {
        try #require(SystemTool.exists("timeout"), "coreutils `timeout` bounds each run in the shell loops")
        let simulator = try SimulatorProcess(fixture: SwitchFixture.json)
        let ledger = try TestLedger()
        let dir = ledger.directory
        let common = [
            "LEDGER": Binaries.path("ledger"), "DB": ledger.dbPath, "KEY": ledger.keyPath, "HOME": dir.path,
            "EPA_API_KEY": SwitchFixture.churnKey, "EPA_BASE_URL": simulator.baseURL, "LEDGER_ACTOR": "ci-pipeline",
        ]
        // Each writer: 50 sequential switches; odd writers skip pre-flight, even ones do it (both paths race).
        let writerScript = """
            i=0
            while [ "$i" -lt "$N" ]; do
              i=$((i + 1))
              timeout -k 5 60 "$LEDGER" switch job-ok --model churn --reason "CHG-w$W-$i" $EXTRA --db "$DB" --key-file "$KEY" >>"$OUT" 2>>"$ERR"
              echo "$?" >>"$CODES"
            done
            """
        // The reader: `log --limit 5` then `verify`, until told to stop (bounded in count).
        let readerScript = """
            n=0
            while [ ! -e "$STOP" ] && [ "$n" -lt 400 ]; do
              n=$((n + 1))
              timeout -k 5 60 "$LEDGER" log --limit 5 --db "$DB" --key-file "$KEY" >>"$LOG_OUT" 2>>"$ERR"
              echo "log $?" >>"$CODES"
              timeout -k 5 60 "$LEDGER" verify --db "$DB" --key-file "$KEY" >>"$VERIFY_OUT" 2>>"$ERR"
              echo "verify $?" >>"$CODES"
              sleep 0.05
            done
            """
        let started = Date()
        var loops: [ShellLoop] = []
        for w in 1...Self.writers {
            var env = common
            env["W"] = String(w)
            env["N"] = String(Self.switchesPerWriter)
            env["EXTRA"] = w % 2 == 1 ? "--skip-preflight" : ""
            env["OUT"] = dir.file("w\(w).out")
            env["ERR"] = dir.file("w\(w).err")
            env["CODES"] = dir.file("w\(w).codes")
            loops.append(try ShellLoop(writerScript, environment: env, stderrPath: dir.file("w\(w).sh-err")))
        }
        var readerEnv = common
        readerEnv["STOP"] = dir.file("stop")
        readerEnv["LOG_OUT"] = dir.file("r.log-out")
        readerEnv["VERIFY_OUT"] = dir.file("r.verify-out")
        readerEnv["ERR"] = dir.file("r.err")
        readerEnv["CODES"] = dir.file("r.codes")
        let reader = try ShellLoop(readerScript, environment: readerEnv, stderrPath: dir.file("r.sh-err"))

        let deadline = Date().addingTimeInterval(240)
        var finished: [Bool] = []
        for loop in loops { finished.append(await loop.wait(until: deadline)) }
        let writeSeconds = Date().timeIntervalSince(started)
        FileManager.default.createFile(atPath: dir.file("stop"), contents: nil)
        let readerFinished = await reader.wait(until: Date().addingTimeInterval(60))
        loops.forEach { $0.terminate() }
        reader.terminate()
        try #require(finished.allSatisfy { $0 } && readerFinished, "the loops did not finish within 240 s")

        // Every switch exited 0 and said so; nothing on stderr.
        for w in 1...Self.writers {
            #expect(Files.text(dir.file("w\(w).sh-err")).isEmpty, "writer \(w): \(Files.text(dir.file("w\(w).sh-err")))")
            let codes = Files.lines(dir.file("w\(w).codes"))
            #expect(codes == Array(repeating: "0", count: Self.switchesPerWriter), "writer \(w) exit codes: \(codes)")
            let out = Files.lines(dir.file("w\(w).out"))
            #expect(
                out.count == Self.switchesPerWriter && out.allSatisfy { $0.hasPrefix("switched churn → job-ok: succeeded (HTTP 200)") },
                "writer \(w) stdout: \(out.prefix(3))")
            #expect(Files.text(dir.file("w\(w).err")).isEmpty, "writer \(w) stderr: \(Files.text(dir.file("w\(w).err")).prefix(2000))")
        }
        // No lock or busy error anywhere.
        let captured = Files.all(under: dir.path).filter { !$0.hasSuffix(".sqlite") && !$0.contains(".sqlite-") && !$0.hasSuffix(".key") }
        for path in captured {
            let text = Files.text(path).lowercased()
            #expect(!text.contains("locked") && !text.contains("busy"), "\(path): \(text.prefix(2000))")
        }

        // The ledger: seq 1..n, exactly 400 requests and 400 completions, each completing its own request.
        let total = Self.writers * Self.switchesPerWriter
        var entries: [LedgerEntry] = []
        try LedgerStore.open(path: ledger.dbPath, writable: false).forEachEntry(matching: EntryFilter()) { entries.append($0) }
        #expect(entries.map(\.seq) == Array(1...Int64(entries.count)), "seq has gaps or is out of order")
        let requested = entries.filter { $0.kind == EntryKind.switchRequested }
        let completed = entries.filter { $0.kind == EntryKind.switchCompleted }
        let checked = entries.filter { $0.kind == EntryKind.jobChecked }
        #expect(requested.count == total && completed.count == total)
        #expect(checked.count == total / 2, "pre-flight ran in the even writers only")
        #expect(entries.count == 1 + 2 * total + total / 2)
        #expect(Set(requested.compactMap(\.reason)).count == total, "every (writer, iteration) recorded its own request once")
        let requestBySeq = Dictionary(uniqueKeysWithValues: requested.map { ($0.seq, $0) })
        #expect(Set(completed.compactMap(\.refSeq)) == Set(requestBySeq.keys), "each request has exactly one completion")
        for completion in completed {
            let request = completion.refSeq.flatMap { requestBySeq[$0] }
            #expect(
                completion.outcome == .succeeded && completion.httpStatus == 200 && request?.reason == completion.reason,
                "seq \(completion.seq)")
            #expect((request?.seq ?? .max) < completion.seq)
        }
        let verify = try Binaries.ledger(["verify", "--format", "json", "--db", ledger.dbPath, "--key-file", ledger.keyPath])
        #expect(verify.exitCode == 0, "\(verify.allOutput.prefix(2000))")
        let report = try JSONValue(parsing: verify.stdout)
        #expect(report["intact"] == .bool(true) && report["unresolved_switches"] == .array([]))
        #expect(report["entries"]?.integerValue == Int64(entries.count))

        // The service saw exactly one PUT per switch, all answered 200.
        let puts = try simulator.requests(pathSuffix: "/update_model", method: "PUT")
        #expect(puts.count == total && puts.allSatisfy { $0["status"]?.integerValue == 200 })
        #expect(try simulator.requests(pathSuffix: "/retrain_jobs/job-ok", method: "GET").count == total / 2)

        // Readers: every run exited 0, every verify said INTACT, and they overlapped the writers.
        let readerCodes = Files.lines(dir.file("r.codes"))
        let verifyRuns = readerCodes.filter { $0.hasPrefix("verify ") }.count
        #expect(Files.text(dir.file("r.sh-err")).isEmpty && Files.text(dir.file("r.err")).isEmpty, "\(Files.text(dir.file("r.err")).prefix(2000))")
        #expect(!readerCodes.isEmpty && readerCodes.allSatisfy { $0.hasSuffix(" 0") }, "reader exit codes: \(readerCodes.filter { !$0.hasSuffix(" 0") })")
        let verifyOut = Files.lines(dir.file("r.verify-out"))
        #expect(verifyOut.filter { $0.hasPrefix("result      INTACT") }.count == verifyRuns)
        let heads = Set(
            verifyOut.compactMap { line -> Int? in
                guard line.hasPrefix("entries "), let range = line.range(of: "(head seq ") else { return nil }
                return Int(line[range.upperBound...].prefix { $0.isNumber })
            })
        #expect(heads.filter { $0 > 1 && $0 < entries.count }.count >= 2, "the readers saw the ledger growing: \(heads.sorted())")

        // 4. Secrets: no API key and no HMAC key in the database, WAL, request log or any output.
        var scan = SecretScan()
        scan.addAPIKeys(SwitchFixture.allKeys)
        try scan.addKeyFile(ledger.keyPath)
        #expect(!scan.hits(files: [ledger.keyPath]).isEmpty, "the scan finds a key where there is one")
        let scanned = Files.all(under: dir.path).filter { $0 != ledger.keyPath } + [simulator.requestLogPath]
        #expect(scanned.contains(ledger.dbPath))
        #expect(scan.hits(files: scanned, outputs: [("verify", verify.allOutput)]).isEmpty)

        print(
            "reliability/concurrency: \(entries.count) entries (\(total) requested + \(total) completed + \(checked.count) checked), "
                + "\(entries.count) rows gap-free, 0 lock errors; \(total) switches in \(String(format: "%.1f", writeSeconds)) s "
                + "(\(Self.writers) writers); \(verifyRuns) concurrent verify + \(readerCodes.count - verifyRuns) log runs, all 0")
    }

    // MARK: 2. kill -9 during bulk appends

    @Test(
        "kill -9 during a burst of batched appends: the ledger opens, verifies, holds a gap-free prefix of whole batches, and accepts writes again",
        .timeLimit(.minutes(2)),
        arguments: [(0, 50), (30, 200), (150, 1_000), (400, 3_000)])
    func crashDuringAppends(delayMs: Int, batch: Int) async throws {
        let bench = Binaries.path("ledger-bench")
        try #require(FileManager.default.isExecutableFile(atPath: bench), "\(bench) is not built")
        let ledger = try TestLedger()
        let outPath = ledger.directory.file("append.out"), errPath = ledger.directory.file("append.err")
        FileManager.default.createFile(atPath: outPath, contents: nil)
        FileManager.default.createFile(atPath: errPath, contents: nil)
        let count = 5_000_000
        let process = Process()
        process.executableURL = URL(fileURLWithPath: bench)
        process.arguments = ["append", "--db", ledger.dbPath, "--key-file", ledger.keyPath, "--count", String(count), "--batch", String(batch)]
        process.environment = ["PATH": "/usr/bin:/bin", "HOME": ledger.directory.path]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() } }
        // Wait for the first committed batch, then let it run a little longer, then kill it.
        let deadline = Date().addingTimeInterval(30)
        while Files.lines(outPath).isEmpty, process.isRunning, Date() < deadline { try await Task.sleep(for: .milliseconds(2)) }
        if delayMs > 0 { try await Task.sleep(for: .milliseconds(delayMs)) }
        let reported = Files.lines(outPath)  // every line is printed after its batch committed
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(
            process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL,
            "ledger-bench was not killed mid-way: \(Files.text(errPath))")
        try #require(!reported.isEmpty, "no batch committed within 30 s: \(Files.text(errPath))")

        // A fresh process opens and verifies it.
        let verify = try Binaries.ledger(["verify", "--format", "json", "--db", ledger.dbPath, "--key-file", ledger.keyPath])
        #expect(verify.exitCode == 0, "\(verify.allOutput.prefix(2000))")
        let store = try LedgerStore.open(path: ledger.dbPath, writable: false)
        let head = try #require(try store.head()).seq
        let rows = try #require(store.connection).scalar("SELECT count(*) FROM entries").integer
        #expect(rows == head, "rows \(String(describing: rows)) vs head seq \(head): a gap")
        #expect((head - 1) % Int64(batch) == 0, "head seq \(head) is not 1 + whole batches of \(batch): a torn transaction")
        let lastReportedHead = reported.last.flatMap { line in line.split(separator: " ").last.flatMap { Int64($0) } }
        #expect(lastReportedHead.map { head >= $0 } == true, "a committed batch was lost: reported \(reported.last ?? "") but head is \(head)")
        #expect(head - 1 < Int64(count))
        #expect(try JSONValue(parsing: verify.stdout)["entries"]?.integerValue == head)

        // The ledger accepts writes again and still verifies.
        let more = try Binaries.run("ledger-bench", ["append", "--db", ledger.dbPath, "--key-file", ledger.keyPath, "--count", "7", "--batch", "7"])
        #expect(more.exitCode == 0, "\(more.allOutput)")
        #expect(try LedgerStore.open(path: ledger.dbPath, writable: false).head()?.seq == head + 7)
        #expect(try Binaries.ledger(["verify", "--db", ledger.dbPath, "--key-file", ledger.keyPath]).exitCode == 0)

        var scan = SecretScan()
        try scan.addKeyFile(ledger.keyPath)
        #expect(
            scan.hits(
                files: Files.all(under: ledger.directory.path).filter { $0 != ledger.keyPath },
                outputs: [("verify", verify.allOutput), ("append", more.allOutput)]
            ).isEmpty)
        print(
            "reliability/crash: batch \(batch), killed \(delayMs) ms after the first commit at head seq \(head) "
                + "(\(reported.count) batches reported), \(rows ?? -1) rows, gap-free, verify 0")
    }

    // MARK: 3. Bad input through `ledger switch`

    /// One bad input: how to break a copy of a good ledger, and what `ledger switch` must answer.
    struct BadInput {
        let name: String
        let exitCode: Int32
        /// Text the error line must contain.
        let message: String
        /// Breaks the ledger directory; returns the `--db`/`--key-file` arguments to use.
        let prepare: (_ db: String, _ key: String) throws -> [String]
        /// ArgumentParser's usage error (`Error: …` plus usage lines) instead of one `error: ` line.
        var usage = false
    }

    static func writeFile(_ path: String, _ bytes: Data, mode: mode_t) throws {
        try? FileManager.default.removeItem(atPath: path)
        try bytes.write(to: URL(fileURLWithPath: path))
        chmod(path, mode)
    }

    static func removeDatabase(_ db: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) }
    }

    @Test(
        "bad input to `ledger switch`: one `error:` line, the documented exit code, nothing sent, the ledger's bytes unchanged; no secret in any output",
        .timeLimit(.minutes(3)))
    func badInput() throws {
        let simulator = try SimulatorProcess(fixture: SwitchFixture.json)
        let env = ["EPA_BASE_URL": simulator.baseURL, "EPA_API_KEY": SwitchFixture.churnKey, "LEDGER_ACTOR": "ci-pipeline"]
        // A real ledger: sample entries, then two real switches on top.
        let base = try TestLedger()
        try base.appendSample(count: 400)
        for job in ["job-ok", "job-ok-2"] {
            let result = try Binaries.ledger(
                ["switch", job, "--model", "churn", "--reason", "CHG-base", "--db", base.dbPath, "--key-file", base.keyPath], environment: env)
            try #require(result.exitCode == 0, "\(result.allOutput)")
        }
        do {
            let connection = try SQLiteConnection(path: base.dbPath, mode: .readWrite)
            try connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        }
        try #require(try Binaries.ledger(["verify", "--db", base.dbPath, "--key-file", base.keyPath]).exitCode == 0)
        let baseBytes = try #require(FileManager.default.contents(atPath: base.dbPath))
        let wrongKeys = TemporaryDirectory()
        let wrongKeyPath = wrongKeys.file("other.key")
        _ = try KeyFile.create(path: wrongKeyPath)
        let notSQLite = Data(String(repeating: "this is not a SQLite database\n", count: 200).utf8)

        let cases: [BadInput] = [
            BadInput(name: "missing key file", exitCode: 78, message: "no key file at") { db, key in
                try FileManager.default.removeItem(atPath: key)
                return ["--db", db, "--key-file", key]
            },
            BadInput(name: "empty key file", exitCode: 78, message: "holds no key") { db, key in
                try Self.writeFile(key, Data(), mode: 0o600)
                return ["--db", db, "--key-file", key]
            },
            BadInput(name: "malformed key file", exitCode: 78, message: "is malformed") { db, key in
                try Self.writeFile(key, Data("0123456789abcdefXYZ not a key\n".utf8), mode: 0o600)
                return ["--db", db, "--key-file", key]
            },
            BadInput(name: "key file mode 0644", exitCode: 78, message: "chmod 600") { db, key in
                chmod(key, 0o644)
                return ["--db", db, "--key-file", key]
            },
            BadInput(name: "wrong key (another valid key file)", exitCode: 78, message: "which is not in") { db, key in
                try FileManager.default.removeItem(atPath: key)
                try FileManager.default.copyItem(atPath: wrongKeyPath, toPath: key)
                chmod(key, 0o600)
                return ["--db", db, "--key-file", key]
            },
            BadInput(name: "missing database", exitCode: 74, message: "no ledger at") { db, key in
                Self.removeDatabase(db)
                return ["--db", db, "--key-file", key]
            },
            BadInput(name: "not a SQLite file", exitCode: 74, message: "is not a model-ledger database") { db, key in
                Self.removeDatabase(db)
                try Self.writeFile(db, notSQLite, mode: 0o600)
                return ["--db", db, "--key-file", key]
            },
            BadInput(name: "database is a directory", exitCode: 74, message: "unable to open database file") { db, key in
                Self.removeDatabase(db)
                try FileManager.default.createDirectory(atPath: db, withIntermediateDirectories: false)
                return ["--db", db, "--key-file", key]
            },
            BadInput(name: "truncated database (first third)", exitCode: 74, message: "not a model-ledger database") { db, key in
                Self.removeDatabase(db)
                try Self.writeFile(db, baseBytes.prefix(baseBytes.count / 3), mode: 0o600)
                return ["--db", db, "--key-file", key]
            },
            BadInput(name: "newer schema (version 999)", exitCode: 74, message: "schema version 999") { db, key in
                let connection = try SQLiteConnection(path: db, mode: .readWrite)
                try connection.execute(
                    "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (999, 'from_the_future', 'x', '2030-01-01T00:00:00.000Z'); PRAGMA wal_checkpoint(TRUNCATE)"
                )
                return ["--db", db, "--key-file", key]
            },
            BadInput(
                name: "usage: empty --db", exitCode: 64, message: "--db must not be empty",
                prepare: { _, key in
                    ["--db", "", "--key-file", key]
                }, usage: true),
        ]

        let root = TemporaryDirectory()
        var outputs: [(String, String)] = []
        var scan = SecretScan()
        scan.addAPIKeys(SwitchFixture.allKeys)
        try scan.addKeyFile(base.keyPath)
        try scan.addKeyFile(wrongKeyPath)
        var keyFiles = [base.keyPath, wrongKeyPath]
        for (index, input) in cases.enumerated() {
            let caseDir = root.file("case-\(index)")
            try Files.copyDirectory(base.directory.path, to: caseDir)
            let db = caseDir + "/ledger.sqlite", key = caseDir + "/ledger.key"
            chmod(key, 0o600)
            keyFiles.append(key)
            let ledgerArgs = try input.prepare(db, key)
            let before = Files.ledgerBytes(db)
            let sent = try simulator.requests().count

            let result = try Binaries.ledger(["switch", "job-ok", "--model", "churn", "--reason", "CHG-bad"] + ledgerArgs, environment: env)
            outputs.append(("switch, \(input.name)", result.allOutput))
            let errorLines = result.stderr.split(separator: "\n", omittingEmptySubsequences: true)
            #expect(result.exitCode == input.exitCode, "\(input.name): exit \(result.exitCode): \(result.allOutput)")
            if input.usage {
                #expect(errorLines.first?.hasPrefix("Error: ") == true, "\(input.name): \(result.stderr)")
            } else {
                #expect(errorLines.count == 1 && errorLines.first?.hasPrefix("error: ") == true, "\(input.name): \(result.stderr)")
            }
            #expect(result.stderr.contains(input.message), "\(input.name): \(result.stderr)")
            #expect(result.stdout.isEmpty, "\(input.name): stdout \(result.stdout)")
            #expect(!result.allOutput.contains("Fatal error") && !result.allOutput.contains("unexpected error"), "\(input.name)")

            if input.name.hasPrefix("wrong key") {
                // Verify with the wrong key: the config exit code naming the wrong key file, as `switch` (issue 10), not TAMPERED.
                let verify = try Binaries.ledger(["verify"] + ledgerArgs)
                outputs.append(("verify, \(input.name)", verify.allOutput))
                #expect(verify.exitCode == 78, "\(verify.allOutput.prefix(2000))")
                #expect(verify.stderr.hasPrefix("error: wrong key file: none of the ledger's keys"), "\(verify.stderr.prefix(2000))")
                #expect(verify.stdout.isEmpty && !verify.allOutput.contains("TAMPERED"), "\(verify.allOutput.prefix(2000))")
            }
            #expect(try simulator.requests().count == sent, "\(input.name): the simulator received a request")
            #expect(Files.ledgerBytes(db) == before, "\(input.name): the ledger's bytes changed")
        }
        #expect(try simulator.requests(pathSuffix: "/update_model").count == 2, "only the two base switches reached the service")

        // 4. Secrets: nowhere on disk (but the key files) or in any output.
        #expect(!scan.hits(files: keyFiles).isEmpty, "the scan finds a key where there is one")
        let files =
            (Files.all(under: root.path) + Files.all(under: base.directory.path)).filter { !keyFiles.contains($0) }
            + [simulator.requestLogPath]
        #expect(files.contains(base.dbPath))
        #expect(scan.hits(files: files, outputs: outputs).isEmpty)
    }
}
