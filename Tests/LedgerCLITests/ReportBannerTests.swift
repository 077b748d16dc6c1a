import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

/// "Every format opens with LEDGER TAMPERED" (docs/reports.md): before issue 10 only the table,
/// Markdown and HTML formats did; JSON and CSV of a tampered ledger carried no banner. Now JSON's
/// first member is `"banner"` (a string when tampered, null otherwise) and CSV's first line is
/// `# LEDGER TAMPERED: …` (no such line otherwise).
@Suite("JSON and CSV reports open with the LEDGER TAMPERED banner")
struct ReportBannerTests {
    /// The three answers, as `ledger` arguments.
    static let answers: [(name: String, arguments: [String])] = [
        ("report", ["report"]),
        ("report --as-of", ["report", "--as-of", "2099-01-01"]),
        ("history", ["history", "--model", "churn"]),
    ]

    /// A ledger with switches of churn; `tampered`: one reason altered behind the tool's back.
    static func ledger(tampered: Bool) throws -> TestLedger {
        let ledger = try TestLedger()
        try ledger.appendSample(count: 12)
        if tampered { try ledger.tamper("UPDATE entries SET reason = 'forged' WHERE seq = 3") }
        return ledger
    }

    @Test("tampered: JSON of report, as-of and history has \"banner\": \"LEDGER TAMPERED: …\" as its first member; exit 2")
    func tamperedJSONOpensWithBanner() throws {
        let ledger = try Self.ledger(tampered: true)
        for answer in Self.answers {
            let result = try Binaries.ledger(answer.arguments + ["--format", "json"] + ledger.arguments)
            #expect(result.exitCode == 2, "\(answer.name): \(result.allOutput)")
            let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.first == "{", "\(answer.name)")
            #expect(
                lines.dropFirst().first?.hasPrefix("  \"banner\": \"LEDGER TAMPERED: ") == true,
                "\(answer.name): the banner is not the first member: \(lines.prefix(3))")
            let json = try JSONValue(parsing: result.stdout)
            let banner = try #require(json["banner"]?.stringValue, "\(answer.name)")
            #expect(banner.hasPrefix("LEDGER TAMPERED: DO NOT TRUST THIS REPORT") && banner.contains("1 finding(s)"), "\(banner)")
            #expect(json["verification"]?["status"]?.stringValue == "tampered", "\(answer.name)")
        }
    }

    @Test("tampered: CSV of report, as-of and history opens with one '# LEDGER TAMPERED: …' line (one field), then the header; exit 2")
    func tamperedCSVOpensWithBanner() throws {
        let ledger = try Self.ledger(tampered: true)
        let intact = try Self.ledger(tampered: false)
        for answer in Self.answers {
            let result = try Binaries.ledger(answer.arguments + ["--format", "csv"] + ledger.arguments)
            #expect(result.exitCode == 2, "\(answer.name): \(result.allOutput)")
            let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            let first = try #require(lines.first.map(String.init))
            #expect(first.hasPrefix("# LEDGER TAMPERED: DO NOT TRUST THIS REPORT"), "\(answer.name): \(first)")
            // One CSV field, safe in a spreadsheet: no separator, no quote, no formula character first.
            #expect(!first.contains(",") && !first.contains("\""), "\(first)")
            // The rest is exactly the table an intact ledger gets (same header row).
            let intactHeader = try Binaries.ledger(answer.arguments + ["--format", "csv"] + intact.arguments).stdout
                .split(separator: "\n").first
            #expect(lines.dropFirst().first == intactHeader, "\(answer.name): \(lines.prefix(2))")
        }
    }

    @Test("tampered, written with --out: the file opens with the banner too")
    func tamperedFileOpensWithBanner() throws {
        let ledger = try Self.ledger(tampered: true)
        let csv = ledger.directory.file("r.csv"), json = ledger.directory.file("r.json")
        #expect(try Binaries.ledger(["report", "--format", "csv", "--out", csv] + ledger.arguments).exitCode == 2)
        #expect(try Binaries.ledger(["report", "--format", "json", "--out", json] + ledger.arguments).exitCode == 2)
        #expect(try String(contentsOfFile: csv, encoding: .utf8).hasPrefix("# LEDGER TAMPERED: "))
        #expect(try String(contentsOfFile: json, encoding: .utf8).hasPrefix("{\n  \"banner\": \"LEDGER TAMPERED: "))
    }

    @Test("intact or not verified: JSON opens with \"banner\": null, CSV opens with its header row (no banner line); exit 0")
    func intactHasNoBanner() throws {
        let ledger = try Self.ledger(tampered: false)
        for answer in Self.answers {
            for extra in [[], ["--no-verify"]] {
                let json = try Binaries.ledger(answer.arguments + extra + ["--format", "json"] + ledger.arguments)
                #expect(json.exitCode == 0, "\(answer.name) \(extra): \(json.allOutput)")
                #expect(json.stdout.hasPrefix("{\n  \"banner\": null,\n"), "\(answer.name) \(extra): \(json.stdout.prefix(80))")
                #expect(try JSONValue(parsing: json.stdout)["banner"] == .null)
                let csv = try Binaries.ledger(answer.arguments + extra + ["--format", "csv"] + ledger.arguments)
                #expect(csv.exitCode == 0, "\(answer.name) \(extra): \(csv.allOutput)")
                #expect(!csv.stdout.contains("LEDGER TAMPERED") && !csv.stdout.hasPrefix("#"), "\(answer.name) \(extra)")
                let header = csv.stdout.split(separator: "\n").first.map(String.init) ?? ""
                #expect(header.hasPrefix("section,") || header.hasPrefix("as_of,") || header.hasPrefix("request_seq,"), "\(header)")
            }
        }
    }
}
