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

/// Runs the verification a report shows at its top: ``ReportRendering/verify(store:keys:skip:progress:)``
/// with the key file in force and progress on stderr.
enum ReportVerificationStep {
    /// Verifies the whole ledger with the key file in force, unless `skip`. A missing, unreadable,
    /// malformed or loosely-permissioned key file is not an error here: the report says "not verified" and why.
    /// A valid key file that holds none of the ledger's keys (the wrong one) is not tampering either:
    /// the report says "not verified" with the "wrong key file" diagnosis, which is also returned so
    /// that the command exits 78 after writing the report.
    static func run(options: LedgerOptions, store: LedgerStore, skip: Bool) throws
        -> (verification: ReportVerification, wrongKeyFile: CLIError?)
    {
        let answer = try ReportRendering.verify(
            store: store, keys: { try options.loadKeys() }, skip: skip, progress: { n in Console.progress("verifying… \(n.formatted()) entries") })
        Console.endProgress()
        return answer
    }

    /// After the answer was written: exit 2 for a tampered ledger, 78 for the wrong key file.
    static func finish(_ verification: ReportVerification, wrongKeyFile: CLIError?, what: String) throws {
        if let wrongKeyFile {
            Console.error(wrongKeyFile.message + " The \(what) was written, marked NOT VERIFIED.")
            throw ExitCode(LedgerExitCode.configError.rawValue)
        }
        if verification.isTampered {
            Console.error(
                "the ledger does not verify: the \(what) was written, but \(what == "report" ? "its figures" : "it") cannot be trusted. Run `ledger verify`.")
            throw ExitCode(LedgerExitCode.tampered.rawValue)
        }
    }

    /// A note on stderr when the ledger predates the report indexes.
    static func noteMissingIndexes(_ reporter: Reporter) {
        if (try? reporter.hasReportIndexes()) == false {
            Console.note(
                "note: this ledger predates the report indexes (migration 0003_report_indexes); the answer is complete but slower. The next write command (e.g. `ledger switch`) adds them."
            )
        }
    }
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
