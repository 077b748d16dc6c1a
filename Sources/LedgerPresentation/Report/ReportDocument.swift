import Foundation
import LedgerCore

/// Output formats of `report` and `history` (the CLI's `--format`, the service's `format=`).
public enum ReportFormat: String, CaseIterable, Sendable {
    case table, json, csv, markdown, html

    /// A format named in a query (`format=`): a format's name, or `text` for `table`.
    public init?(word: String) {
        if word == "text" {
            self = .table
        } else {
            self.init(rawValue: word)
        }
    }

    /// The HTTP Content-Type of a report in this format.
    public var contentType: String {
        switch self {
        case .table: "text/plain; charset=utf-8"
        case .json: "application/json"
        case .csv: "text/csv; charset=utf-8"
        case .markdown: "text/markdown; charset=utf-8"
        case .html: "text/html; charset=utf-8"
        }
    }
}

/// A report laid out for people, independent of the format: a title, alerts (a tampered ledger first),
/// summary facts, an optional timeline, and sections holding a table or a list of facts. The table,
/// Markdown and HTML renderers draw the same document; JSON and CSV are written from the data.
public struct ReportDocument {
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
