import ArgumentParser
import Foundation
import LedgerCore

extension Ledger {
    /// `ledger history --model NAME`: one model's switches, oldest first.
    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "history",
            abstract: "Show one model's full timeline of switches, with outcome, reason and who.",
            discussion: """
                Read-only. Every switch of the model (a switch.requested and the first
                switch.completed or switch.resolved that refers to it), oldest first: when
                it was requested, the retrain job, who asked and why, the outcome
                (succeeded, rejected, failed, or unresolved when no outcome was recorded),
                the recorded error, and for a switch resolved later who resolved it and how
                they found out. "live now" marks the switch whose job is live at the
                ledger's head (see `ledger report --help`, --as-of).

                The whole ledger is verified first unless --no-verify (a tampered ledger is
                announced at the top; in JSON by a first member "banner", in CSV by a first
                line "# LEDGER TAMPERED: …"). Formats: table, json, csv, markdown, html.

                Exit status: 0 written, 2 written but the ledger is TAMPERED, 64 usage, 74
                the database cannot be read, 78 written (NOT VERIFIED) but the key file
                holds none of the ledger's keys (the wrong key file).

                Examples:
                  ledger history --model churn
                  ledger history --model churn --since 2026-11-01 --format csv > churn.csv
                  ledger history --model churn --format html --out churn-history.html
                """)

        @Option(help: ArgumentHelp("The model (as recorded with --model by `ledger switch`).", valueName: "name"))
        var model: String
        @OptionGroup var period: PeriodOptions
        @OptionGroup var output: ReportOutputOptions
        @OptionGroup var options: LedgerOptions
        @OptionGroup var remote: RemoteOptions
        @OptionGroup var ca: RemoteCAFileOption

        func validate() throws {
            try validateName(model, flag: "--model")
        }

        func run() async throws {
            let query = RemoteRun.reportQuery(output, period) + [("model", model)]
            let remoteHandled = try await RemoteRun.ifRemote(remote, caFile: ca.caFile, localOnly: RemoteRun.localOnly(options)) { client in
                try await RemoteRun.report(client, "/v1/history", query: query, out: output.out, what: "history")
            }
            if remoteHandled { return }
            try await runReportingErrors { try ReportOutput.run(request, options: options, out: output.out) }
        }
    }
}
