import ArgumentParser
import Foundation
import LedgerCore
import LedgerWorkflows

/// What `approve`, `decline` and `review` share: the reason, who, the policy, the ledger and the
/// output format, and the one way they run (load the policy, open fail-closed, call the service,
/// print).
struct ApprovalActionOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Why, e.g. a change-ticket reference.", valueName: "text")) var reason: String
    @OptionGroup var who: ActorOptions
    @OptionGroup var policy: PolicyOptions
    @OptionGroup var options: LedgerOptions
    @Option(help: "Output format: text or json.") var format: TextOrJSON = .text

    func validate() throws {
        if reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw ValidationError("--reason must not be empty") }
    }

    /// Records the action on entry `seq` through `service` and prints it as `verb`.
    func run(
        seq: Int64, verb: String,
        _ service: (LedgerSession) -> (ApprovalActionRequest) throws -> ApprovalActionResult
    ) async throws {
        try await runReportingErrors {
            let loaded = try policy.load()
            let session = try options.openForWriting()
            let result = try service(session)(ApprovalActionRequest(seq: seq, reason: reason, provenance: who.provenance, policy: loaded))
            ApprovalOutput.print(result, verb: verb, format: format)
        }
    }
}
