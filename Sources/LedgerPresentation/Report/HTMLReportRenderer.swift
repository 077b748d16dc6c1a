import Foundation
import LedgerCore

/// `--format html`: one self-contained file to attach to an audit. Inline CSS and inline SVG only: no
/// scripts, fonts, images or links to fetch. So that no scanner or browser can find a URL to follow, the
/// file never contains the text "http" at all: where the ledger's own text holds it (a request URL in an
/// error message, a ticket link in a reason), its "t" is written as the character reference `&#116;`,
/// which displays the same.
enum HTMLReportRenderer {
    static func render(_ document: ReportDocument) -> String {
        var html = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="generator" content="model-ledger \(escape(LedgerVersion.current))">
            <title>\(escape(document.title))</title>
            <style>\(css)</style>
            </head>
            <body>
            <main>
            <header><h1>\(escape(document.title))</h1><p class="subtitle">\(escape(document.subtitle))</p></header>

            """
        for alert in document.alerts {
            let level =
                switch alert.level {
                case .danger: "danger"
                case .warning: "warning"
                case .info: "info"
                }
            html += "<div class=\"alert \(level)\" role=\"alert\"><p class=\"alert-title\">\(escape(alert.title))</p>"
            html += alert.lines.map { "<p>\(escape($0))</p>" }.joined()
            html += "</div>\n"
        }
        html += "<section id=\"summary\"><h2>Summary</h2>\(facts(document.summary))</section>\n"
        if let timeline = document.timeline {
            html += "<section id=\"timeline\"><h2>Timeline</h2><figure>\(TimelineSVG.render(timeline))"
            html += "<figcaption>\(escape(timeline.caption))</figcaption></figure></section>\n"
        }
        for section in document.sections {
            html += "<section id=\"\(escape(section.id))\"><h2>\(escape(section.title))</h2>"
            if let note = section.note { html += "<p class=\"note\">\(escape(note))</p>" }
            if let table = section.table {
                html += table.rows.isEmpty ? "<p class=\"empty\">\(escape(section.emptyText))</p>" : render(table)
            }
            if !section.facts.isEmpty { html += facts(section.facts) }
            html += "</section>\n"
        }
        html += """
            <footer>Written by <code>ledger</code> \(escape(LedgerVersion.current)) (model-ledger). Check this file's figures against the ledger with <code>ledger verify</code>.</footer>
            </main>
            </body>
            </html>

            """
        return html
    }

    static func facts(_ facts: [(label: String, value: String)]) -> String {
        "<dl class=\"facts\">"
            + facts.map { fact in
                let isCode = ["ledger_id", "Head mac", "Database", "Keys"].contains(fact.label)
                let value = isCode ? "<code>\(escape(fact.value))</code>" : escape(fact.value)
                return "<dt>\(escape(fact.label))</dt><dd>\(value)</dd>"
            }.joined() + "</dl>"
    }

    static func render(_ table: ReportDocument.Table) -> String {
        var html = "<div class=\"scroll\"><table\(table.compact ? " class=\"compact\"" : "")><thead><tr>"
        for (i, column) in table.columns.enumerated() {
            html += "<th scope=\"col\"\(table.numeric.contains(i) ? " class=\"num\"" : "")>\(escape(column.lowercased()))</th>"
        }
        html += "</tr></thead><tbody>"
        for row in table.rows {
            html += table.compact && row.first == "all" ? "<tr class=\"total\">" : "<tr>"
            for (i, value) in row.enumerated() {
                let isOutcome = i < table.columns.count && table.columns[i] == "OUTCOME"
                var classes: [String] = []
                if table.numeric.contains(i) { classes.append("num") }
                if i < table.columns.count, !wrappingColumns.contains(table.columns[i]) { classes.append("nowrap") }
                if isOutcome, let outcome = SwitchOutcome(rawValue: value) {
                    classes.append("outcome \(outcome.rawValue)")
                }
                if value == "live now" { classes.append("live") }
                let attribute = classes.isEmpty ? "" : " class=\"\(classes.joined(separator: " "))\""
                let text = (isOutcome ? outcomeSymbol(value) : "") + escape(value)
                html += "<td\(attribute)>\(text)</td>"
            }
            html += "</tr>"
        }
        return html + "</tbody></table></div>"
    }

    /// Columns of free text, which may wrap; the others (times, ids, names) stay on one line.
    static let wrappingColumns: Set<String> = [
        "REASON", "DETAIL", "DETAILS", "ERROR MESSAGE", "NOTE", "MODELS", "OUTCOME RECORDED LATER",
        "APPROVAL", "APPROVED BY", "APPROVALS", "MISSING", "STILL MISSING",
    ]

    /// A text symbol before an outcome, so that outcomes differ without colour in tables too.
    static func outcomeSymbol(_ outcome: String) -> String {
        switch SwitchOutcome(rawValue: outcome) {
        case .succeeded?: "● "
        case .rejected?: "✕ "
        case .failed?: "▲ "
        case .unresolved?: "□ "
        case nil: ""
        }
    }

    /// Escapes text for HTML element content and attribute values, and writes every "http" (any case)
    /// with its "t" as `&#116;` so that the file holds no URL.
    ///
    /// Control characters, bidi controls and zero-width characters are first shown as visible
    /// escapes by ``DisplayText/terminal(_:)`` (the same notation as the terminal), so the file
    /// holds no raw control byte; then `& < > " '` become entities. Works on Unicode scalars:
    /// a `"` or `<` followed by a combining mark is one `Character` that a `Character`
    /// comparison would not escape.
    static func escape(_ text: String) -> String {
        let shown = DisplayText.terminal(text)
        var out = String()
        out.reserveCapacity(shown.utf8.count)
        for scalar in shown.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return neutralizeHTTP(out)
    }

    static func neutralizeHTTP(_ text: String) -> String {
        guard mayContainHTTP(text) else { return text }
        var out = ""
        var rest = Substring(text)
        while let range = rest.range(of: "http", options: .caseInsensitive) {
            let match = rest[range]
            out += rest[..<range.lowerBound]
            out += String(match.prefix(1)) + "&#\(match.dropFirst().first?.asciiValue ?? 116);" + String(match.dropFirst(2))
            rest = rest[range.upperBound...]
        }
        return out + rest
    }

    /// A fast pre-check: true when the text has an "h" or "H" followed by a "t" or "T".
    static func mayContainHTTP(_ text: String) -> Bool {
        var previousWasH = false
        for byte in text.utf8 {
            if previousWasH && (byte == 0x74 || byte == 0x54) { return true }
            previousWasH = byte == 0x68 || byte == 0x48
        }
        return false
    }

    static let css = """
        :root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--bg:#fff;--panel:#f6f8fa;--ok:#1a7f37;--rej:#b35900;--fail:#cf222e;--unres:#57606a}
        *{box-sizing:border-box}
        body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
        main{max-width:1180px;margin:0 auto;padding:24px 28px 40px}
        h1{font-size:26px;margin:0 0 4px}
        h2{font-size:18px;margin:28px 0 8px;padding-bottom:4px;border-bottom:1px solid var(--line)}
        .subtitle,.note,figcaption,footer{color:var(--muted)}
        .subtitle{margin:0}
        .note{margin:0 0 8px}
        code{font:12.5px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;word-break:break-all}
        .alert{border:2px solid;border-radius:6px;padding:10px 16px;margin:16px 0}
        .alert p{margin:4px 0}
        .alert-title{font-weight:700;font-size:16px}
        .alert.danger{border-color:var(--fail);background:#ffebe9;color:#82071e}
        .alert.danger .alert-title{font-size:22px;letter-spacing:.02em}
        .alert.warning{border-color:#bf8700;background:#fff8c5}
        .alert.info{border-color:var(--line);background:var(--panel)}
        dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 18px;margin:0;background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:10px 14px}
        dl.facts dt{font-weight:600;color:var(--muted)}
        dl.facts dd{margin:0;overflow-wrap:anywhere}
        .scroll{overflow-x:auto}
        table{border-collapse:collapse;width:100%;font-size:13px}
        th,td{border-bottom:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top}
        th{background:var(--panel);font-weight:600;text-transform:uppercase;font-size:11.5px;letter-spacing:.03em;white-space:nowrap}
        td{overflow-wrap:break-word}
        td.nowrap{white-space:nowrap}
        td:not(.nowrap):not(.num){min-width:16ch}
        table.compact{width:auto;min-width:560px}
        tr.total td{font-weight:700;border-top:2px solid var(--line)}
        .num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
        td.outcome{white-space:nowrap;font-weight:600}
        td.succeeded{color:var(--ok)} td.rejected{color:var(--rej)} td.failed{color:var(--fail)} td.unresolved{color:var(--unres)}
        td.live{font-weight:700;color:var(--ok);white-space:nowrap}
        .empty{color:var(--muted);font-style:italic}
        figure{margin:0}
        svg.timeline{width:100%;height:auto;border:1px solid var(--line);border-radius:6px;background:#fff}
        svg .lane-label{font-size:13px;font-weight:600;fill:var(--fg)}
        svg .axis{font-size:11px;fill:var(--muted)}
        svg .grid{stroke:#eaeef2;stroke-width:1}
        svg .lane{fill:#fafbfc;stroke:#eaeef2}
        svg .ok{fill:var(--ok)}
        svg .rej{stroke:var(--rej);stroke-width:2.6;fill:none;stroke-linecap:round}
        svg .fail{fill:var(--fail)}
        svg .unres{fill:#fff;stroke:var(--unres);stroke-width:2}
        svg .legend{font-size:12px;fill:var(--fg)}
        svg .count{font-size:9px;fill:var(--muted)}
        footer{margin-top:32px;font-size:12px}
        @media print{main{max-width:none;padding:0}.alert{break-inside:avoid}section{break-inside:avoid-page}}
        """
}

/// The SVG timeline: one lane per model, one row per outcome inside each lane, and a distinct marker
/// shape per outcome (● succeeded, ✕ rejected, ▲ failed, □ unresolved) so that outcomes differ without
/// colour. Markers closer than a few pixels are merged into one, with a count and a tooltip.
enum TimelineSVG {
    static let width = 1100.0
    static let left = 150.0
    static let right = 24.0
    static let top = 54.0
    static let rowHeight = 17.0
    static let lanePadding = 6.0
    static let axisHeight = 34.0
    static let bucketPixels = 5.0

    static let rows: [SwitchOutcome] = [.succeeded, .rejected, .failed, .unresolved]

    static func render(_ timeline: ReportDocument.Timeline) -> String {
        let lanes = timeline.lanes.isEmpty ? [""] : timeline.lanes
        let laneHeight = Double(rows.count) * rowHeight + 2 * lanePadding
        let height = top + Double(lanes.count) * laneHeight + axisHeight - 10
        let plotLeft = left + 10, plotRight = width - right - 10
        let span = Double(max(1, timeline.end - timeline.start))
        func x(_ ms: Int64) -> Double { plotLeft + (Double(ms - timeline.start) / span) * (plotRight - plotLeft) }

        var svg =
            "<svg class=\"timeline\" role=\"img\" aria-labelledby=\"timeline-title\" viewBox=\"0 0 \(f(width)) \(f(height))\" width=\"\(f(width))\" height=\"\(f(height))\">"
        svg +=
            "<title id=\"timeline-title\">Switches per model over time: succeeded (filled circle), rejected (cross), failed (filled triangle), unresolved (hollow square)</title>"
        // Legend.
        var lx = left
        for outcome in rows {
            svg += marker(outcome, x: lx + 6, y: 22)
            svg += "<text class=\"legend\" x=\"\(f(lx + 18))\" y=\"26\">\(outcome.rawValue)</text>"
            lx += 130
        }
        // Grid and axis labels.
        let ticks = tickTimes(start: timeline.start, end: timeline.end, count: 6)
        let axisY = top + Double(lanes.count) * laneHeight
        for tick in ticks {
            let tx = x(tick)
            svg += "<line class=\"grid\" x1=\"\(f(tx))\" y1=\"\(f(top))\" x2=\"\(f(tx))\" y2=\"\(f(axisY))\"/>"
            let anchor = tick == ticks.last && ticks.count > 1 ? "end" : "middle"
            svg +=
                "<text class=\"axis\" x=\"\(f(tx))\" y=\"\(f(axisY + 16))\" text-anchor=\"\(anchor)\">\(HTMLReportRenderer.escape(label(tick, span: timeline.end - timeline.start)))</text>"
        }
        // Group the points once: per lane and outcome, merge those closer than a few pixels.
        struct Bucket { var count: Int; var first: TimelinePoint; var last: TimelinePoint }
        var laneIndex: [String: Int] = [:]
        for (i, lane) in lanes.enumerated() { laneIndex[lane] = i }
        var buckets = Array(repeating: Array(repeating: [Int: Bucket](), count: rows.count), count: lanes.count)
        for point in timeline.points {
            guard let lane = laneIndex[point.model], let row = rows.firstIndex(of: point.outcome) else { continue }
            let key = Int((x(point.epochMilliseconds) - plotLeft) / bucketPixels)
            if var bucket = buckets[lane][row][key] {
                bucket.count += 1
                if point.epochMilliseconds < bucket.first.epochMilliseconds { bucket.first = point }
                if point.epochMilliseconds >= bucket.last.epochMilliseconds { bucket.last = point }
                buckets[lane][row][key] = bucket
            } else {
                buckets[lane][row][key] = Bucket(count: 1, first: point, last: point)
            }
        }
        // Lanes.
        for (laneNumber, lane) in lanes.enumerated() {
            let laneTop = top + Double(laneNumber) * laneHeight
            svg +=
                "<rect class=\"lane\" x=\"\(f(left))\" y=\"\(f(laneTop + 2))\" width=\"\(f(width - right - left))\" height=\"\(f(laneHeight - 4))\" rx=\"4\"/>"
            svg +=
                "<text class=\"lane-label\" x=\"\(f(left - 10))\" y=\"\(f(laneTop + laneHeight / 2 + 4))\" text-anchor=\"end\">\(HTMLReportRenderer.escape(clip(lane)))</text>"
            for (rowIndex, outcome) in rows.enumerated() {
                let y = laneTop + lanePadding + (Double(rowIndex) + 0.5) * rowHeight
                let row = buckets[laneNumber][rowIndex]
                let keys = row.keys.sorted()
                for (n, key) in keys.enumerated() {
                    guard let bucket = row[key] else { continue }
                    let mx = plotLeft + (Double(key) + 0.5) * bucketPixels
                    let tip: String
                    if bucket.count == 1 {
                        tip =
                            "seq \(bucket.first.requestSeq): \(lane) \(outcome.rawValue), requested \(Timestamp.format(epochMilliseconds: bucket.first.epochMilliseconds))"
                    } else {
                        tip =
                            "\(bucket.count) \(outcome.rawValue) switches of \(lane), seq \(bucket.first.requestSeq)…\(bucket.last.requestSeq), \(Timestamp.format(epochMilliseconds: bucket.first.epochMilliseconds)) – \(Timestamp.format(epochMilliseconds: bucket.last.epochMilliseconds))"
                    }
                    svg += "<g><title>\(HTMLReportRenderer.escape(tip))</title>\(marker(outcome, x: mx, y: y))</g>"
                    // A count where there is room for it (no marker just to the right).
                    if bucket.count > 1, n + 1 == keys.count || keys[n + 1] - key > 5 {
                        svg += "<text class=\"count\" x=\"\(f(mx + 7))\" y=\"\(f(y - 4))\">\(bucket.count)</text>"
                    }
                }
            }
        }
        if timeline.points.isEmpty {
            svg +=
                "<text class=\"axis\" x=\"\(f((plotLeft + plotRight) / 2))\" y=\"\(f(top + laneHeight / 2))\" text-anchor=\"middle\">no switches in scope</text>"
        }
        return svg + "</svg>"
    }

    /// One marker: the shape alone tells the outcome.
    static func marker(_ outcome: SwitchOutcome, x: Double, y: Double) -> String {
        switch outcome {
        case .succeeded:
            return "<circle class=\"ok\" cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"5\"/>"
        case .rejected:
            return
                "<path class=\"rej\" d=\"M\(f(x - 4.5)) \(f(y - 4.5))L\(f(x + 4.5)) \(f(y + 4.5))M\(f(x - 4.5)) \(f(y + 4.5))L\(f(x + 4.5)) \(f(y - 4.5))\"/>"
        case .failed:
            return "<path class=\"fail\" d=\"M\(f(x)) \(f(y - 6))L\(f(x + 6)) \(f(y + 5))L\(f(x - 6)) \(f(y + 5))Z\"/>"
        case .unresolved:
            return "<rect class=\"unres\" x=\"\(f(x - 4.5))\" y=\"\(f(y - 4.5))\" width=\"9\" height=\"9\"/>"
        }
    }

    /// About `count` evenly spaced tick times across the period.
    static func tickTimes(start: Int64, end: Int64, count: Int) -> [Int64] {
        guard end > start, count > 1 else { return [start] }
        let step = (end - start) / Int64(count - 1)
        return (0..<count).map { start + Int64($0) * step }
    }

    /// A tick label precise enough for the span.
    static func label(_ ms: Int64, span: Int64) -> String {
        let text = Timestamp.format(epochMilliseconds: ms)  // 2026-11-29T03:20:55.123Z
        let date = String(text.prefix(10)), time = String(text.dropFirst(11).prefix(8))
        if span >= 3 * 86_400_000 { return date }
        if span >= 3 * 3_600_000 { return String(date.dropFirst(5)) + " " + String(time.prefix(5)) }
        return time
    }

    static func clip(_ text: String) -> String { text.count > 20 ? String(text.prefix(19)) + "…" : text }

    /// A coordinate with at most one decimal.
    static func f(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(format: "%.1f", rounded)
    }
}
