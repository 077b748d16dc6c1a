import ArgumentParser
import Foundation
import LedgerCore
import LedgerWorkflows

extension Ledger {
    /// `ledger decline SEQ --reason R`: Decline a proposed switch (records switch.declined; it can no longer be switched).
    struct Decline: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "decline",
            abstract: "Decline a proposed switch (records switch.declined; it can no longer be switched).",
            discussion: """
                Anyone may decline, the requester too (a withdrawal). Refused when the proposal was
                already used by a switch or already declined.

                Exit status: 0 recorded, 7 refused (the message says why; nothing written),
                6 the ledger does not verify, 64 usage, 74 ledger error, 78 key or policy file error.

                Example:
                  ledger decline 42 --reason "CHG-1234: metrics regressed" --actor dave
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
                remote, ca: ca, action: action, verb: "declined", path: "/v1/proposals/\(seq)/declines", body: ["reason": .string(action.reason)])
            {
                return
            }
            try await action.run(seq: seq, verb: "declined") { session in { try DeclineService(session: session).run($0) } }
        }
    }
}
