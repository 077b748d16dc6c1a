import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

/// Runs the built `ledger` binary as a subprocess and asserts output and exit codes.
@Suite("ledger init / log / show / verify (built binary)")
struct CoreCommandTests {
    /// A temp dir with `--db` and `--key-file` arguments pointing into it.
    struct Paths {
        let dir = TemporaryDirectory()
        var db: String { dir.file("ledger.sqlite") }
        var key: String { dir.file("ledger.key") }
        var args: [String] { ["--db", db, "--key-file", key] }
    }

    @Test("init creates the ledger and a 0600 key, prints ids and a back-up reminder; a second init is refused")
    func initCommand() throws {
        let p = Paths()
        let result = try Binaries.ledger(["init"] + p.args + ["--actor", "alice"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let store = try LedgerStore.open(path: p.db, writable: false)
        let ring = try KeyFile.load(path: p.key)
        #expect(result.stdout.contains(store.ledgerID))
        #expect(result.stdout.contains(ring.active.id))
        #expect(result.stdout.contains(p.key))
        #expect(result.stdout.contains("Back up the key file"))
        let mode = try FileManager.default.attributesOfItem(atPath: p.key)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
        #expect(try store.entry(seq: 1)?.actor == "alice")

        let before = try Data(contentsOf: URL(fileURLWithPath: p.db))
        let again = try Binaries.ledger(["init"] + p.args)
        #expect(again.exitCode == 74)
        #expect(again.stderr.contains("already exists"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: p.db)) == before)
    }

    @Test("the environment and XDG defaults choose the files when flags are absent; flags win")
    func configuration() throws {
        let dir = TemporaryDirectory()
        let xdg = ["XDG_DATA_HOME": dir.file("data"), "XDG_CONFIG_HOME": dir.file("config"), "LEDGER_ACTOR": "pipeline-7"]
        let result = try Binaries.ledger(["init", "--format", "json"], environment: xdg)
        #expect(result.exitCode == 0, "\(result.stderr)")
        let json = try JSONValue(parsing: result.stdout)
        #expect(json["db"]?.stringValue == dir.file("data") + "/model-ledger/ledger.sqlite")
        #expect(json["key_file"]?.stringValue == dir.file("config") + "/model-ledger/ledger.key")
        let store = try LedgerStore.open(path: dir.file("data") + "/model-ledger/ledger.sqlite", writable: false)
        #expect(try store.entry(seq: 1)?.actor == "pipeline-7")

        var env = xdg
        env["LEDGER_DB"] = dir.file("env.sqlite")
        env["LEDGER_KEY_FILE"] = dir.file("env.key")
        #expect(try Binaries.ledger(["init"], environment: env).exitCode == 0)
        #expect(FileManager.default.fileExists(atPath: dir.file("env.sqlite")))
        #expect(try Binaries.ledger(["init", "--db", dir.file("flag.sqlite"), "--actor", "bob"], environment: env).exitCode == 0)
        #expect(try LedgerStore.open(path: dir.file("flag.sqlite"), writable: false).entry(seq: 1)?.actor == "bob")
    }

    @Test("log lists entries as table, JSON and CSV; filters by kind and model; show prints one entry")
    func logAndShow() throws {
        let ledger = try TestLedger()
        try ledger.appendSample(count: 30)
        let args = ["--db", ledger.dbPath]
        let table = try Binaries.ledger(["log"] + args + ["--limit", "5"])
        #expect(table.exitCode == 0)
        let lines = table.stdout.split(separator: "\n")
        #expect(lines.count == 6 && lines[0].hasPrefix("SEQ"))
        #expect(lines[1].hasPrefix("27 ") && lines[5].hasPrefix("31 "))

        let json = try JSONValue(parsing: try Binaries.ledger(["log"] + args + ["--limit", "0", "--format", "json", "--model", "churn"]).stdout)
        guard case .array(let items) = json else { Issue.record("not an array"); return }
        #expect(items.count == 10)
        #expect(items.allSatisfy { $0["model"]?.stringValue == "churn" })

        let csv = try Binaries.ledger(["log"] + args + ["--limit", "0", "--format", "csv", "--kind", "job.checked"])
        let rows = csv.stdout.split(separator: "\n", omittingEmptySubsequences: true)
        // Every column, db_role (PostgreSQL) included: rows line up with the header on every backend.
        #expect(rows.first == Substring(LedgerEntry.allColumns.joined(separator: ",")))
        #expect(rows.count == 1 + 8)
        #expect(csv.stdout.hasSuffix(",\n"), "db_role is empty for rows SQLite wrote")

        let show = try Binaries.ledger(["show", "3"] + args + ["--format", "json"])
        let entry = try JSONValue(parsing: show.stdout)
        #expect(entry["seq"]?.integerValue == 3 && entry["kind"]?.stringValue == "switch.completed")
        let missing = try Binaries.ledger(["show", "999"] + args)
        #expect(missing.exitCode == 74 && missing.stderr.contains("no entry with seq 999"))
    }

    @Test("verify exits 0 on an intact ledger and reports entries, keys and head")
    func verifyIntact() throws {
        let ledger = try TestLedger()
        try ledger.appendSample(count: 1000)
        let result = try Binaries.ledger(["verify", "--db", ledger.dbPath, "--key-file", ledger.keyPath])
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("INTACT"))
        #expect(result.stdout.contains("1,001"))
        let json = try JSONValue(parsing: try Binaries.ledger(["verify", "--db", ledger.dbPath, "--key-file", ledger.keyPath, "--format", "json"]).stdout)
        #expect(json["intact"] == .bool(true) && json["entries"]?.integerValue == 1001 && json["head_seq"]?.integerValue == 1001)
    }

    @Test("verify (the binary) exits with the tamper code and names the seq", arguments: TamperCase.standard)
    func verifyTampered(tamper: TamperCase) throws {
        let ledger = try TestLedger()
        try ledger.appendSample(count: 700)
        try ledger.tamper(tamper.sql)
        let text = try Binaries.ledger(["verify", "--db", ledger.dbPath, "--key-file", ledger.keyPath])
        #expect(text.exitCode == 2, "tamper '\(tamper.name)' was NOT detected: \(text.stdout)")
        #expect(text.stdout.contains("TAMPERED"))
        #expect(text.stdout.contains("seq \(tamper.firstSeq)\t"), "\(text.stdout)")
        let json = try JSONValue(parsing: try Binaries.ledger(["verify", "--db", ledger.dbPath, "--key-file", ledger.keyPath, "--format", "json"]).stdout)
        guard case .array(let findings) = json["findings"] else { Issue.record("no findings array"); return }
        #expect(findings.first?["seq"]?.integerValue == tamper.firstSeq)
        #expect(findings.contains { $0["kind"]?.stringValue == tamper.expectedKind.rawValue })
    }

    @Test("a loosely-permissioned key file is refused with exit 78 and a chmod hint; its content never printed")
    func loosePermissions() throws {
        let ledger = try TestLedger()
        chmod(ledger.keyPath, 0o644)
        let result = try Binaries.ledger(["verify", "--db", ledger.dbPath, "--key-file", ledger.keyPath])
        #expect(result.exitCode == 78)
        #expect(result.stderr.contains("chmod 600 \(ledger.keyPath)"))
        let key = try String(contentsOfFile: ledger.keyPath, encoding: .utf8).trimmingCharacters(in: .newlines)
        #expect(!result.allOutput.contains(key))
    }

    @Test("bad --db inputs end with one clear line and exit 74", arguments: ["missing", "not-sqlite", "truncated", "newer-schema"])
    func badDatabase(kind: String) throws {
        let ledger = try TestLedger()
        let path: String
        switch kind {
        case "missing": path = ledger.directory.file("nope.sqlite")
        case "not-sqlite":
            path = ledger.directory.file("notes.txt")
            try Data("just some text\n".utf8).write(to: URL(fileURLWithPath: path))
        case "truncated":
            try ledger.appendSample(count: 200)
            let connection = try SQLiteConnection(path: ledger.dbPath, mode: .readWrite)
            try connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            path = ledger.directory.file("truncated.sqlite")
            let data = try Data(contentsOf: URL(fileURLWithPath: ledger.dbPath))
            try data.prefix(data.count / 3).write(to: URL(fileURLWithPath: path))
        default:
            path = ledger.dbPath
            try SQLiteConnection(path: path, mode: .readWrite)
                .execute("INSERT INTO schema_migrations VALUES (42, 'future', 'x', '2030-01-01T00:00:00.000Z')")
        }
        let result = try Binaries.ledger(["verify", "--db", path, "--key-file", ledger.keyPath])
        #expect(result.exitCode == 74, "\(kind): \(result.allOutput)")
        #expect(result.stderr.hasPrefix("error: ") && result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
    }

    @Test("usage errors exit 64")
    func usage() throws {
        #expect(try Binaries.ledger(["log", "--limit", "-3"]).exitCode == 64)
        #expect(try Binaries.ledger(["show", "abc"]).exitCode == 64)
        #expect(try Binaries.ledger(["frobnicate"]).exitCode == 64)
    }

    @Test("--help teaches: examples and the exit-code table")
    func help() throws {
        let root = try Binaries.ledger(["--help"])
        #expect(root.exitCode == 0)
        for code in ["0 ", "2 ", "64", "74", "78"] { #expect(root.stdout.contains("  \(code)")) }
        for sub in ["init", "verify", "log", "show"] {
            let help = try Binaries.ledger([sub, "--help"])
            #expect(help.exitCode == 0 && help.stdout.contains("Example"), "\(sub)")
        }
    }

    @Test("UPDATE or DELETE through the sqlite3 CLI fails with the trigger's message")
    func sqliteCLITriggers() throws {
        try RequiredTool.require("sqlite3", for: "the append-only triggers seen from the sqlite3 CLI")
        let ledger = try TestLedger()
        let update = try SystemTool.run("sqlite3", [ledger.dbPath, "UPDATE entries SET actor = 'mallory' WHERE seq = 1;"])
        #expect(update.exitCode != 0)
        #expect(update.stderr.contains("entries are append-only; UPDATE is not allowed"))
        let delete = try SystemTool.run("sqlite3", [ledger.dbPath, "DELETE FROM entries;"])
        #expect(delete.exitCode != 0)
        #expect(delete.stderr.contains("entries are append-only; DELETE is not allowed"))
        #expect(try Binaries.ledger(["verify", "--db", ledger.dbPath, "--key-file", ledger.keyPath]).exitCode == 0)
    }
}
