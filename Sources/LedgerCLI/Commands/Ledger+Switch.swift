import ArgumentParser
import EPAClient
import Foundation
import LedgerCore
import LedgerWorkflows

extension Ledger {
    /// `ledger switch`: the audited way to call the Retrain Model Switch API.
    struct Switch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Switch a published model to a retrained one, recording every step in the ledger.",
            discussion: """
                The only sanctioned way to call PUT /retrain_jobs/{id}/update_model. In order:
                  1. checks the ledger: every entry written since this installation last
                     verified it (all of them the first time), the signing key, and the last
                     local checkpoint (a ledger that fails is never extended, exit 6);
                  2. pre-flight: GET the job's status, recorded as job.checked; unless it
                     is a finished word ("finished" in any letter case, or a word named
                     with --finished-status / EPA_FINISHED_STATUSES), stops without
                     calling the switch (exit 5); an unknown word is named and counts
                     as not finished;
                  3. records switch.requested, durably, BEFORE the call is sent;
                  4. calls the switch API (never retried automatically);
                  5. records switch.completed with the outcome, HTTP status, response body,
                     error, duration and the seq of the request.
                If the process dies between 3 and 5, `ledger log` and `ledger verify` show the
                switch as "unresolved — outcome unknown".

                The API key comes from --api-key-file (mode 0600) or EPA_API_KEY; only its id
                (first 16 hex digits of its SHA-256) is recorded.

                Exit status: 0 switched, 3 rejected by the service, 4 service failed or
                unreachable, 5 pre-flight refused, 6 the ledger does not verify, 64 usage,
                74 ledger error, 78 configuration or key error.

                Example:
                  ledger switch churn-2026-11-a --model churn --reason "CHG-1234 weekly retrain" \\
                      --api-key-file ~/.config/model-ledger/churn.apikey
                """)

        @Argument(help: ArgumentHelp("The retrain job to switch the model to (issued by the upload step).", valueName: "retrain-job-id"))
        var retrainJobID: String

        @OptionGroup var modelReason: ModelReasonOptions
        @OptionGroup var who: ActorOptions
        @OptionGroup var service: ServiceOptions
        @OptionGroup var statusWords: JobStatusOptions
        @OptionGroup var options: LedgerOptions

        @Flag(name: .customLong("skip-preflight"), help: "Do not check the job's status first (the switch is still recorded).")
        var skipPreflight = false

        @Option(help: "Output format: text or json.") var format: TextOrJSON = .text

        func validate() throws {
            try validateJobID(retrainJobID)
        }

        func run() async throws {
            try await runReportingErrors {
                let apiKey = try service.apiKey()
                let session = try options.openForWriting()
                let (result, words) = try await service.withClient { client in
                    let words: JobStatusWords? = try skipPreflight ? nil : statusWords.words()
                    let request = SwitchRequest(
                        model: modelReason.model, retrainJobID: retrainJobID, reason: modelReason.reason,
                        provenance: who.provenance, preflightWords: words, callTimeout: service.timeout)
                    do {
                        return (try await SwitchService(session: session, client: client, apiKey: apiKey).run(request), words)
                    } catch SwitchServiceError.completionNotRecorded(let seq, let outcome, let underlying) {
                        Console.error(SwitchOutput.completionNotRecorded(requestSeq: seq, outcome: outcome))
                        throw underlying
                    }
                }
                SwitchOutput.print(result, words: words, format: format)
                let exit = SwitchOutput.exitCode(result)
                if exit != .ok { throw ExitCode(exit.rawValue) }
            }
        }
    }
}
