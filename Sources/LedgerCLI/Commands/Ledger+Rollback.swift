import ArgumentParser
import EPAClient
import Foundation
import LedgerCore
import LedgerWorkflows

extension Ledger {
    /// `ledger rollback --model M --reason R`: switches a model back to the job live before the current one.
    struct Rollback: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rollback",
            abstract: "Switch a model back to the job that was live before the current one (an audited switch).",
            discussion: """
                The target comes from the ledger's own history: the successful switches of the
                model, where a rollback undoes the switch it names (details.rollback_of). After
                A → B → C, one rollback makes B live and a second makes A live; a rolled-back
                switch is never a target again. Refused (exit 7, nothing written or sent) when
                there is nothing to roll back to.

                A rollback is a normal switch (pre-flight, switch.requested, one PUT,
                switch.completed) with details.rollback_of, subject to the approval policy in
                force: when it requires approvals, propose the target job first and pass
                --proposal ID (or let the one open proposal for that job be found), or use
                --emergency where the policy allows it.

                Exit status: as `ledger switch` (0 switched, 3, 4, 5, 6, 7 refused, 64, 74, 78).

                Examples:
                  ledger rollback --model churn --reason "INC-90: accuracy dropped" \\
                      --api-key-file ~/.config/model-ledger/churn.apikey
                  ledger rollback --model churn --reason "INC-90" --proposal 61 --format json
                """)

        @OptionGroup var modelReason: ModelReasonOptions
        @Option(help: ArgumentHelp("The approved proposal for the rollback's target job (the seq of switch.proposed).", valueName: "seq"))
        var proposal: Int64?
        @Flag(help: "Emergency rollback without approval, where the policy allows it; opens a required review.")
        var emergency = false
        @OptionGroup var who: ActorOptions
        @OptionGroup var policy: PolicyOptions
        @OptionGroup var service: ServiceOptions
        @OptionGroup var statusWords: JobStatusOptions
        @OptionGroup var options: LedgerOptions
        @Flag(name: .customLong("skip-preflight"), help: "Do not check the target job's status first (the switch is still recorded).")
        var skipPreflight = false
        @Option(help: "Output format: text or json.") var format: TextOrJSON = .text

        func validate() throws {
            if let proposal, proposal <= 0 { throw ValidationError("--proposal must be a positive integer") }
            if emergency && proposal != nil { throw ValidationError("--emergency and --proposal cannot be combined") }
        }

        func run() async throws {
            try await runReportingErrors {
                let loaded = try policy.load()
                let apiKey = try service.apiKey(model: modelReason.model)
                let session = try options.openForWriting()
                let (target, result, words) = try await service.withClient(model: modelReason.model) { client in
                    let words: JobStatusWords? = try skipPreflight ? nil : statusWords.words()
                    let request = RollbackRequest(
                        model: modelReason.model, reason: modelReason.reason, provenance: who.provenance, preflightWords: words,
                        callTimeout: service.timeout, proposalSeq: proposal, emergency: emergency, policy: loaded)
                    do {
                        let (target, result) = try await RollbackService(session: session, client: client, apiKey: apiKey).run(request)
                        return (target, result, words)
                    } catch SwitchServiceError.completionNotRecorded(let seq, let outcome, let underlying) {
                        Console.error(SwitchOutput.completionNotRecorded(requestSeq: seq, outcome: outcome))
                        throw underlying
                    }
                }
                if format == .text {
                    Console.out(
                        "rollback \(DisplayText.terminal(result.model)): \(DisplayText.terminal(target.fromJob)) → \(DisplayText.terminal(target.retrainJobID)) (undoes the switch at seq \(target.rollbackOf))"
                    )
                }
                SwitchOutput.print(result, words: words, format: format)
                let exit = SwitchOutput.exitCode(result)
                if exit != .ok { throw ExitCode(exit.rawValue) }
            }
        }
    }
}
