import ArgumentParser
import Foundation
import LedgerCore
import LedgerWorkflows

extension Ledger {
    /// `ledger review SEQ --reason R`: Record the post-hoc review of an emergency switch (records switch.reviewed).
    struct Review: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "review",
            abstract: "Record the post-hoc review of an emergency switch (records switch.reviewed).",
            discussion: """
                An emergency switch (ledger switch --emergency) opens a required review; reports
                list it as overdue until someone other than the person who made the switch
                records it here (unless the policy has requester_may_approve = true).

                Exit status: 0 recorded, 7 refused (the message says why; nothing written),
                6 the ledger does not verify, 64 usage, 74 ledger error, 78 key or policy file error.

                Example:
                  ledger review 57 --reason "INC-88 reviewed: hotfix justified" --actor carol
                """)

        @Argument(help: ArgumentHelp("The seq of the emergency switch.requested.", valueName: "seq")) var seq: Int64
        @OptionGroup var action: ApprovalActionOptions
        @OptionGroup var remote: RemoteOptions
        @OptionGroup var ca: RemoteCAFileOption

        func validate() throws {
            guard seq > 0 else { throw ValidationError("seq must be a positive integer") }
        }

        func run() async throws {
            if try await RemoteRun.approvalAction(
                remote, ca: ca, action: action, verb: "reviewed", path: "/v1/reviews", body: ["seq": .integer(seq), "reason": .string(action.reason)])
            {
                return
            }
            try await action.run(seq: seq, verb: "reviewed") { session in { try ReviewService(session: session).run($0) } }
        }
    }
}
