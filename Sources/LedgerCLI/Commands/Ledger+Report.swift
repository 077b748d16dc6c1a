import ArgumentParser
import Foundation
import LedgerCore

extension Ledger {
    /// `ledger report`: switches per model, per actor and per outcome over a period, or what was live at a moment.
    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "report",
            abstract: "Answer reviewers' questions from the ledger: who switched which model, when, why, with what outcome.",
            discussion: """
                Read-only. A switch is a switch.requested entry with the first
                switch.completed or switch.resolved entry that refers to it (ref_seq); with
                neither it is unresolved.

                Sections: the verification result (a tampered ledger is announced at the
                top); switches per model and per actor (succeeded / rejected / failed /
                unresolved); failures grouped by the recorded error (code and message);
                unresolved switches; the newest --limit switches; key rotations and
                checkpoints in the period.

                Filters (combined with AND): --since/--until on the request's recorded_at
                (for key rotations and checkpoints, their own), --model, --actor (who
                requested), --outcome, --kind (switch.requested: every switch;
                switch.completed / switch.resolved: switches closed by that kind;
                key.rotated or checkpoint: only that section).

                --as-of TIME answers "which retrain job was live for each model at TIME":
                the job of the most recently requested switch whose success
                (switch.completed or switch.resolved with outcome succeeded) was recorded at
                or before TIME. Rejected, failed and unresolved switches never change what
                is live; a switch whose outcome was recorded only after TIME is listed as
                pending. Combine only with --model.

                The whole ledger is verified first (with --key-file) unless --no-verify;
                without a usable key file the report says NOT VERIFIED. Formats: table,
                json, csv, markdown, html (one self-contained file: inline CSS and SVG,
                nothing fetched).

                JSON and CSV open with the tamper banner too: a first member "banner"
                (a string when the ledger is TAMPERED, else null) and a first line
                "# LEDGER TAMPERED: …" (docs/reports.md).

                Exit status: 0 report written, 2 written but the ledger is TAMPERED, 64
                usage, 74 the database cannot be read, 78 written (NOT VERIFIED) but the
                key file holds none of the ledger's keys (the wrong key file).

                Examples:
                  ledger report --since 2026-11-01 --until 2026-11-30
                  ledger report --model churn --outcome rejected --format csv > churn.csv
                  ledger report --since 2026-11-01 --format html --out november.html
                  ledger report --as-of 2026-11-15T09:30:00Z
                  ledger report --model churn --no-verify --format json
                """)

        @OptionGroup var period: PeriodOptions
        @Option(help: ArgumentHelp("Only switches of this model.", valueName: "name")) var model: String?
        @Option(help: ArgumentHelp("Only switches requested by this actor (and rotations/checkpoints written by them).", valueName: "name"))
        var actor: String?
        @Option(help: "Only switches with this outcome: succeeded, rejected, failed or unresolved.") var outcome: SwitchOutcomeArgument?
        @Option(
            help: ArgumentHelp(
                "Only what entries of this kind record: switch.requested, switch.completed, switch.resolved, key.rotated or checkpoint.",
                valueName: "kind"))
        var kind: String?
        @Option(
            name: .customLong("as-of"),
            help: ArgumentHelp("Show which retrain job was live for each model at this time (RFC 3339 or a date: its midnight UTC).", valueName: "time"))
        var asOf: String?
        @Option(help: "List the newest N switches in full (0 = all); the counts always cover every switch.") var limit: Int = 100
        @OptionGroup var output: ReportOutputOptions
        @OptionGroup var options: LedgerOptions
        @OptionGroup var remote: RemoteOptions
        @OptionGroup var ca: RemoteCAFileOption

        func validate() throws {
            if limit < 0 { throw ValidationError("--limit must be 0 (all) or more") }
            if let kind, !ReportFilter.kinds.contains(where: { $0.kind.rawValue == kind }) {
                throw ValidationError(
                    "--kind \(DisplayText.terminal(kind)) is not reported on; use one of: \(ReportFilter.kinds.map(\.kind.rawValue).joined(separator: ", ")) (`ledger log --kind` lists entries of any kind)"
                )
            }
            if let asOf {
                guard ReportTime.instant(asOf) != nil else { throw ValidationError(PeriodOptions.badTime("--as-of", asOf)) }
                if period.since != nil || period.until != nil || actor != nil || outcome != nil || kind != nil {
                    throw ValidationError("--as-of answers for one moment: combine it only with --model (not --since, --until, --actor, --outcome or --kind)")
                }
            }
            if let model { try validateName(model, flag: "--model") }
            if let actor { try validateName(actor, flag: "--actor") }
        }

        func run() async throws {
            // --actor filters the report here (it names no writer): remote mode passes it on.
            let query =
                RemoteRun.reportQuery(output, period)
                + RemoteRun.query([
                    ("model", model), ("actor", actor), ("outcome", outcome?.value.rawValue), ("kind", kind), ("as_of", asOf), ("limit", String(limit)),
                ])
            let remoteHandled = try await RemoteRun.ifRemote(remote, caFile: ca.caFile, localOnly: RemoteRun.localOnly(options)) { client in
                try await RemoteRun.report(client, "/v1/report", query: query, out: output.out, what: "report")
            }
            if remoteHandled { return }
            try await runReportingErrors { try ReportOutput.run(request, options: options, out: output.out) }
        }
    }
}

/// `--outcome` values of `report`.
struct SwitchOutcomeArgument: ExpressibleByArgument {
    let value: SwitchOutcome
    init?(argument: String) {
        guard let value = SwitchOutcome(rawValue: argument) else { return nil }
        self.value = value
    }
    static var allValueStrings: [String] { SwitchOutcome.allCases.map(\.rawValue) }
}
