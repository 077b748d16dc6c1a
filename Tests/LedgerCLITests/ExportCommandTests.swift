import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

/// `ledger export` and `ledger verify --bundle` (the built binary).
@Suite("ledger export / verify --bundle (built binary)")
struct ExportCommandTests {
    /// A ledger whose fraud entries sit in the middle: seq 2…21 churn, 22…31 fraud, 32…51 churn.
    static func ledger() throws -> TestLedger {
        let ledger = try TestLedger()
        let store = try ledger.open()
        func drafts(_ model: String, _ range: Range<Int>) -> [EntryDraft] {
            range.map { i in
                var draft = EntryDraft(kind: i % 2 == 0 ? EntryKind.switchRequested : EntryKind.switchCompleted)
                draft.model = model
                draft.retrainJobID = "\(model)-job-\(i / 2)"
                draft.reason = "CHG-\(1000 + i / 2) weekly retrain"
                if i % 2 == 1 {
                    draft.refSeq = Int64(i + 1)
                    draft.outcome = .succeeded
                    draft.httpStatus = 200
                    draft.responseBody = #"{"metadata":{"retrain_job_id":"\#(model)-job-\#(i / 2)"}}"#
                }
                return draft
            }
        }
        _ = try store.append(contentsOf: drafts("churn", 0..<20), keyRing: ledger.keyRing, provenance: ledger.provenance)
        _ = try store.append(contentsOf: drafts("fraud", 20..<30), keyRing: ledger.keyRing, provenance: ledger.provenance)
        _ = try store.append(contentsOf: drafts("churn", 30..<50), keyRing: ledger.keyRing, provenance: ledger.provenance)
        return ledger
    }

    static func lines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    static func write(_ lines: [String], to path: String) throws {
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
    }

    @Test("a bundle of a middle range verifies (exit 0); one changed character is caught (exit 2) and its seq named")
    func middleRangeAndEdit() throws {
        let ledger = try Self.ledger()
        let args = ["--db", ledger.dbPath, "--key-file", ledger.keyPath]
        let bundle = ledger.directory.file("fraud.jsonl")
        let export = try Binaries.ledger(["export", "--out", bundle, "--model", "fraud"] + args)
        #expect(export.exitCode == 0, "\(export.allOutput)")
        #expect(export.stderr.contains("exported seq 22…31"))
        let lines = try Self.lines(bundle)
        #expect(lines.count == 11)
        let header = try JSONValue(parsing: lines[0])
        #expect(header["first_seq"]?.integerValue == 22 && header["last_seq"]?.integerValue == 31 && header["head_seq"]?.integerValue == 51)
        #expect(header["ledger_id"]?.stringValue == (try ledger.open().ledgerID) && header["format_version"]?.integerValue == 1)
        #expect(header["key_ids"] == .array([.string(ledger.keyRing.active.id)]))
        #expect(header["head_mac"]?.stringValue == (try ledger.open().head()?.mac))

        let ok = try Binaries.ledger(["verify", "--bundle", bundle, "--key-file", ledger.keyPath])
        #expect(ok.exitCode == 0, "\(ok.allOutput)")
        #expect(ok.stdout.contains("INTACT") && ok.stdout.contains("seq 22…31"))

        // Change one character of the entry with seq 25 (line 5).
        var edited = lines
        #expect(edited[4].contains("\"seq\":25"))
        edited[4] = edited[4].replacingOccurrences(of: "CHG-1011 weekly", with: "CHG-1012 weekly")
        #expect(edited[4] != lines[4])
        let bad = ledger.directory.file("edited.jsonl")
        try Self.write(edited, to: bad)
        let caught = try Binaries.ledger(["verify", "--bundle", bad, "--key-file", ledger.keyPath])
        #expect(caught.exitCode == 2)
        #expect(caught.stdout.contains("TAMPERED: 1 finding") && caught.stdout.contains("seq 25") && caught.stdout.contains("mac_mismatch"))
        let json = try JSONValue(parsing: try Binaries.ledger(["verify", "--bundle", bad, "--key-file", ledger.keyPath, "--format", "json"]).stdout)
        #expect(json["intact"] == .bool(false))
        #expect(json["findings"]?.arrayFirst?["seq"]?.integerValue == 25 && json["findings"]?.arrayFirst?["line"]?.integerValue == 5)
    }

    @Test("a reordered, removed or duplicated line, or a cut tail, is caught (exit 2)", arguments: ["reorder", "remove", "duplicate", "tail"])
    func structure(change: String) throws {
        let ledger = try Self.ledger()
        let bundle = ledger.directory.file("b.jsonl")
        #expect(try Binaries.ledger(["export", "--out", bundle, "--db", ledger.dbPath, "--key-file", ledger.keyPath]).exitCode == 0)
        var lines = try Self.lines(bundle)
        #expect(lines.count == 52)
        switch change {
        case "reorder": lines.swapAt(10, 11)
        case "remove": lines.remove(at: 20)
        case "duplicate": lines.insert(lines[30], at: 31)
        default: lines.removeLast()
        }
        let bad = ledger.directory.file("bad.jsonl")
        try Self.write(lines, to: bad)
        let result = try Binaries.ledger(["verify", "--bundle", bad, "--key-file", ledger.keyPath])
        #expect(result.exitCode == 2, "\(result.stdout)")
        switch change {
        case "reorder": #expect(result.stdout.contains("seq 11") && result.stdout.contains("broken_link") && result.stdout.contains("gap"))
        case "remove":
            #expect(
                result.stdout.contains("seq 21") && result.stdout.contains("entries 20…20 are missing") == false
                    && result.stdout.contains("entry 20 is missing"))
        case "duplicate": #expect(result.stdout.contains("seq runs backwards"))
        default: #expect(result.stdout.contains("header_mismatch") && result.stdout.contains("ends at seq 51"))
        }
    }

    @Test("an auditor checks one line with openssl alone, as docs/reports.md shows; python3's json re-encodes it byte for byte")
    func opensslCheck() throws {
        try RequiredTool.require("openssl", "sed", for: "the auditor's openssl check of docs/reports.md")
        let ledger = try Self.ledger()
        let bundle = ledger.directory.file("b.jsonl")
        #expect(try Binaries.ledger(["export", "--out", bundle, "--model", "fraud", "--db", ledger.dbPath, "--key-file", ledger.keyPath]).exitCode == 0)
        // The commands of docs/reports.md, verbatim apart from the paths.
        let script = """
            set -eu
            line=$(sed -n 3p "$1")
            P=$(printf '%s' "$line" | sed -E 's/^\\{"entry":(.*),"mac":"[0-9a-f]{64}","matched":(true|false)\\}$/\\1/')
            mac=$(printf '%s' "$line" | sed -E 's/.*,"mac":"([0-9a-f]{64})","matched":(true|false)\\}$/\\1/')
            printf '%s' "$P" | openssl dgst -sha256 -mac HMAC -macopt hexkey:$(tail -n 1 "$2") -r | cut -c1-64
            echo "$mac"
            """
        let path = ledger.directory.file("check.sh")
        try Data(script.utf8).write(to: URL(fileURLWithPath: path))
        let result = try SystemTool.run("sh", [path, bundle, ledger.keyPath])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let outputs = result.stdout.split(separator: "\n").map(String.init)
        #expect(outputs.count == 2 && outputs[0] == outputs[1] && outputs[0].count == 64, "\(result.stdout)")
        let stored = try #require(try ledger.open().entry(seq: 23))
        #expect(outputs.first == stored.mac)

        // An independent re-encoding with python3's json module reproduces P byte for byte.
        if RequiredTool.available("python3", for: "re-encoding a bundle line with python3's json module") {
            let python = """
                import json, sys
                line = open(sys.argv[1], "rb").read().split(b"\\n")[2]
                entry = json.loads(line)["entry"]
                p = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
                sys.stdout.write("ok" if line.startswith(b'{"entry":' + p + b',"mac":') else "differs")
                """
            let pyPath = ledger.directory.file("reencode.py")
            try Data(python.utf8).write(to: URL(fileURLWithPath: pyPath))
            let reencoded = try SystemTool.run("python3", [pyPath, bundle])
            #expect(reencoded.stdout == "ok", "\(reencoded.allOutput)")
        }
    }

    @Test("export refuses: nothing matches (64), an existing file without --force (64), no key file (78)")
    func refusals() throws {
        let ledger = try Self.ledger()
        let args = ["--db", ledger.dbPath, "--key-file", ledger.keyPath]
        let bundle = ledger.directory.file("b.jsonl")
        let none = try Binaries.ledger(["export", "--out", bundle, "--model", "ltv"] + args)
        #expect(none.exitCode == 64 && none.stderr.contains("no entry matches"))
        #expect(!FileManager.default.fileExists(atPath: bundle))
        #expect(try Binaries.ledger(["export", "--out", bundle] + args).exitCode == 0)
        let again = try Binaries.ledger(["export", "--out", bundle] + args)
        #expect(again.exitCode == 64 && again.stderr.contains("--force"))
        #expect(try Binaries.ledger(["export", "--out", bundle, "--force"] + args).exitCode == 0)
        let noKey = try Binaries.ledger([
            "export", "--out", ledger.directory.file("x.jsonl"), "--db", ledger.dbPath, "--key-file", ledger.directory.file("none.key"),
        ])
        #expect(noKey.exitCode == 78)
        let toStdout = try Binaries.ledger(["export", "--out", "-", "--model", "fraud"] + args)
        #expect(toStdout.exitCode == 0 && toStdout.stdout.split(separator: "\n").count == 11)
        let missing = try Binaries.ledger(["verify", "--bundle", ledger.directory.file("nope.jsonl"), "--key-file", ledger.keyPath])
        #expect(missing.exitCode == 74 && missing.stderr.contains("no such file"))
    }
}
