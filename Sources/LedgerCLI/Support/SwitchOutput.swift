import EPAClient
import Foundation
import LedgerCore
import LedgerWorkflows

/// How `ledger switch` presents a ``SwitchResult``: its output, its explanation and its exit code.
enum SwitchOutput {
    /// The exit code for how the switch ended.
    static func exitCode(_ result: SwitchResult) -> LedgerExitCode {
        switch result.end {
        case .switched: .ok
        case .callDidNotSucceed(let outcome), .preflightDidNotSucceed(let outcome): LedgerExitCode(failed: outcome)
        case .preflightRefused: .preflightRefused
        }
    }

    /// The outcome word: the call's outcome, or "not attempted" when the switch was never sent.
    static func outcome(_ result: SwitchResult) -> String {
        result.call?.outcome.rawValue ?? "not attempted"
    }

    /// Why the model was not switched (nil when it was, or the call failed without an error).
    static func problem(_ result: SwitchResult, words: JobStatusWords?) -> String? {
        switch result.end {
        case .switched, .callDidNotSucceed:
            return result.call?.error?.localizedDescription
        case .preflightDidNotSucceed(let outcome):
            return "pre-flight status check \(outcome.rawValue): \(result.preflight?.error?.localizedDescription ?? "no usable answer")"
        case let .preflightRefused(status, meaning):
            let words = words ?? JobStatusWords()
            let job = "retrain job \(result.retrainJobID) is \(JobStatusWords.quoted(status)), not \(words.finishedPhrase)"
            switch meaning {
            case .failed: return "\(job): the job failed, nothing was switched. Retrain with a fresh upload."
            case .unknown(let word): return "\(job): nothing was switched. \(words.unknownWordHint(word))"
            case .running, .finished:
                return "\(job): nothing was switched. Wait with `ledger retrain status \(result.retrainJobID) --model \(result.model) --wait`."
            }
        }
    }

    /// The message for a switch whose completion could not be recorded (printed before the ledger error).
    static func completionNotRecorded(requestSeq: Int64, outcome: CallOutcome) -> String {
        "the switch call ended (\(outcome.rawValue)) but its result could not be recorded; "
            + "switch.requested seq \(requestSeq) stays unresolved. Record what happened with `ledger resolve \(requestSeq)`."
    }

    /// The approval facts of a switch, one line each (nothing when the gate recorded none).
    static func printGate(_ gate: SwitchGateDecision) {
        if let proposal = gate.proposalSeq {
            let approvals = gate.approvalSeqs.map(String.init).joined(separator: ", ")
            Console.out(
                "  proposal seq \(proposal), approvals seq \(approvals.isEmpty ? "none needed" : approvals)\(gate.policySeq.map { "; policy.set seq \($0)" } ?? "")"
            )
        }
        if gate.details["emergency"] == .bool(true) {
            Console.out("  EMERGENCY switch: a post-hoc review is required (ledger review SEQ --reason …)")
        }
        if let rollbackOf = gate.details["rollback_of"]?.integerValue {
            Console.out("  rollback of the switch at seq \(rollbackOf)")
        }
    }

    /// Prints the result in `format`.
    static func print(_ result: SwitchResult, words: JobStatusWords?, format: TextOrJSON) {
        let outcome = outcome(result), problem = problem(result, words: words)
        let call = result.call
        switch format {
        case .json:
            var object: [String: JSONValue] = [
                "model": .string(result.model), "retrain_job_id": .string(result.retrainJobID), "outcome": .string(outcome),
            ]
            object["preflight_seq"] = result.preflightSeq.map { .integer($0) } ?? .null
            object["preflight_status"] = result.preflightStatus.map { .string($0) } ?? .null
            object["requested_seq"] = result.requestedSeq.map { .integer($0) } ?? .null
            object["completed_seq"] = result.completedSeq.map { .integer($0) } ?? .null
            object["http_status"] = call?.httpStatus.map { .integer(Int64($0)) } ?? .null
            object["duration_ms"] = call.map { .integer($0.durationMs) } ?? .null
            object["error_code"] = call?.error?.code.map { .string($0) } ?? .null
            object["error_message"] = call?.error?.serviceMessage.map { .string($0) } ?? .null
            object["explanation"] = problem.map { .string($0) } ?? .null
            // Approval facts, only when the gate recorded any (a ledger without a policy prints as before).
            if let gate = result.gate, !gate.details.isEmpty {
                for (key, value) in gate.details { object[key] = value }
                object["policy_set_seq"] = result.policySetSeq.map { .integer($0) } ?? .null
            }
            Console.out(JSONValue.object(object).prettyPrinted())
        case .text:
            let seqs = [result.requestedSeq, result.completedSeq].compactMap { $0 }.map(String.init).joined(separator: "→")
            let where_ = seqs.isEmpty ? (result.preflightSeq.map { "ledger seq \($0)" } ?? "") : "ledger seq \(seqs)"
            let timing = call.map { ", \($0.durationMs) ms" } ?? ""
            let status = call?.httpStatus.map { " (HTTP \($0))" } ?? ""
            // Model and job id come from the command line: shown escaped (Console.note escapes `problem`).
            let model = DisplayText.terminal(result.model), retrainJobID = DisplayText.terminal(result.retrainJobID)
            if result.switched {
                Console.out(Console.styled("switched", .green) + " \(model) → \(retrainJobID): succeeded\(status)\(timing); \(where_)")
            } else {
                Console.out(Console.styled("NOT switched", .red) + " \(model) → \(retrainJobID): \(outcome)\(status)\(timing); \(where_)")
                if let problem { Console.note("  \(problem)") }
            }
            if let gate = result.gate { printGate(gate) }
        }
    }
}
