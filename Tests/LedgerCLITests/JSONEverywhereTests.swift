import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

/// "Every command that prints results takes `--format json`" (README): each command is run by the
/// built `ledger` twice on identical fresh ledgers, once as text and once with `--format json`; the
/// JSON run must exit as the text run does, and its stdout must be one JSON object with the facts
/// the text prints. Before issue 10, `resolve`, `keys rotate`, `checkpoint` (create and verify),
/// `export` and `keys ed25519-generate` refused `--format` (exit 64).
@Suite("--format json on every command that prints results")
struct JSONEverywhereTests {
    /// One command: `arguments(ledger)` prepares a fresh ledger and returns the arguments (without `--format`).
    struct Case: CustomStringConvertible {
        var name: String
        var exitCode: Int32 = 0
        /// Members the JSON object must hold.
        var members: [String]
        var arguments: @Sendable (TestLedger) throws -> [String]
        /// Further checks on the parsed object (the ledger is the JSON run's).
        var check: @Sendable (JSONValue, TestLedger) throws -> Void = { _, _ in }
        var description: String { name }
    }

    /// A `switch.requested` whose deadline has passed and whose writer is gone: `resolve` may record its outcome.
    static func overdueRequest(_ ledger: TestLedger) throws -> LedgerEntry {
        var draft = EntryDraft(kind: EntryKind.switchRequested)
        draft.model = "churn"
        draft.retrainJobID = "job-overdue"
        draft.reason = "CHG-1"
        draft.details = ["deadline_at": "2020-01-01T00:00:00.000Z"]
        return try ledger.open().append(draft, keyRing: ledger.keyRing, provenance: ledger.provenance)
    }

    /// Writes a checkpoint with the built binary and returns its path.
    static func checkpoint(_ ledger: TestLedger) throws -> String {
        let path = ledger.directory.file("cp.json")
        let made = try Binaries.ledger(["checkpoint", "--out", path] + ledger.arguments)
        guard made.exitCode == 0 else { throw Failure("checkpoint: \(made.allOutput)") }
        return path
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// The commands that refused `--format json` before issue 10, with the facts their JSON carries.
    static let newCases: [Case] = [
        Case(name: "resolve", members: ["request_seq", "resolution_seq", "outcome", "model", "retrain_job_id", "ledger_id"]) { ledger in
            let request = try overdueRequest(ledger)
            return ["resolve", String(request.seq), "--outcome", "failed", "--reason", "INC-7: console"] + ledger.arguments
        } check: { json, ledger in
            let resolution = try #require(try ledger.open().head())
            #expect(resolution.kind == EntryKind.switchResolved)
            #expect(json["resolution_seq"]?.integerValue == resolution.seq)
            #expect(json["request_seq"]?.integerValue == resolution.refSeq)
            #expect(json["outcome"]?.stringValue == "failed" && json["retrain_job_id"]?.stringValue == "job-overdue")
        },
        Case(name: "resolve of a seq that is no switch request (usage error: stderr only)", exitCode: 64, members: []) { ledger in
            ["resolve", "1", "--outcome", "failed", "--reason", "r"] + ledger.arguments
        },
        Case(name: "keys rotate", members: ["old_key_id", "new_key_id", "seq", "key_file", "ledger_id"]) { ledger in
            ["keys", "rotate", "--reason", "annual"] + ledger.arguments
        } check: { json, ledger in
            let ring = try KeyFile.load(path: ledger.keyPath)
            #expect(json["new_key_id"]?.stringValue == ring.keys.last?.id)
            #expect(json["old_key_id"]?.stringValue == ring.keys.first?.id)
            #expect(json["seq"]?.integerValue == 2)
        },
        Case(name: "checkpoint --out", members: ["ledger_id", "seq", "mac", "path", "local_copy", "signed"]) { ledger in
            ["checkpoint", "--out", ledger.directory.file("cp.json")] + ledger.arguments
        } check: { json, ledger in
            let statement = try LedgerCore.Checkpoint.load(path: ledger.directory.file("cp.json"))
            #expect(json["seq"]?.integerValue == statement.seq && json["mac"]?.stringValue == statement.mac)
            #expect(json["signed"] == .bool(false))
            let local = try #require(json["local_copy"]?.stringValue)
            #expect(FileManager.default.fileExists(atPath: local))
        },
        Case(name: "checkpoint to stdout (the statement itself)", members: ["checkpoint", "hmac"]) { ledger in
            ["checkpoint", "create"] + ledger.arguments
        },
        Case(name: "checkpoint verify", members: ["verdict", "authentic", "hmac", "ed25519", "failure", "ledger_id", "seq", "mac", "key_id"]) { ledger in
            ["checkpoint", "verify", try checkpoint(ledger), "--key-file", ledger.keyPath]
        } check: { json, _ in
            #expect(json["verdict"]?.stringValue == "AUTHENTIC" && json["authentic"] == .bool(true))
            #expect(json["hmac"]?["result"]?.stringValue == "valid" && json["ed25519"]?["result"]?.stringValue == "absent")
        },
        Case(name: "checkpoint verify of a forged statement (exit 2, verdict on stdout)", exitCode: 2, members: ["verdict", "failure"]) { ledger in
            let path = try checkpoint(ledger)
            let statement = try LedgerCore.Checkpoint.load(path: path)
            var text = try String(contentsOfFile: path, encoding: .utf8)
            text = text.replacingOccurrences(of: statement.hmac, with: String(repeating: "0", count: 64))
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            return ["checkpoint", "verify", path, "--key-file", ledger.keyPath]
        } check: { json, _ in
            #expect(json["verdict"]?.stringValue == "NOT AUTHENTIC" && json["authentic"] == .bool(false))
            #expect(json["failure"]?.stringValue?.contains("HMAC is invalid") == true)
        },
        Case(name: "export --out FILE", members: ["ledger_id", "first_seq", "last_seq", "entries", "matched", "head_seq", "key_ids", "path", "bytes"]) {
            ledger in
            try ledger.appendSample(count: 6)
            return ["export", "--out", ledger.directory.file("b.jsonl")] + ledger.arguments
        } check: { json, ledger in
            #expect(json["first_seq"]?.integerValue == 1 && json["last_seq"]?.integerValue == 7 && json["entries"]?.integerValue == 7)
            let size = try FileManager.default.attributesOfItem(atPath: ledger.directory.file("b.jsonl"))[.size] as? Int
            #expect(json["bytes"]?.integerValue == size.map(Int64.init))
        },
        Case(name: "keys ed25519-generate", members: ["private_key", "public_key", "private_key_mode"]) { ledger in
            ["keys", "ed25519-generate", "--out", ledger.directory.file("sign.pem")]
        } check: { json, ledger in
            #expect(json["public_key"]?.stringValue == ledger.directory.file("sign.pub.pem"))
            #expect(FileManager.default.fileExists(atPath: ledger.directory.file("sign.pub.pem")))
        },
    ]

    /// Commands that already took `--format json` (checked the same way, so the README sentence is proven whole).
    /// `switch` and `retrain upload/status` need the simulator; their JSON is covered by SwitchCommandTests.
    static let existingCases: [Case] = [
        Case(name: "init", members: ["ledger_id", "key_id"]) { ledger in
            ["init", "--db", ledger.directory.file("new.sqlite"), "--key-file", ledger.directory.file("new.key")]
        },
        Case(name: "keys list", members: []) { ledger in ["keys", "list"] + ledger.arguments },
        Case(name: "verify", members: ["intact", "entries", "findings", "keys", "wrong_key_file"]) { ledger in
            ["verify"] + ledger.arguments
        },
        Case(name: "verify --bundle", members: ["findings"]) { ledger in
            let out = ledger.directory.file("v.jsonl")
            _ = try Binaries.ledger(["export", "--out", out] + ledger.arguments)
            return ["verify", "--bundle", out, "--key-file", ledger.keyPath]
        },
        Case(name: "log", members: []) { ledger in ["log"] + ledger.arguments },
        Case(name: "show", members: ["seq", "mac"]) { ledger in ["show", "1"] + ledger.arguments },
        Case(name: "report", members: ["banner", "verification"]) { ledger in ["report"] + ledger.arguments },
        Case(name: "report --as-of", members: ["banner", "as_of"]) { ledger in ["report", "--as-of", "2030-01-01"] + ledger.arguments },
        Case(name: "history", members: ["banner", "model"]) { ledger in
            try ledger.appendSample(count: 6)
            return ["history", "--model", "churn"] + ledger.arguments
        },
    ]

    @Test("--format json: same exit code as text, one JSON object with the facts on stdout, nothing secret", arguments: newCases + existingCases)
    func jsonLikeText(_ c: Case) throws {
        let textLedger = try TestLedger()
        let text = try Binaries.ledger(try c.arguments(textLedger))
        let jsonLedger = try TestLedger()
        let json = try Binaries.ledger(try c.arguments(jsonLedger) + ["--format", "json"])
        #expect(json.exitCode == c.exitCode, "\(c.name): json exit \(json.exitCode): \(json.allOutput)")
        #expect(text.exitCode == c.exitCode, "\(c.name): text exit \(text.exitCode): \(text.allOutput)")
        // Secrets: no HMAC key of either key file, no private key.
        for line in (try? String(contentsOfFile: jsonLedger.keyPath, encoding: .utf8))?.split(separator: "\n") ?? [] {
            #expect(!json.allOutput.contains(line), "\(c.name): a key appears in the output")
        }
        #expect(!json.allOutput.contains("PRIVATE KEY"), "\(c.name)")
        if c.members.isEmpty && c.exitCode == 64 {
            // An error: the diagnostic on stderr, as in text, and nothing on stdout.
            #expect(json.stdout.isEmpty, "\(c.name): \(json.stdout)")
            #expect(json.stderr.hasPrefix("error: "), "\(c.name): \(json.stderr)")
            #expect(text.stderr == json.stderr, "\(c.name)")
            return
        }
        let parsed = try JSONValue(parsing: json.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        switch parsed {
        case .object(let object):
            for member in c.members { #expect(object[member] != nil, "\(c.name): no \(member) in \(json.stdout)") }
        case .array:
            #expect(c.members.isEmpty, "\(c.name): an array, expected members \(c.members)")
        default:
            Issue.record("\(c.name): stdout is not a JSON object or array: \(json.stdout)")
        }
        try c.check(parsed, jsonLedger)
    }

    @Test("export --format json with --out - is a usage error (64): the bundle owns standard output")
    func exportJSONToStdoutIsUsage() throws {
        let ledger = try TestLedger()
        let result = try Binaries.ledger(["export", "--out", "-", "--format", "json"] + ledger.arguments)
        #expect(result.exitCode == 64, "\(result.allOutput)")
        #expect(result.stdout.isEmpty && result.stderr.contains("--out -"), "\(result.allOutput)")
    }
}
