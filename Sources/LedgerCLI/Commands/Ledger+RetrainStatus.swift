import ArgumentParser
import EPAClient
import Foundation
import LedgerCore

extension Ledger.Retrain {
    /// `ledger retrain status JOB`: checks (and optionally waits for) a retrain job.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
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
        @Option(help: "Output format: text or json.") var format: TextOrJSON = .text

        func validate() throws {
            try validateJobID(retrainJobID)
            try validateName(model, flag: "--model")
            guard interval > 0, interval <= 600 else { throw ValidationError("--interval must be between 0 and 600 seconds") }
            guard waitTimeout > 0 else { throw ValidationError("--wait-timeout must be positive") }
        }

        func run() async throws {
            try await runReportingErrors {
                let apiKey = try service.apiKey()
                let (store, ring) = try options.openForWriting()
                let exit = try await service.withClient { client in
                    try await poll(client: client, apiKey: apiKey, store: store, ring: ring)
                }
                if exit != .ok { throw ExitCode(exit.rawValue) }
            }
        }

        private func poll(client: EPAClient, apiKey: String, store: LedgerStore, ring: KeyRing) async throws -> LedgerExitCode {
            let words = try statusWords.words()
            let started = Date()
            var delay = interval
            var checks = 0
            var lastRecorded: String?
            var announced = Set<String>()
            while true {
                checks += 1
                let call = try await client.status(retrainJobID: retrainJobID, apiKey: apiKey)
                let status = call.response?.status
                let meaning = status.map(words.classify)
                // Running and unknown words keep --wait polling (an unknown word is never taken for an end).
                let stillGoing: Bool
                switch meaning {
                case .running?, .unknown?: stillGoing = call.succeeded
                default: stillGoing = false
                }
                let timedOut = Date().timeIntervalSince(started) + delay > waitTimeout
                let finalCheck = !wait || !stillGoing || timedOut
                if case .unknown(let word)? = meaning, announced.insert(word).inserted {
                    // Said once per word, on stderr whatever the output format.
                    Console.note(
                        "note: retrain job \(retrainJobID): status \(words.unknownWordHint(word))"
                            + (wait && !finalCheck ? " Still waiting, until --wait-timeout." : ""))
                }
                if finalCheck || status != lastRecorded {
                    var draft = EntryDraft(kind: EntryKind.jobChecked)
                    draft.model = model
                    draft.retrainJobID = retrainJobID
                    draft.apiKeyID = EPAClient.apiKeyID(apiKey)
                    var extra: [String: JSONValue] = ["checks": .integer(Int64(checks))]
                    if let download = call.response?.downloadURL { extra["download_url_present"] = .bool(!download.isEmpty) }
                    draft.recordStatusCheck(call, cap: client.configuration.responseBodyCap, extra: extra)
                    let entry = try store.append(draft, keyRing: ring, provenance: who.provenance)
                    lastRecorded = status
                    if finalCheck {
                        Console.endProgress()
                        report(call, seq: entry.seq, checks: checks, elapsed: Date().timeIntervalSince(started))
                        guard call.succeeded else { return LedgerExitCode(failed: call.outcome) }
                        if wait && meaning != .finished {
                            if stillGoing, let status {
                                Console.note("retrain job \(retrainJobID) is still \(JobStatusWords.quoted(status)) when --wait-timeout ran out.")
                            }
                            return .preflightRefused
                        }
                        return .ok
                    }
                }
                let shown = status.map { JobStatusWords.quoted($0) } ?? "?"
                let unknownNote = if case .unknown? = meaning { ", not a known status word; still waiting" } else { "" }
                Console.progress("waiting for \(retrainJobID): \(shown)\(unknownNote) (check \(checks), \(Int(Date().timeIntervalSince(started))) s)")
                try await Task.sleep(nanoseconds: UInt64(delay * 1_000_000_000))
                delay = min(delay * 1.5, 30)
            }
        }

        private func report(_ call: EPACall<StatusResponse>, seq: Int64, checks: Int, elapsed: Double) {
            switch format {
            case .json:
                var object: [String: JSONValue] = [
                    "retrain_job_id": .string(retrainJobID), "model": .string(model), "seq": .integer(seq),
                    "outcome": .string(call.outcome.rawValue), "checks": .integer(Int64(checks)),
                ]
                object["status"] = call.response.map { .string($0.status) } ?? .null
                object["model_id"] = call.response?.modelID.map { .integer($0) } ?? .null
                object["http_status"] = call.httpStatus.map { .integer(Int64($0)) } ?? .null
                object["error_message"] = call.error.map { .string($0.localizedDescription) } ?? .null
                Console.out(JSONValue.object(object).prettyPrinted())
            case .text:
                // The job id is the operator's, the status the service's: both shown escaped
                // (Console.note escapes the error message itself).
                let job = DisplayText.terminal(retrainJobID)
                if let response = call.response {
                    let modelID = response.modelID.map { ", model_id \($0)" } ?? ""
                    Console.out("\(job): \(DisplayText.terminal(response.status))\(modelID) after \(checks) check(s), \(Int(elapsed)) s; ledger seq \(seq)")
                } else {
                    Console.out(Console.styled("status check \(call.outcome.rawValue)", .red) + " for \(job); ledger seq \(seq)")
                    if let error = call.error { Console.note("  \(error.localizedDescription)") }
                }
            }
        }
    }
}
