import ArgumentParser
import Foundation
import LedgerCore
import LedgerWorkflows

extension Ledger {
    /// `ledger approve SEQ --reason R`: Approve a proposed switch (records switch.approved).
    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "approve",
            abstract: "Approve a proposed switch (records switch.approved).",
            discussion: """
                Refused when you proposed the switch (unless the policy has requester_may_approve
                = true), when the policy lists approvers and you are not one, when you already
                approved it, or when the proposal was declined or already used. The switch checks
                every rule again when it runs, under the policy in force then (docs/policy.md).
                Your name is --actor / LEDGER_ACTOR (self-declared in local mode).

                Exit status: 0 recorded, 7 refused (the message says why; nothing written),
                6 the ledger does not verify, 64 usage, 74 ledger error, 78 key or policy file error.

                Example:
                  ledger approve 42 --reason "reviewed CHG-1234" --actor carol
                """)

        @Argument(help: ArgumentHelp("The proposal id (the seq of switch.proposed).", valueName: "seq")) var seq: Int64
        @OptionGroup var action: ApprovalActionOptions
        @OptionGroup var remote: RemoteOptions
        @OptionGroup var ca: RemoteCAFileOption

        func validate() throws {
            guard seq > 0 else { throw ValidationError("seq must be a positive integer") }
        }

        func run() async throws {
            if try await RemoteRun.approvalAction(
                remote, ca: ca, action: action, verb: "approved", path: "/v1/proposals/\(seq)/approvals", body: ["reason": .string(action.reason)])
            {
                return
            }
            try await action.run(seq: seq, verb: "approved") { session in { try ApproveService(session: session).run($0) } }
        }
    }
}
