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
        @Option(help: ArgumentHelp("Why, e.g. a change-ticket reference.", valueName: "text")) var reason: String
        @OptionGroup var who: ActorOptions
        @OptionGroup var policy: PolicyOptions
        @OptionGroup var options: LedgerOptions
        @Option(help: "Output format: text or json.") var format: TextOrJSON = .text

        func validate() throws {
            guard seq > 0 else { throw ValidationError("seq must be a positive integer") }
            if reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw ValidationError("--reason must not be empty") }
        }

        func run() async throws {
            try await runReportingErrors {
                let loaded = try policy.load()
                let session = try options.openForWriting()
                let result = try DeclineService(session: session).run(
                    ApprovalActionRequest(seq: seq, reason: reason, provenance: who.provenance, policy: loaded))
                ApprovalOutput.print(result, verb: "declined", format: format)
            }
        }
    }
}
