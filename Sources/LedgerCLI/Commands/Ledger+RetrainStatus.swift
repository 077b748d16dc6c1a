import ArgumentParser
import EPAClient
import Foundation
import LedgerCore
import LedgerWorkflows

extension Ledger.Retrain {
    /// `ledger retrain status JOB`: checks (and optionally waits for) a retrain job.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status",
            abstract: "Check a retrain job's status (recorded as job.checked); --wait polls until it ends.",
            discussion: """
                Records a job.checked entry with the status and model_id. With --wait,
                polls with backoff (from --interval, ×1.5 per check, at most 30 s
                apart), shows a progress line on a terminal, and records a job.checked
                whenever the status changes and at the end.

                Status words are compared ignoring case and surrounding spaces:
                "finished" (and any --finished-status / EPA_FINISHED_STATUSES word)
                ends the wait with success; "failed" (and any --failed-status /
                EPA_FAILED_STATUSES word) ends it with exit 5; "running" keeps
                waiting. Any other word is named on stderr, counts as not finished,
                and keeps --wait polling until --wait-timeout.

                Exit status: 0 checked (with --wait: the job finished), 3 rejected by
                the service, 4 service failed or unreachable, 5 (--wait) the job
                failed, or was still running or in an unknown status at
                --wait-timeout, 6 the ledger does not verify, 64 usage, 74 ledger
                error, 78 configuration or key error.

                Example:
                  ledger retrain status churn-2026-11-a --model churn --wait --wait-timeout 1800
                """)

        @Argument(help: ArgumentHelp("The retrain job.", valueName: "retrain-job-id")) var retrainJobID: String
        @Option(help: ArgumentHelp("Your name for the model.", valueName: "name")) var model: String
        @Flag(help: "Poll until the job reports a finished or failed word (running and unknown words keep polling).") var wait = false
        @Option(help: ArgumentHelp("Seconds before the second check (with --wait).", valueName: "seconds")) var interval: Double = 2
        @Option(name: .customLong("wait-timeout"), help: ArgumentHelp("Give up waiting after this many seconds.", valueName: "seconds"))
        var waitTimeout: Double = 3600
        @OptionGroup var who: ActorOptions
        @OptionGroup var service: ServiceOptions
        @OptionGroup var statusWords: JobStatusOptions
        @OptionGroup var options: LedgerOptions
        @OptionGroup var remote: RemoteOptions
        @Option(help: "Output format: text or json.") var format: TextOrJSON = .text

        func validate() throws {
            try validateJobID(retrainJobID)
            try validateName(model, flag: "--model")
            guard interval > 0, interval <= 600 else { throw ValidationError("--interval must be between 0 and 600 seconds") }
            guard waitTimeout > 0 else { throw ValidationError("--wait-timeout must be positive") }
        }

        func run() async throws {
            let refused =
                RemoteRun.localOnly(options) + [
                    ("--actor", who.actor != nil), ("--api-key-file", service.apiKeyFile != nil), ("--base-url", service.baseURL != nil),
                    ("--finished-status", !statusWords.finishedStatus.isEmpty), ("--failed-status", !statusWords.failedStatus.isEmpty),
                    ("--wait", wait),
                ]
            let remoteHandled = try await RemoteRun.ifRemote(remote, caFile: service.caFile, localOnly: refused) { client in
                try await RemoteRun.document(client, .get, "/v1/retrain-jobs/\(retrainJobID)/status", query: [("model", model)]) { document in
                    RetrainOutput.print(statusDocument: document, format: format)
                }
            }
            if remoteHandled { return }
            try await runReportingErrors {
                let apiKey = try service.apiKey(model: model)
                let session = try options.openForWriting()
                let result = try await service.withClient(model: model) { client in
                    let words = try statusWords.words()
                    let request = StatusRequest(
                        retrainJobID: retrainJobID, model: model, provenance: who.provenance, words: words, wait: wait,
                        interval: interval, waitTimeout: waitTimeout)
                    return try await StatusService(session: session, client: client, apiKey: apiKey).run(request) { event in
                        RetrainOutput.show(event, retrainJobID: retrainJobID, words: words)
                    }
                }
                Console.endProgress()
                RetrainOutput.print(result, retrainJobID: retrainJobID, model: model, format: format)
                let exit = RetrainOutput.exitCode(result)
                if exit != .ok { throw ExitCode(exit.rawValue) }
            }
        }
    }
}
