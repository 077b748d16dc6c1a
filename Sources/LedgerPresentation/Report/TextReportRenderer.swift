import Foundation
import LedgerCore

/// `--format table`: aligned plain-text tables for a terminal (colour only on a TTY, never with NO_COLOR).
///
/// Every string of the document (titles, facts, notes, alerts, cells) is shown through
/// ``DisplayText/terminal(_:)``: a control character, bidi override or zero-width character from
/// the ledger appears as a visible escape (`\n`, `\u{1B}`, `\u{202E}`), never raw.
enum TextReportRenderer {
    /// Cells longer than this are cut with `…` (JSON, CSV, Markdown and HTML keep them whole).
    static let maxCellWidth = 72

    static func render(_ document: ReportDocument, color: Bool) -> String {
        var out: [String] = []
        let safe = DisplayText.terminal
        let styled = { (text: String, style: TextStyle) in style.apply(to: text, color: color) }
        for alert in document.alerts where alert.level == .danger {
            let bar = String(repeating: "!", count: 78)
            out.append(styled(bar, .red))
            out.append(styled("!!! \(safe(alert.title))", .red))
            for line in alert.lines { out.append(styled("!!! \(safe(line))", .red)) }
            out.append(styled(bar, .red))
            out.append("")
        }
        out.append(styled(safe(document.title), .bold))
        out.append(safe(document.subtitle))
        out.append("")
        for alert in document.alerts where alert.level != .danger {
            out.append(styled(safe("\(alert.title): " + alert.lines.joined(separator: " ")), .yellow))
            out.append("")
        }
        out.append(contentsOf: facts(document.summary))
        for section in document.sections {
            out.append("")
            out.append(styled(safe(section.title), .bold))
            if let note = section.note { out.append(styled(safe(note), .dim)) }
            if let table = section.table {
                if table.rows.isEmpty {
                    out.append("  " + safe(section.emptyText))
                } else {
                    out.append(contentsOf: render(table, color: color))
                }
            }
            if !section.facts.isEmpty { out.append(contentsOf: facts(section.facts)) }
        }
        return out.joined(separator: "\n") + "\n"
    }

    static func facts(_ facts: [(label: String, value: String)]) -> [String] {
        let shown = facts.map { (label: DisplayText.terminal($0.label), value: DisplayText.terminal($0.value)) }
        let width = shown.map(\.label.count).max() ?? 0
        return shown.map { "  " + pad($0.label, width + 2, count: $0.label.count) + $0.value }
    }

    static func render(_ table: ReportDocument.Table, color: Bool) -> [String] {
        let rows = table.rows.map { $0.map(clip) }
        let columns = table.columns.map(DisplayText.terminal)
        let counts = rows.map { $0.map(\.count) }
        var widths = columns.map(\.count)
        for row in counts {
            for (i, count) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], count) }
        }
        func line(_ fields: [String], _ counts: [Int]) -> String {
            var out = "  "
            for (i, field) in fields.enumerated() {
                let width = i < widths.count ? widths[i] : counts[i]
                if i > 0 { out += "  " }
                if table.numeric.contains(i) {
                    out += String(repeating: " ", count: max(0, width - counts[i])) + field
                } else {
                    out += i == fields.count - 1 ? field : pad(field, width, count: counts[i])
                }
            }
            while out.last == " " { out.removeLast() }
            return out
        }
        var out = [TextStyle.bold.apply(to: line(columns, columns.map(\.count)), color: color)]
        out.reserveCapacity(rows.count + 1)
        for (row, count) in zip(rows, counts) { out.append(line(row, count)) }
        return out
    }

    /// The cell escaped with ``DisplayText/terminal(_:)`` (so it stays on one line and inert),
    /// then cut to ``maxCellWidth`` characters.
    static func clip(_ text: String) -> String {
        let flat = DisplayText.terminal(text)
        guard flat.utf8.count > maxCellWidth, flat.count > maxCellWidth else { return flat }
        return String(flat.prefix(maxCellWidth - 1)) + "…"
    }

    /// `text` followed by spaces up to `width` characters.
    static func pad(_ text: String, _ width: Int, count: Int) -> String {
        count >= width ? text : text + String(repeating: " ", count: width - count)
    }
}

/// `--format markdown`: GitHub-flavoured Markdown, for tickets and pull requests.
enum MarkdownReportRenderer {
    static func render(_ document: ReportDocument) -> String {
        var out: [String] = ["# \(escape(document.title))", "", "_\(escape(document.subtitle))_", ""]
        for alert in document.alerts {
            let marker = alert.level == .danger ? "> [!CAUTION]" : "> [!WARNING]"
            out.append(marker)
            out.append("> **\(escape(alert.title))**")
            for line in alert.lines { out.append(">"); out.append("> \(escape(line))") }
            out.append("")
        }
        out.append(contentsOf: facts(document.summary))
        for section in document.sections {
            out.append("")
            out.append("## \(escape(section.title))")
            out.append("")
            if let note = section.note {
                out.append(escape(note))
                out.append("")
            }
            if let table = section.table {
                if table.rows.isEmpty {
                    out.append("_\(escape(section.emptyText))_")
                } else {
                    out.append("| " + table.columns.map(escape).joined(separator: " | ") + " |")
                    out.append("|" + table.columns.indices.map { table.numeric.contains($0) ? " ---: |" : " --- |" }.joined())
                    for row in table.rows { out.append("| " + row.map(escape).joined(separator: " | ") + " |") }
                }
            }
            if !section.facts.isEmpty { out.append(contentsOf: facts(section.facts)) }
        }
        return out.joined(separator: "\n") + "\n"
    }

    static func facts(_ facts: [(label: String, value: String)]) -> [String] {
        ["| | |", "| --- | --- |"] + facts.map { "| **\(escape($0.label))** | \(escape($0.value)) |" }
    }

    /// Text that cannot break a table or start Markdown markup.
    ///
    /// First ``DisplayText/terminal(_:)`` turns every control character (CR, LF, CRLF, TAB,
    /// ESC, NUL, C1), bidi control and zero-width character into a visible escape such as
    /// `\r\n`, so a row stays one line; then Markdown's punctuation (`|` included) gets a
    /// backslash. Works on Unicode scalars, not `Character`s: `"\r\n"`, or `|` followed by a
    /// combining mark, is a single `Character` that a `Character` comparison would miss.
    static func escape(_ text: String) -> String {
        let shown = DisplayText.terminal(text)
        var out = String()
        out.reserveCapacity(shown.utf8.count + 8)
        for scalar in shown.unicodeScalars {
            switch scalar {
            case "\n", "\r", "\t": out.unicodeScalars.append(" ")  // unreachable after DisplayText; kept as a guard
            case "|", "\\", "*", "_", "`", "[", "]", "<", ">", "#":
                out.unicodeScalars.append("\\")
                out.unicodeScalars.append(scalar)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
