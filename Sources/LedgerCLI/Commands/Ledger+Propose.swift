import ArgumentParser
import Foundation
import LedgerCore
import LedgerWorkflows

extension Ledger {
    /// `ledger propose JOB --model M --reason R`: records a proposed switch for others to approve.
    struct Propose: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "propose",
            abstract: "Propose a switch for approval (records switch.proposed; its seq is the proposal id).",
            discussion: """
                Nothing is sent to the service. When the approval policy (--policy, LEDGER_POLICY, or the
                policy recorded in the ledger; docs/policy.md) requires approvals, the switch runs
                only once enough distinct approvers other than you have approved the proposal.

                Exit status: 0 recorded, 6 the ledger does not verify, 64 usage, 74 ledger error,
                78 key or policy file error.

                Example:
                  ledger propose churn-2026-11-a --model churn --reason "CHG-1234 weekly retrain"
                  ledger approve 42 --reason "reviewed CHG-1234" --actor carol
                  ledger switch --proposal 42 --api-key-file ~/.config/model-ledger/churn.apikey
                """)

        @Argument(help: ArgumentHelp("The retrain job to switch the model to.", valueName: "retrain-job-id"))
        var retrainJobID: String
        @OptionGroup var modelReason: ModelReasonOptions
        @OptionGroup var who: ActorOptions
        @OptionGroup var policy: PolicyOptions
        @OptionGroup var options: LedgerOptions
        @OptionGroup var remote: RemoteOptions
        @OptionGroup var ca: RemoteCAFileOption
        @Option(help: "Output format: text or json.") var format: TextOrJSON = .text

        func validate() throws { try validateJobID(retrainJobID) }

        func run() async throws {
            let body = JSONValue.object([
                "model": .string(modelReason.model), "retrain_job_id": .string(retrainJobID), "reason": .string(modelReason.reason),
            ])
            let refused = RemoteRun.localOnly(options) + [("--actor", who.actor != nil), ("--policy", policy.policyFile != nil)]
            let remoteHandled = try await RemoteRun.ifRemote(remote, caFile: ca.caFile, localOnly: refused) { client in
                try await RemoteRun.document(client, .post, "/v1/proposals", json: body) { document in
                    ApprovalOutput.print(document: document, verb: "proposed", format: format)
                }
            }
            if remoteHandled { return }
            try await runReportingErrors {
                let loaded = try policy.load()
                let session = try options.openForWriting()
                let result = try ProposeService(session: session).run(
                    ProposeRequest(
                        model: modelReason.model, retrainJobID: retrainJobID, reason: modelReason.reason, provenance: who.provenance,
                        policy: loaded))
                ApprovalOutput.print(result, verb: "proposed", format: format)
            }
        }
    }
}
