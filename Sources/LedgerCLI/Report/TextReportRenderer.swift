import Foundation
import LedgerCore

/// `--format table`: aligned plain-text tables for a terminal (colour only on a TTY, never with NO_COLOR).
enum TextReportRenderer {
    /// Cells longer than this are cut with `…` (JSON, CSV, Markdown and HTML keep them whole).
    static let maxCellWidth = 72

    static func render(_ document: ReportDocument) -> String {
        var out: [String] = []
        for alert in document.alerts where alert.level == .danger {
            let bar = String(repeating: "!", count: 78)
            out.append(Console.styled(bar, .red))
            out.append(Console.styled("!!! \(alert.title)", .red))
            for line in alert.lines { out.append(Console.styled("!!! \(line)", .red)) }
            out.append(Console.styled(bar, .red))
            out.append("")
        }
        out.append(Console.styled(document.title, .bold))
        out.append(document.subtitle)
        out.append("")
        for alert in document.alerts where alert.level != .danger {
            out.append(Console.styled("\(alert.title): " + alert.lines.joined(separator: " "), .yellow))
            out.append("")
        }
        out.append(contentsOf: facts(document.summary))
        for section in document.sections {
            out.append("")
            out.append(Console.styled(section.title, .bold))
            if let note = section.note { out.append(Console.styled(note, .dim)) }
            if let table = section.table {
                if table.rows.isEmpty {
                    out.append("  " + section.emptyText)
                } else {
                    out.append(contentsOf: render(table))
                }
            }
            if !section.facts.isEmpty { out.append(contentsOf: facts(section.facts)) }
        }
        return out.joined(separator: "\n") + "\n"
    }

    static func facts(_ facts: [(label: String, value: String)]) -> [String] {
        let width = facts.map(\.label.count).max() ?? 0
        return facts.map { "  " + pad($0.label, width + 2, count: $0.label.count) + $0.value }
    }

    static func render(_ table: ReportDocument.Table) -> [String] {
        let rows = table.rows.map { $0.map(clip) }
        let counts = rows.map { $0.map(\.count) }
        var widths = table.columns.map(\.count)
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
        var out = [Console.styled(line(table.columns, table.columns.map(\.count)), .bold)]
        out.reserveCapacity(rows.count + 1)
        for (row, count) in zip(rows, counts) { out.append(line(row, count)) }
        return out
    }

    static func clip(_ text: String) -> String {
        var flat = text
        if text.utf8.contains(where: { $0 == 0x0A || $0 == 0x09 || $0 == 0x0D }) {
            flat = String(text.map { $0 == "\n" || $0 == "\t" || $0 == "\r" || $0 == "\r\n" ? " " : $0 })
        }
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
    static func escape(_ text: String) -> String {
        var out = ""
        for ch in text {
            switch ch {
            case "\n", "\r", "\t": out.append(" ")
            case "|", "\\", "*", "_", "`", "[", "]", "<", ">", "#": out.append("\\"); out.append(ch)
            default: out.append(ch)
            }
        }
        return out
    }
}
