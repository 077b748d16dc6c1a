import ArgumentParser
import Foundation
import LedgerCore

/// Output formats of `report` and `history`.
enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, csv, markdown, html
}

/// A report laid out for people, independent of the format: a title, alerts (a tampered ledger first),
/// summary facts, an optional timeline, and sections holding a table or a list of facts. The table,
/// Markdown and HTML renderers draw the same document; JSON and CSV are written from the data.
struct ReportDocument {
    enum AlertLevel { case danger, warning, info }

    struct Alert {
        var level: AlertLevel
        var title: String
        var lines: [String]
    }

    struct Table {
        var columns: [String]
        var rows: [[String]]
        /// Columns holding numbers (right-aligned).
        var numeric: Set<Int> = []
        /// A small table of counts (HTML: not stretched to the page width).
        var compact = false
    }

    struct Section {
        /// A stable id (HTML anchors, CSS).
        var id: String
        var title: String
        /// A sentence under the title.
        var note: String?
        var table: Table?
        var facts: [(label: String, value: String)] = []
        /// Shown instead of an empty table.
        var emptyText = "none"
    }

    /// Switches over time, for the HTML timeline.
    struct Timeline {
        var start: Int64
        var end: Int64
        var lanes: [String]
        var points: [TimelinePoint]
        var caption: String
    }

    var title: String
    var subtitle: String
    var alerts: [Alert] = []
    var summary: [(label: String, value: String)] = []
    var timeline: Timeline?
    var sections: [Section] = []
}

/// `-` for an absent value.
func cell(_ text: String?) -> String { text.flatMap { $0.isEmpty ? nil : $0 } ?? "-" }

/// `-` for an absent number.
func cell(_ number: Int64?) -> String { number.map(String.init) ?? "-" }

/// Where a rendered report goes: stdout, or a file written whole (temporary name, then renamed).
enum ReportOutput {
    /// Renders one report in `format`: JSON and CSV straight from the data, the others from its document.
    ///
    /// JSON and CSV open with the tamper banner, as the human formats open with their alert: JSON's
    /// first member is `"banner"` (``banner(for:)``, null unless the ledger was verified and found
    /// tampered), written before the sorted members; CSV's first line is `# ` + the banner when
    /// there is one (docs/reports.md).
    static func render(
        _ format: ReportFormat, verification: ReportVerification, json: () -> JSONValue, csv: () -> String,
        document: () -> ReportDocument
    ) -> String {
        let banner = banner(for: verification)
        switch format {
        case .json: return withBannerFirst(json(), banner: banner) + "\n"
        case .csv: return (banner.map { "# " + $0 + "\n" } ?? "") + csv()
        case .table: return TextReportRenderer.render(document())
        case .markdown: return MarkdownReportRenderer.render(document())
        case .html: return HTMLReportRenderer.render(document())
        }
    }

    /// The banner of a report on a tampered ledger (nil otherwise). No comma, quote or value read
    /// from the ledger: it is one CSV field as it stands, and safe in a spreadsheet.
    static func banner(for verification: ReportVerification) -> String? {
        guard case .verified(let report) = verification, !report.isIntact else { return nil }
        return "LEDGER TAMPERED: DO NOT TRUST THIS REPORT: verification found \(report.findingCount) finding(s); "
            + "entries were altered or inserted or removed or reordered; run `ledger verify` and investigate"
    }

    /// `value` (an object) pretty-printed with a `"banner"` member written first: the pretty
    /// printer sorts members (RFC 8785 order), which would put it among the others.
    static func withBannerFirst(_ value: JSONValue, banner: String?) -> String {
        let body = value.prettyPrinted()
        let member = "  \"banner\": " + (banner.map { JSONValue.string($0) } ?? .null).prettyPrinted()
        // Every report answer is a non-empty object; anything else is printed as it is.
        guard body.hasPrefix("{\n") else { return body }
        return "{\n" + member + ",\n" + body.dropFirst(2)
    }

    static func write(_ text: String, to path: String?) throws {
        guard let path, path != "-" else {
            FileHandle.standardOutput.write(Data(text.utf8))
            return
        }
        let expanded = Paths.expand(path)
        let temporary = expanded + ".partial-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8), attributes: [.posixPermissions: 0o644]) else {
            throw CLIError(message: "cannot write \(expanded): check that its directory exists and is writable.", exitCode: .ledgerError)
        }
        guard rename(temporary, expanded) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw CLIError(message: "cannot write \(expanded): \(reason)", exitCode: .ledgerError)
        }
        Console.note("wrote \(expanded) (\(text.utf8.count.formatted()) bytes)")
    }
}
