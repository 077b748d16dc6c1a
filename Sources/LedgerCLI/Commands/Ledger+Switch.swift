import ArgumentParser
import EPAClient
import Foundation
import LedgerCore

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
                let (store, ring) = try options.openForWriting()
                var result = SwitchResult(model: modelReason.model, retrainJobID: retrainJobID)
                let exit = try await service.withClient { client in
                    try await perform(client: client, apiKey: apiKey, store: store, ring: ring, result: &result)
                }
                result.print(format: format)
                if exit != .ok { throw ExitCode(exit.rawValue) }
            }
        }

        /// Pre-flight, request, call, completion. Returns the exit code.
        private func perform(
            client: EPAClient, apiKey: String, store: LedgerStore, ring: KeyRing, result: inout SwitchResult
        ) async throws -> LedgerExitCode {
            let provenance = who.provenance
            let apiKeyID = EPAClient.apiKeyID(apiKey)
            var modelID: Int64?
            func draft(_ kind: String) -> EntryDraft {
                var draft = EntryDraft(kind: kind)
                draft.model = modelReason.model
                draft.retrainJobID = retrainJobID
                draft.reason = modelReason.reason
                draft.apiKeyID = apiKeyID
                draft.modelID = modelID
                return draft
            }

            if !skipPreflight {
                let words = try statusWords.words()
                let status = try await client.status(retrainJobID: retrainJobID, apiKey: apiKey)
                var checked = draft(EntryKind.jobChecked)
                checked.recordStatusCheck(status, cap: client.configuration.responseBodyCap, extra: ["purpose": "preflight"])
                modelID = checked.modelID
                let entry = try store.append(checked, keyRing: ring, provenance: provenance)
                result.preflightSeq = entry.seq
                result.preflightStatus = checked.details?["status"]?.stringValue
                guard status.succeeded, let response = status.response else {
                    result.outcome = "not attempted"
                    result.problem = "pre-flight status check \(status.outcome.rawValue): \(status.error?.localizedDescription ?? "no usable answer")"
                    return LedgerExitCode(failed: status.outcome)
                }
                let job = "retrain job \(retrainJobID) is \(JobStatusWords.quoted(response.status)), not \(words.finishedPhrase)"
                switch words.classify(response.status) {
                case .finished:
                    break
                case .running:
                    result.outcome = "not attempted"
                    result.problem = "\(job): nothing was switched. Wait with `ledger retrain status \(retrainJobID) --model \(modelReason.model) --wait`."
                    return .preflightRefused
                case .failed:
                    result.outcome = "not attempted"
                    result.problem = "\(job): the job failed, nothing was switched. Retrain with a fresh upload."
                    return .preflightRefused
                case .unknown(let word):
                    result.outcome = "not attempted"
                    result.problem = "\(job): nothing was switched. \(words.unknownWordHint(word))"
                    return .preflightRefused
                }
            }

            // The request is on disk before anything is sent.
            var requested = draft(EntryKind.switchRequested)
            requested.requestMethod = "PUT"
            requested.requestURL = "\(client.baseURL)/retrain_jobs/\(retrainJobID)/update_model"
            // Until when this process may still record the outcome: `ledger resolve` waits for it.
            // This process holds its in-flight lease (pid recorded) until the completion is on disk.
            let lease = try InFlightLock.acquire(databasePath: store.path)
            defer { lease.release() }
            var requestDetails: [String: JSONValue] = [
                "deadline_at": .string(SwitchResolution.deadline(callTimeout: service.timeout)),
                "writer_pid": .integer(Int64(getpid())),
            ]
            if let seq = result.preflightSeq { requestDetails["preflight_seq"] = .integer(seq) }
            requested.details = requestDetails
            let request = try store.append(requested, keyRing: ring, provenance: provenance)
            result.requestedSeq = request.seq

            let call = try await client.switchModel(retrainJobID: retrainJobID, apiKey: apiKey)
            var completed = draft(EntryKind.switchCompleted)
            completed.refSeq = request.seq
            completed.record(call)
            let completion: LedgerEntry
            do {
                completion = try store.append(completed, keyRing: ring, provenance: provenance)
            } catch {
                Console.error("the switch call ended (\(call.outcome.rawValue)) but its result could not be recorded; "
                    + "switch.requested seq \(request.seq) stays unresolved. Record what happened with `ledger resolve \(request.seq)`.")
                throw error
            }
            result.completedSeq = completion.seq
            result.outcome = call.outcome.rawValue
            result.httpStatus = call.httpStatus
            result.durationMs = call.durationMs
            result.errorCode = call.error?.code
            result.errorMessage = call.error?.serviceMessage
            if let error = call.error { result.problem = error.localizedDescription }
            return call.succeeded ? .ok : LedgerExitCode(failed: call.outcome)
        }
    }
}

/// What `ledger switch` prints.
struct SwitchResult {
    var model: String
    var retrainJobID: String
    var outcome = "not attempted"
    var preflightSeq: Int64?
    var preflightStatus: String?
    var requestedSeq: Int64?
    var completedSeq: Int64?
    var httpStatus: Int?
    var durationMs: Int64?
    var errorCode: String?
    var errorMessage: String?
    var problem: String?

    func print(format: TextOrJSON) {
        switch format {
        case .json:
            var object: [String: JSONValue] = [
                "model": .string(model), "retrain_job_id": .string(retrainJobID), "outcome": .string(outcome),
            ]
            object["preflight_seq"] = preflightSeq.map { .integer($0) } ?? .null
            object["preflight_status"] = preflightStatus.map { .string($0) } ?? .null
            object["requested_seq"] = requestedSeq.map { .integer($0) } ?? .null
            object["completed_seq"] = completedSeq.map { .integer($0) } ?? .null
            object["http_status"] = httpStatus.map { .integer(Int64($0)) } ?? .null
            object["duration_ms"] = durationMs.map { .integer($0) } ?? .null
            object["error_code"] = errorCode.map { .string($0) } ?? .null
            object["error_message"] = errorMessage.map { .string($0) } ?? .null
            object["explanation"] = problem.map { .string($0) } ?? .null
            Console.out(JSONValue.object(object).prettyPrinted())
        case .text:
            let seqs = [requestedSeq, completedSeq].compactMap { $0 }.map(String.init).joined(separator: "→")
            let where_ = seqs.isEmpty ? (preflightSeq.map { "ledger seq \($0)" } ?? "") : "ledger seq \(seqs)"
            let timing = durationMs.map { ", \($0) ms" } ?? ""
            let status = httpStatus.map { " (HTTP \($0))" } ?? ""
            // Model and job id come from the command line: shown escaped (Console.note escapes `problem`).
            let model = DisplayText.terminal(self.model), retrainJobID = DisplayText.terminal(self.retrainJobID)
            if outcome == "succeeded" {
                Console.out(Console.styled("switched", .green) + " \(model) → \(retrainJobID): succeeded\(status)\(timing); \(where_)")
            } else {
                Console.out(Console.styled("NOT switched", .red) + " \(model) → \(retrainJobID): \(outcome)\(status)\(timing); \(where_)")
                if let problem { Console.note("  \(problem)") }
            }
        }
    }
}
