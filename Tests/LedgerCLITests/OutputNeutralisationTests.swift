import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

/// Hostile text in the ledger (a reason, an actor, a service's error message or body) reaches no
/// terminal raw: human output shows it escaped, JSON keeps it exact, CSV cannot start a formula.
@Suite("Output neutralisation: control characters, forged rows and formulas (built binary)")
struct OutputNeutralisationTests {
    // MARK: Hostile values

    /// Given on the command line (`checkpoint --reason`): OSC 8 hyperlink, OSC 0 window title,
    /// clear screen, CR that overwrites, CRLF and LF that forge `ledger log` rows, a bidi override,
    /// a C1 CSI (U+009B), an HTML end tag.
    static let argvReason =
        "CP-1 \u{1B}]8;;https://evil.example/\u{07}click me\u{1B}]8;;\u{07} \u{1B}]0;pwned\u{07}\u{1B}[2J\rOVERWRITE\r\n"
        + "FORGED-ROW 999   2026-01-01T00:00:00.000Z switch.completed  mallory\n"
        + "FORGED-ROW 1000 abc\u{202E}exe.doc\u{9B}31m </script><script>alert(1)</script>"

    /// Written through the library (NUL cannot cross argv).
    static let libraryReason = "lib \u{0}mallory \u{1B}[31mred\u{1B}[0m \u{200B}zw\r\nFORGED-REASON-LINE"
    static let libraryActor = "ev\u{1B}[8mhidden\u{1B}[0mil \u{202E}rotca"
    static let serviceErrorCode = "E\u{1B}[5m42"
    static let serviceErrorMessage = "boom\r\nFORGED-ERROR-LINE \u{1B}]0;title\u{07}\u{7F}\u{85}"
    static let serviceBody = "{\"message\":\"\u{1B}[2J\u{0}x\"}"

    /// The ledger: seq 1 init, seq 2 switch.requested, seq 3 switch.completed (failed), seq 4 checkpoint.
    struct Fixture {
        let ledger: TestLedger
        var args: [String] { ["--db", ledger.dbPath, "--key-file", ledger.keyPath] }

        init() throws {
            ledger = try TestLedger()
            let store = try ledger.open()
            var requested = EntryDraft(kind: EntryKind.switchRequested)
            requested.model = "churn"
            requested.retrainJobID = "job-1"
            requested.reason = OutputNeutralisationTests.libraryReason
            requested.requestMethod = "PUT"
            let provenance = Provenance(actor: OutputNeutralisationTests.libraryActor, osUser: "tester", host: "test-host")
            let request = try store.append(requested, keyRing: ledger.keyRing, provenance: provenance)
            var completed = EntryDraft(kind: EntryKind.switchCompleted)
            completed.model = "churn"
            completed.retrainJobID = "job-1"
            completed.refSeq = request.seq
            completed.outcome = .failed
            completed.httpStatus = 500
            completed.errorCode = OutputNeutralisationTests.serviceErrorCode
            completed.errorMessage = OutputNeutralisationTests.serviceErrorMessage
            completed.responseBody = OutputNeutralisationTests.serviceBody
            completed.durationMs = 12
            _ = try store.append(completed, keyRing: ledger.keyRing, provenance: provenance)
            let checkpoint = try Binaries.ledger(
                ["checkpoint", "--reason", OutputNeutralisationTests.argvReason, "--actor", "ops", "--out", ledger.directory.file("cp.json")] + args)
            guard checkpoint.exitCode == 0 else { throw ScenarioFailure(step: "checkpoint", output: checkpoint.allOutput) }
        }

        func run(_ arguments: [String]) throws -> ProcessResult {
            let result = try Binaries.ledger(arguments + args)
            guard result.exitCode == 0 else { throw ScenarioFailure(step: arguments.joined(separator: " "), output: result.allOutput) }
            return result
        }
    }

    // MARK: Checks

    /// Scalars a terminal (or a reader) could act on: C0 except LF, DEL, C1, bidi controls, zero-width.
    static func isDangerous(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0A: return false
        case 0x00...0x1F, 0x7F...0x9F: return true
        case 0x061C, 0x200B...0x200F, 0x2028...0x202E, 0x2060, 0x2066...0x2069, 0xFEFF: return true
        default: return false
        }
    }

    static func expectNoRawControl(_ text: String, _ label: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let bad = text.unicodeScalars.filter(isDangerous)
        #expect(bad.isEmpty, "\(label): raw \(bad.map { "U+" + String($0.value, radix: 16, uppercase: true) })", sourceLocation: sourceLocation)
    }

    /// No output line starts with text that a hostile value tried to put on a line of its own.
    static func expectNoForgedLine(_ text: String, _ label: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for line in text.split(separator: "\n") where line.hasPrefix("FORGED") || line.hasPrefix("OVERWRITE") {
            Issue.record("\(label): forged line \(line)", sourceLocation: sourceLocation)
        }
    }

    // MARK: Tests

    @Test("log table: one line per entry (no forged rows), no raw control byte, the escapes visible")
    func logTableCannotBeForged() throws {
        let f = try Fixture()
        let log = try f.run(["log", "--limit", "0"])
        Self.expectNoRawControl(log.stdout, "log")
        Self.expectNoForgedLine(log.stdout, "log")
        let lines = log.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 1 + 4, "\(log.stdout)")  // header + seq 1…4
        #expect(lines.dropFirst().map { $0.prefix(while: { $0 != " " }) } == ["1", "2", "3", "4"])
        #expect(log.stdout.contains("\\u{1B}]8;;https://evil.example/\\u{07}click me"))
        #expect(log.stdout.contains("\\r\\nFORGED-ROW 999"))
        #expect(log.stdout.contains("\\u{202E}exe.doc\\u{9B}31m"))
        #expect(log.stdout.contains("boom\\r\\nFORGED-ERROR-LINE"))
        #expect(log.stdout.contains("\\u{1B}[8mhidden"))
    }

    @Test("show: a NUL byte and ESC in reason, actor, error and response body are shown escaped, one line per column")
    func showEscapesEveryColumn() throws {
        let f = try Fixture()
        let request = try f.run(["show", "2"])
        Self.expectNoRawControl(request.stdout, "show 2")
        #expect(request.stdout.contains("lib \\0mallory \\u{1B}[31mred\\u{1B}[0m \\u{200B}zw\\r\\nFORGED-REASON-LINE"))
        #expect(request.stdout.contains("ev\\u{1B}[8mhidden\\u{1B}[0mil \\u{202E}rotca"))
        #expect(request.stdout.split(separator: "\n").count == LedgerEntry.columns.count)

        let completion = try f.run(["show", "3"])
        Self.expectNoRawControl(completion.stdout, "show 3")
        Self.expectNoForgedLine(completion.stdout, "show 3")
        #expect(completion.stdout.contains("E\\u{1B}[5m42"))
        #expect(completion.stdout.contains("boom\\r\\nFORGED-ERROR-LINE \\u{1B}]0;title\\u{07}\\u{7F}\\u{85}"))
        #expect(completion.stdout.contains("{\"message\":\"\\u{1B}[2J\\0x\"}"))
        #expect(completion.stdout.split(separator: "\n").count == LedgerEntry.columns.count)

        let checkpoint = try f.run(["show", "4"])
        Self.expectNoRawControl(checkpoint.stdout, "show 4")
        Self.expectNoForgedLine(checkpoint.stdout, "show 4")
    }

    @Test("--format json round-trips the exact stored values, NUL and ESC included")
    func jsonKeepsExactValues() throws {
        let f = try Fixture()
        guard case .array(let entries) = try JSONValue(parsing: try f.run(["log", "--limit", "0", "--format", "json"]).stdout) else {
            Issue.record("log --format json is not an array")
            return
        }
        try #require(entries.count == 4)
        #expect(entries[1]["reason"]?.stringValue == Self.libraryReason)
        #expect(entries[1]["actor"]?.stringValue == Self.libraryActor)
        #expect(entries[2]["error_code"]?.stringValue == Self.serviceErrorCode)
        #expect(entries[2]["error_message"]?.stringValue == Self.serviceErrorMessage)
        #expect(entries[2]["response_body"]?.stringValue == Self.serviceBody)
        #expect(entries[3]["reason"]?.stringValue == Self.argvReason)
        let shown = try JSONValue(parsing: try f.run(["show", "2", "--format", "json"]).stdout)
        #expect(shown["reason"]?.stringValue == Self.libraryReason)
        // The stored value itself is untouched.
        #expect(try f.ledger.open().entry(seq: 2)?.reason == Self.libraryReason)
    }

    @Test("report and history, table and Markdown: no raw control byte, no forged line, Markdown rows stay one line")
    func reportsAndHistoryNeutralise() throws {
        let f = try Fixture()
        for format in ["table", "markdown"] {
            for command in [["report"], ["history", "--model", "churn"]] {
                let label = (command + [format]).joined(separator: " ")
                let out = try f.run(command + ["--format", format])
                Self.expectNoRawControl(out.stdout, label)
                Self.expectNoForgedLine(out.stdout, label)
                #expect(out.stdout.contains("\\0mallory"), "\(label)")
                if format == "markdown" {
                    for line in out.stdout.split(separator: "\n") where line.contains("mallory") || line.contains("FORGED") {
                        #expect(line.hasPrefix("| ") && line.hasSuffix(" |"), "\(label): row split: \(line)")
                    }
                    #expect(!out.stdout.contains("</script>"), "\(label)")
                }
            }
        }
        // The checkpoint's reason (given on the command line) is in the report's checkpoint table.
        let markdown = try f.run(["report", "--format", "markdown"]).stdout
        #expect(markdown.contains("\\\\r\\\\nFORGED-ROW 999"), "CRLF shown as \\r\\n inside the cell")
        let table = try f.run(["report"]).stdout
        #expect(table.contains("\\u{1B}]8;;"), "\(table)")
    }

    @Test("HTML report: no raw control character, no script element from a reason, the escapes visible")
    func htmlNeutralises() throws {
        let f = try Fixture()
        let html = try f.run(["report", "--format", "html"]).stdout
        Self.expectNoRawControl(html, "report html")
        #expect(!html.lowercased().contains("<script"))
        #expect(html.contains("&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("\\0mallory"))
        let history = try f.run(["history", "--model", "churn", "--format", "html"]).stdout
        Self.expectNoRawControl(history, "history html")
    }

    // MARK: CSV

    /// Reasons (and one actor) a spreadsheet would run as formulas, plus a CRLF and a plain one.
    static let formulaReasons = [
        "=HYPERLINK(\"https://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(1,2)", "\tTAB", "\rCR", "\nLF",
        "＝1+1", "plain, with comma", "line1\r\nline2", "it's fine",
    ]
    static let formulaActor = "=cmd|' /C calc'!A0"

    static func expectedCell(_ value: String) -> String {
        guard let first = value.unicodeScalars.first else { return value }
        return ["=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠"].contains(String(first)) ? "'" + value : value
    }

    @Test("CSV of log, report and history: formula cells get a leading ', values parse back, numbers stay numbers")
    func csvFormulaInjection() throws {
        let ledger = try TestLedger()
        let store = try ledger.open()
        let provenance = Provenance(actor: Self.formulaActor, osUser: "tester", host: "test-host")
        for (i, reason) in Self.formulaReasons.enumerated() {
            var requested = EntryDraft(kind: EntryKind.switchRequested)
            requested.model = "churn"
            requested.retrainJobID = "job-\(i)"
            requested.reason = reason
            let request = try store.append(requested, keyRing: ledger.keyRing, provenance: provenance)
            var completed = EntryDraft(kind: EntryKind.switchCompleted)
            completed.model = "churn"
            completed.retrainJobID = "job-\(i)"
            completed.refSeq = request.seq
            completed.outcome = .succeeded
            completed.httpStatus = 200
            completed.durationMs = i == 0 ? -5 : Int64(i)  // a negative number in a numeric column
            _ = try store.append(completed, keyRing: ledger.keyRing, provenance: provenance)
        }
        let args = ["--db", ledger.dbPath, "--key-file", ledger.keyPath]
        let expected = Self.formulaReasons.map(Self.expectedCell)

        // log: one row per entry; reason and actor columns neutralised; integer columns verbatim.
        let log = try Binaries.ledger(["log", "--limit", "0", "--format", "csv", "--kind", EntryKind.switchRequested.rawValue] + args)
        #expect(log.exitCode == 0, "\(log.stderr)")
        let logRows = try parseCSV(log.stdout)
        try #require(logRows.count == 1 + Self.formulaReasons.count, "\(log.stdout)")
        let columns = logRows[0]
        let reason = try #require(columns.firstIndex(of: "reason")), actor = try #require(columns.firstIndex(of: "actor"))
        let seq = try #require(columns.firstIndex(of: "seq"))
        #expect(logRows.dropFirst().map { $0[reason] } == expected)
        #expect(logRows.dropFirst().allSatisfy { $0[actor] == "'" + Self.formulaActor })
        #expect(logRows.dropFirst().allSatisfy { Int($0[seq]) != nil })
        let completions = try parseCSV(
            try Binaries.ledger(["log", "--limit", "0", "--format", "csv", "--kind", EntryKind.switchCompleted.rawValue] + args).stdout)
        let duration = try #require(completions.first?.firstIndex(of: "duration_ms"))
        #expect(completions[1][duration] == "-5", "a negative integer in a numeric column is a number, not a formula")

        // history: same reasons, actor neutralised, duration_ms (numeric) -5 kept.
        let history = try Binaries.ledger(["history", "--model", "churn", "--format", "csv"] + args)
        #expect(history.exitCode == 0, "\(history.stderr)")
        let historyRows = try parseCSV(history.stdout)
        try #require(historyRows.count == 1 + Self.formulaReasons.count, "\(history.stdout)")
        let h = historyRows[0]
        let hReason = try #require(h.firstIndex(of: "reason")), hActor = try #require(h.firstIndex(of: "actor"))
        let hDuration = try #require(h.firstIndex(of: "duration_ms"))
        #expect(historyRows.dropFirst().map { $0[hReason] } == expected)
        #expect(historyRows.dropFirst().allSatisfy { $0[hActor] == "'" + Self.formulaActor })
        #expect(historyRows[1][hDuration] == "-5")

        // report: the switch rows carry the reasons; by_actor names the actor; counts are digits.
        let report = try Binaries.ledger(["report", "--format", "csv"] + args)
        #expect(report.exitCode == 0, "\(report.stderr)")
        let reportRows = try parseCSV(report.stdout)
        let r = try #require(reportRows.first)
        let section = try #require(r.firstIndex(of: "section")), rReason = try #require(r.firstIndex(of: "reason"))
        let rActor = try #require(r.firstIndex(of: "actor")), count = try #require(r.firstIndex(of: "count"))
        let switchRows = reportRows.filter { $0[section] == "switch" }
        #expect(Set(switchRows.map { $0[rReason] }) == Set(expected))
        #expect(reportRows.filter { $0[section] == "by_actor" }.allSatisfy { $0[rActor] == "'" + Self.formulaActor })
        #expect(reportRows.filter { $0[section] == "totals" }.allSatisfy { Int($0[count]) != nil })

        // No cell anywhere starts a formula; a leading "-" only in an integer (a number column).
        for (label, rows) in [("log", logRows), ("history", historyRows), ("report", reportRows)] {
            for cell in rows.dropFirst().joined() {
                guard let first = cell.unicodeScalars.first else { continue }
                if "=+@\t\r\n＝＋－＠".unicodeScalars.contains(first) || first == "-" && Int(cell) == nil {
                    Issue.record("\(label): formula cell \(cell.debugDescription)")
                }
            }
        }
    }
}
