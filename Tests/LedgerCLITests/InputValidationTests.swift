import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

/// Hostile input from the operator's side: API keys, integer flags, dates, model and actor names.
/// Each is refused with a documented exit code and one clear line, before anything is written or sent.
@Suite("input validation: keys, integers, dates, names")
struct InputValidationTests {
    // MARK: API keys

    @Test(
        "a malformed or too-short API key exits 78 with one line, without the key, writing and sending nothing",
        arguments: ["has space-in-key", "bell\u{07}-in-the-key", "ключ-non-ascii-key", "short7k"])
    func malformedAPIKeyIsRefusedBeforeAnyWrite(key: String) throws {
        let bench = try SwitchBench()
        let before = bench.databaseBytes()
        for extra in [["--skip-preflight"], []] {
            let result = try bench.switchModel("job-ok", apiKey: key, extra: extra)
            #expect(result.exitCode == 78, "\(result.allOutput)")
            #expect(!result.allOutput.contains(key), "the key was printed")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
            #expect(result.stderr.contains("EPA_API_KEY") && result.stderr.contains("API key"))
        }
        // Also from a key file, and for the other commands that call the service.
        let keyFile = bench.ledger.directory.file("api.key")
        FileManager.default.createFile(atPath: keyFile, contents: Data((key + "\n").utf8), attributes: [.posixPermissions: 0o600])
        let data = bench.ledger.directory.file("d.csv")
        try Data("x\n".utf8).write(to: URL(fileURLWithPath: data))
        for arguments in [
            ["switch", "job-ok", "--model", "churn", "--reason", "r", "--skip-preflight", "--api-key-file", keyFile],
            ["retrain", "status", "job-ok", "--model", "churn", "--api-key-file", keyFile],
            ["retrain", "upload", data, "--model", "churn", "--reason", "r", "--api-key-file", keyFile],
        ] {
            let result = try bench.run(arguments, apiKey: nil)
            #expect(result.exitCode == 78, "\(arguments): \(result.allOutput)")
            #expect(!result.allOutput.contains(key))
        }
        #expect(bench.databaseBytes() == before, "the ledger changed")
        #expect(try bench.simulator.requests().isEmpty, "a request reached the service")
        #expect(try bench.entries().map(\.kind.rawValue) == ["ledger.created"])
    }

    // MARK: Integer flags

    static let pastInt64 = ["9223372036854775808", "99999999999999999999999", "-9223372036854775809"]

    @Test("report and log --limit take Int64.max and 2^62 without trapping (report used to compute 2 * limit)")
    func hugeLimitsDoNotTrap() throws {
        let ledger = try TestLedger()
        try ledger.appendSample(count: 40)
        let args = ["--db", ledger.dbPath, "--key-file", ledger.keyPath]
        for value in ["4611686018427387904", "9223372036854775807"] {
            for command in [["report"], ["report", "--format", "json"], ["log"]] {
                let result = try Binaries.ledger(command + ["--limit", value] + args)
                #expect(result.exitCode == 0, "\(command) --limit \(value): exit \(result.exitCode) \(result.stderr)")
            }
        }
    }

    @Test("every integer flag, at Int64.min, Int64.max and past Int64, exits 0, 64 or with its documented code: never a trap or 70")
    func integerFlagsNeverCrash() throws {
        let ledger = try TestLedger()
        try ledger.appendSample(count: 12)
        let args = ["--db", ledger.dbPath, "--key-file", ledger.keyPath]
        let commands: [(prefix: [String], flag: String?)] = [
            (["report"], "--limit"), (["log"], "--limit"), (["verify"], "--from"), (["verify"], "--to"),
            (["verify"], "--max-findings"), (["show"], nil), (["resolve"], nil),
        ]
        for (prefix, flag) in commands {
            for value in ["9223372036854775807", "-9223372036854775808", "0", "-1"] + Self.pastInt64 {
                var arguments = prefix
                if prefix == ["resolve"] { arguments += ["--outcome", "failed", "--reason", "r"] }
                arguments += flag.map { ["\($0)=\(value)"] } ?? ["--", value]
                let result = try Binaries.ledger(arguments + args)
                #expect(result.exitCode < 128 && result.exitCode != 70, "\(arguments): exit \(result.exitCode) \(result.stderr)")
                if Self.pastInt64.contains(value) {
                    #expect(result.exitCode == 64, "\(arguments): exit \(result.exitCode)")
                }
            }
        }
    }

    // MARK: Dates

    static let invalidTimes = [
        "2026-02-31", "2026-02-29", "2026-04-31", "2026-13-01", "2026-00-10", "0000-01-01",
        "2026-11-29T24:00:00Z", "2026-11-29T23:60:00Z", "2026-11-29T23:59:60Z",
        "2026-11-29T10:00:00+99:99", "2026-11-29T10:00:00+24:00", "2026-11-29T10:00:00-00:60",
        "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+00:01", "10000-01-01",
    ]

    @Test("impossible dates, out-of-range times and offsets, and instants outside 0001–9999 are not times")
    func timestampRules() {
        for text in Self.invalidTimes {
            #expect(Timestamp.parse(text) == nil, "\(text) was accepted")
            #expect(Timestamp.problem(with: text) != nil)
        }
        for text in [
            "2024-02-29", "2000-02-29", "2026-11-29T23:59:59.999+23:59", "0001-01-01", "9999-12-31T23:59:59.999Z",
            "2026-11-29T10:00:00-23:59",
        ] {
            #expect(Timestamp.parse(text) != nil, "\(text) was refused: \(Timestamp.problem(with: text) ?? "")")
        }
        #expect(Timestamp.problem(with: "1900-02-29")?.contains("28 days") == true)
        #expect(ReportTime.upperBound("9999-12-31") == "9999-12-31T23:59:59.999Z")
    }

    @Test("every date flag refuses an invalid time with exit 64 and says why")
    func dateFlagsRefuseInvalidTimes() throws {
        let ledger = try TestLedger()
        let args = ["--db", ledger.dbPath, "--key-file", ledger.keyPath]
        let out = ledger.directory.file("b.jsonl")
        for text in Self.invalidTimes {
            for command in [
                ["report", "--since", text], ["report", "--until", text], ["report", "--as-of", text],
                ["history", "--model", "churn", "--since", text], ["history", "--model", "churn", "--until", text],
                ["export", "--out", out, "--since", text], ["export", "--out", out, "--until", text],
            ] {
                let result = try Binaries.ledger(command + args)
                #expect(result.exitCode == 64, "\(command): exit \(result.exitCode) \(result.allOutput)")
                #expect(result.stderr.contains("not a valid time"), "\(command): \(result.stderr)")
            }
        }
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    // MARK: Names

    static let badNames: [(name: String, codePoint: String)] = [
        ("cafe\u{301}", "U+0301"),  // NFD
        ("churn\u{202E}", "U+202E"),  // bidi override
        ("ch\u{200B}urn", "U+200B"),  // zero-width space
        ("churn\u{2066}", "U+2066"),  // bidi isolate
        ("ch\u{00AD}urn", "U+00AD"),  // soft hyphen
        ("churn\u{FEFF}", "U+FEFF"),  // BOM
        ("churn\u{85}", "U+0085"),  // C1
        ("churn\u{7F}", "U+007F"),  // DEL
        ("churn\u{1B}[31m", "U+001B"),  // ESC
    ]

    @Test("one rule for model and actor names: invisible, bidi, control and non-NFC names are refused everywhere (exit 64, code point named)")
    func namesFollowOneRule() throws {
        let bench = try SwitchBench()
        let before = bench.databaseBytes()
        let out = bench.ledger.directory.file("b.jsonl")
        for (name, codePoint) in Self.badNames {
            #expect(throws: Identifier.Problem.self) { try Identifier.validate(name) }
            let commands: [[String]] = [
                ["switch", "job-ok", "--model", name, "--reason", "r", "--skip-preflight"],
                ["switch", "job-ok", "--model", "churn", "--reason", "r", "--actor", name],
                ["retrain", "status", "job-ok", "--model", name],
                ["log", "--model", name], ["report", "--model", name], ["report", "--actor", name],
                ["report", "--as-of", "2026-11-29", "--model", name], ["history", "--model", name],
                ["export", "--out", out, "--model", name],
            ]
            for command in commands {
                let result = try bench.run(command)
                #expect(result.exitCode == 64, "\(command): exit \(result.exitCode) \(result.allOutput)")
                #expect(result.stderr.contains(codePoint), "\(codePoint) not named: \(result.stderr)")
                #expect(!result.stderr.contains(name), "the raw name was printed")
            }
            let viaEnvironment = try Binaries.ledger(
                ["switch", "job-ok", "--model", "churn", "--reason", "r"] + bench.ledgerArgs,
                environment: ["EPA_BASE_URL": bench.simulator.baseURL, "EPA_API_KEY": SwitchFixture.churnKey, "LEDGER_ACTOR": name])
            #expect(viaEnvironment.exitCode == 64, "LEDGER_ACTOR: \(viaEnvironment.allOutput)")
        }
        #expect(bench.databaseBytes() == before)
        #expect(try bench.simulator.requests().isEmpty)
        // The NFC spelling is accepted, stored as typed, and found by every filter.
        let nfc = "caf\u{E9}"
        #expect(try bench.switchModel("job-ok", model: nfc).exitCode == 0)
        #expect(try bench.last(EntryKind.switchCompleted)?.model?.unicodeScalars.elementsEqual(nfc.unicodeScalars) == true)
        let history = try bench.run(["history", "--model", nfc, "--format", "json"])
        #expect(history.exitCode == 0 && history.stdout.contains("job-ok"), "\(history.allOutput)")
    }
}
