import ArgumentParser
import Foundation
import LedgerCore
import LedgerWorkflows

extension Ledger {
    /// `ledger resolve SEQ`: records what an operator found out about an unresolved switch.
    struct Resolve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "resolve",
            abstract: "Record the outcome of an unresolved switch (the original entries stay untouched).",
            discussion: """
                When `ledger switch` was killed after recording switch.requested, the outcome is
                unknown. Find out (e.g. with `ledger retrain status` or the service's console),
                then record it: a new signed switch.resolved entry that refers to the request.

                Refused while the switch may still be in flight: until the deadline its writer
                recorded in switch.requested (the call's whole deadline plus 30 s to record the
                completion; for older requests, recorded_at + 90 s). The check that the request
                is still unresolved runs under the ledger's write lock.

                Exit status: 0 recorded, 75 the switch may still be in flight (try again after
                the time printed), 64 SEQ is not an unresolved switch.requested (or other usage
                error), 6 the ledger does not verify, 74 ledger error, 78 key error.

                Example:
                  ledger resolve 41 --outcome succeeded --reason "INC-77: service console shows job live"
                """)

        @Argument(help: ArgumentHelp("The seq of the unresolved switch.requested.", valueName: "seq")) var seq: Int64
        @Option(help: "What happened: succeeded, rejected or failed.") var outcome: OutcomeArgument
        @Option(help: ArgumentHelp("How you found out, e.g. an incident reference.", valueName: "text")) var reason: String
        @Option(help: "Output format: text or json (one object: request_seq, resolution_seq, outcome, model, retrain_job_id).")
        var format: TextOrJSON = .text
        @OptionGroup var who: ActorOptions
        @OptionGroup var options: LedgerOptions
        @OptionGroup var remote: RemoteOptions
        @OptionGroup var ca: RemoteCAFileOption

        func validate() throws {
            if reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw ValidationError("--reason must not be empty") }
        }

        func run() async throws {
            let body = JSONValue.object(["seq": .integer(seq), "outcome": .string(outcome.value.rawValue), "reason": .string(reason)])
            let refused = RemoteRun.localOnly(options) + [("--actor", who.actor != nil)]
            let remoteHandled = try await RemoteRun.ifRemote(remote, caFile: ca.caFile, localOnly: refused) { client in
                try await RemoteRun.document(client, .post, "/v1/resolutions", json: body) { document in
                    WriteOutput.print(resolveDocument: document, format: format)
                }
            }
            if remoteHandled { return }
            try await runReportingErrors {
                let session = try options.openForWriting()
                let result: ResolveResult
                do {
                    result = try ResolveService(session: session)
                        .run(ResolveRequest(requestSeq: seq, outcome: outcome.value, reason: reason, provenance: who.provenance))
                } catch let error as ResolutionError {
                    throw CLIError(message: error.localizedDescription, exitCode: error.isTemporary ? .tryLater : .usage)
                }
                WriteOutput.print(result, format: format)
            }
        }
    }
}

/// `--outcome` values.
struct OutcomeArgument: ExpressibleByArgument {
    let value: Outcome
    init?(argument: String) {
        guard let value = Outcome(known: argument) else { return nil }
        self.value = value
    }
    static var allValueStrings: [String] { Outcome.known.map(\.rawValue) }
}
