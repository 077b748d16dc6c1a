import ArgumentParser
import EPAClient
import Foundation
import LedgerCore
import LedgerWorkflows

extension Ledger {
    /// `ledger switch`: the audited way to call the Retrain Model Switch API.
    struct Switch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "switch",
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

                Approvals (docs/policy.md): when the policy in force (--policy, LEDGER_POLICY,
                else the one recorded in the ledger) requires approvals, the switch runs only for
                an approved proposal: --proposal ID, or the one open proposal for this model and
                job. The rules are checked before anything is written or sent, and again under the
                ledger's write lock: enough distinct approvers, none of them the requester (unless
                allowed), none expired, not declined, proposal not already used. Otherwise exit 7
                with what is missing; nothing is written or sent. --emergency (only where the
                policy allows it) switches without approval and opens a required review
                (`ledger review SEQ`). Without any policy nothing changes.

                The API key comes from --api-key-file (mode 0600), EPA_API_KEY or the config
                file's [models.NAME] api_key_file (docs/config.md); only its id (first 16 hex
                digits of its SHA-256) is recorded.

                Exit status: 0 switched, 3 rejected by the service, 4 service failed or
                unreachable, 5 pre-flight refused, 6 the ledger does not verify, 7 refused by the
                approval policy, 64 usage, 74 ledger error, 78 configuration, key or policy error.

                Examples:
                  ledger switch churn-2026-11-a --model churn --reason "CHG-1234 weekly retrain" \\
                      --api-key-file ~/.config/model-ledger/churn.apikey
                  ledger switch --proposal 42 --api-key-file ~/.config/model-ledger/churn.apikey
                  ledger switch churn-2026-11-b --model churn --emergency --reason "INC-88 hotfix"
                """)

        @Argument(help: ArgumentHelp("The retrain job to switch the model to (issued by the upload step); omit with --proposal.", valueName: "retrain-job-id"))
        var retrainJobID: String?

        @Option(help: ArgumentHelp("Your name for the model (as used in reports), e.g. churn (omit with --proposal).", valueName: "name"))
        var model: String?

        @Option(
            help: ArgumentHelp("Why: the justification or change-ticket reference, e.g. CHG-1234 (with --proposal: default the proposal's).", valueName: "text")
        )
        var reason: String?

        @Option(help: ArgumentHelp("The approved proposal to switch (the seq of switch.proposed).", valueName: "seq"))
        var proposal: Int64?

        @Flag(help: "Emergency switch without approval, where the policy allows it (emergency_allowed); opens a required review.")
        var emergency = false

        @OptionGroup var who: ActorOptions
        @OptionGroup var policy: PolicyOptions
        @OptionGroup var service: ServiceOptions
        @OptionGroup var statusWords: JobStatusOptions
        @OptionGroup var options: LedgerOptions
        @OptionGroup var remote: RemoteOptions

        @Flag(name: .customLong("skip-preflight"), help: "Do not check the job's status first (the switch is still recorded).")
        var skipPreflight = false

        @Option(help: "Output format: text or json.") var format: TextOrJSON = .text

        func validate() throws {
            if let retrainJobID { try validateJobID(retrainJobID) }
            if let model { try validateName(model, flag: "--model") }
            if let reason, reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw ValidationError("--reason must not be empty") }
            if let proposal, proposal <= 0 { throw ValidationError("--proposal must be a positive integer") }
            if proposal == nil {
                guard retrainJobID != nil else { throw ValidationError("Missing expected argument '<retrain-job-id>' (or --proposal ID)") }
                guard model != nil else { throw ValidationError("Missing expected argument '--model <name>'") }
                guard reason != nil else { throw ValidationError("Missing expected argument '--reason <text>'") }
            }
            if emergency && proposal != nil { throw ValidationError("--emergency and --proposal cannot be combined") }
            if emergency && reason == nil { throw ValidationError("--emergency needs --reason") }
        }

        /// The flags remote mode refuses (the service holds the keys and records the authenticated user).
        private var remoteRefused: [(flag: String, given: Bool)] {
            RemoteRun.localOnly(options) + [
                ("--actor", who.actor != nil), ("--policy", policy.policyFile != nil), ("--api-key-file", service.apiKeyFile != nil),
                ("--base-url", service.baseURL != nil), ("--finished-status", !statusWords.finishedStatus.isEmpty),
                ("--failed-status", !statusWords.failedStatus.isEmpty),
            ]
        }

        /// `POST /v1/switches`: what was given (the service takes the rest from the proposal).
        private var remoteBody: JSONValue {
            var body: [String: JSONValue] = [:]
            if let retrainJobID { body["retrain_job_id"] = .string(retrainJobID) }
            if let model { body["model"] = .string(model) }
            if let reason { body["reason"] = .string(reason) }
            if let proposal { body["proposal"] = .integer(proposal) }
            if emergency { body["emergency"] = .bool(true) }
            if skipPreflight { body["skip_preflight"] = .bool(true) }
            return .object(body)
        }

        /// Model, job and reason: from the command line, or from the proposal (which must agree with what was given).
        private func target(_ store: LedgerStore) throws -> (model: String, job: String, reason: String) {
            guard let proposal else {
                // validate() guarantees all three without --proposal.
                return (model ?? "", retrainJobID ?? "", reason ?? "")
            }
            let entry = try ApprovalLedger.proposal(seq: proposal, in: store)
            let proposedModel = entry.model ?? "", proposedJob = entry.retrainJobID ?? ""
            if let model, model != proposedModel {
                throw CLIError(message: "proposal \(proposal) is for model \(proposedModel), not \(model)", exitCode: .usage)
            }
            if let retrainJobID, retrainJobID != proposedJob {
                throw CLIError(message: "proposal \(proposal) is for job \(proposedJob), not \(retrainJobID)", exitCode: .usage)
            }
            return (proposedModel, proposedJob, reason ?? entry.reason ?? "proposal \(proposal)")
        }

        func run() async throws {
            try await runReportingErrors {
                if let client = try remote.client(caFile: service.caFile, localOnly: remoteRefused) {
                    try await RemoteSwitch.run(client, body: remoteBody) { SwitchOutput.print(document: $0, format: format) }
                    return
                }
                let loaded = try policy.load()
                // The key is checked before the ledger is opened, except for a --proposal without --model,
                // whose model (and so its [models.NAME] table in the config file) is known only from the ledger.
                let earlyKey = try proposal == nil || model != nil ? service.apiKey(model: model) : nil
                let session = try options.openForWriting()
                let (model, retrainJobID, reason) = try target(session.store)
                let apiKey = try earlyKey ?? service.apiKey(model: model)
                let (result, words) = try await service.withClient(model: model) { client in
                    let words: JobStatusWords? = try skipPreflight ? nil : statusWords.words()
                    var request = SwitchRequest(
                        model: model, retrainJobID: retrainJobID, reason: reason,
                        provenance: who.provenance, preflightWords: words, callTimeout: service.timeout)
                    request.proposalSeq = proposal
                    request.emergency = emergency
                    request.policy = loaded
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
