import ArgumentParser
import Foundation
import LedgerCore

/// `--format`, `--out` and `--no-verify`, shared by `report` and `history`.
struct ReportOutputOptions: ParsableArguments {
    @Option(help: "Output format: table, json, csv, markdown or html (one self-contained file).")
    var format: ReportFormat = .table

    @Option(help: ArgumentHelp("Write to this file instead of standard output (replaced if it exists).", valueName: "path"))
    var out: String?

    @Flag(
        name: .customLong("no-verify"),
        help: "Do not verify the ledger first (faster on big ledgers; the report then says NOT VERIFIED).")
    var noVerify = false

    func validate() throws {
        if out?.isEmpty == true { throw ValidationError("--out must not be empty") }
    }
}

/// `--since` and `--until`.
struct PeriodOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Only what was recorded at or after this time: RFC 3339 (2026-11-01T09:00:00Z, any offset) or a date (its midnight UTC).",
            valueName: "time"))
    var since: String?

    @Option(
        help: ArgumentHelp(
            "Only what was recorded at or before this time: RFC 3339, or a date (that whole day, to 23:59:59.999Z).",
            valueName: "time"))
    var until: String?

    func validate() throws {
        let (since, until) = try bounds()
        if let since, let until, since > until {
            throw ValidationError("--since \(DisplayText.terminal(since)) is after --until \(DisplayText.terminal(until))")
        }
    }

    /// The bounds in the ledger's normal form.
    func bounds() throws -> (since: String?, until: String?) {
        var lower: String?, upper: String?
        if let since {
            guard let value = ReportTime.instant(since) else { throw ValidationError(Self.badTime("--since", since)) }
            lower = value
        }
        if let until {
            guard let value = ReportTime.upperBound(until) else { throw ValidationError(Self.badTime("--until", until)) }
            upper = value
        }
        return (lower, upper)
    }

    static func badTime(_ flag: String, _ text: String) -> String { ReportRequest.badTime(flag, text) }
}

extension Ledger.Report {
    /// What the flags ask, as plain values (``ReportOutput/run(_:options:out:)``, or the service's query).
    var request: ReportRequest {
        ReportRequest(
            command: .report, format: output.format, since: period.since, until: period.until, model: model, actor: actor,
            outcome: outcome?.value, kind: kind, asOf: asOf, limit: limit, verify: !output.noVerify)
    }
}

extension Ledger.History {
    /// What the flags ask, as plain values (``ReportOutput/run(_:options:out:)``, or the service's query).
    var request: ReportRequest {
        ReportRequest(command: .history, format: output.format, since: period.since, until: period.until, model: model, verify: !output.noVerify)
    }
}
