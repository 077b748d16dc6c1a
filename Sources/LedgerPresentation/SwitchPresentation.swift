import EPAClient
import Foundation
import LedgerCore
import LedgerWorkflows

/// What `ledger switch` (and `rollback`, which is a switch) answers: one JSON document and an exit code.
///
/// The document's members: `model`, `retrain_job_id`, `outcome` (the call's outcome word, or
/// `not attempted`), `preflight_seq`, `preflight_status`, `requested_seq`, `completed_seq`,
/// `http_status`, `duration_ms`, `error_code`, `error_message`, `explanation` (why the model was not
/// switched, or null), and, only when the approval gate recorded any, its facts (`proposal_seq`,
/// `approval_seqs`, `policy_seq`, `emergency`, `rollback_of`) with `policy_set_seq`.
public enum SwitchPresentation {
    /// The exit code for how the switch ended.
    public static func exitCode(_ result: SwitchResult) -> LedgerExitCode {
        switch result.end {
        case .switched: .ok
        case .callDidNotSucceed(let outcome), .preflightDidNotSucceed(let outcome): LedgerExitCode(failed: outcome)
        case .preflightRefused: .preflightRefused
        }
    }

    /// The outcome word: the call's outcome, or "not attempted" when the switch was never sent.
    public static func outcome(_ result: SwitchResult) -> String {
        result.call?.outcome.rawValue ?? "not attempted"
    }

    /// Why the model was not switched (nil when it was, or the call failed without an error).
    public static func problem(_ result: SwitchResult, words: JobStatusWords?) -> String? {
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
            case .unknown(let word): return "\(job): nothing was switched. \(unknownWordHint(word, words: words))"
            case .running, .finished:
                return "\(job): nothing was switched. Wait with `ledger retrain status \(result.retrainJobID) --model \(result.model) --wait`."
            }
        }
    }

    /// The sentence that explains an unknown status word: which words count, and how to name more
    /// (also the CLI's note while `ledger retrain status --wait` polls).
    public static func unknownWordHint(_ status: String, words: JobStatusWords) -> String {
        "\(JobStatusWords.quoted(status)) is not a known status word (\(words.summary)); it counts as not finished. "
            + "If the service means finished or failed by it, pass --finished-status or --failed-status "
            + "(or set EPA_FINISHED_STATUSES / EPA_FAILED_STATUSES)."
    }

    /// The message for a switch whose completion could not be recorded (printed before the ledger error).
    public static func completionNotRecorded(requestSeq: Int64, outcome: CallOutcome) -> String {
        "the switch call ended (\(outcome.rawValue)) but its result could not be recorded; "
            + "switch.requested seq \(requestSeq) stays unresolved. Record what happened with `ledger resolve \(requestSeq)`."
    }

    /// The `--format json` document of `result` (the service's response body).
    public static func document(_ result: SwitchResult, words: JobStatusWords?) -> JSONValue {
        let call = result.call
        var object: [String: JSONValue] = [
            "model": .string(result.model), "retrain_job_id": .string(result.retrainJobID), "outcome": .string(outcome(result)),
        ]
        object["preflight_seq"] = result.preflightSeq.map { .integer($0) } ?? .null
        object["preflight_status"] = result.preflightStatus.map { .string($0) } ?? .null
        object["requested_seq"] = result.requestedSeq.map { .integer($0) } ?? .null
        object["completed_seq"] = result.completedSeq.map { .integer($0) } ?? .null
        object["http_status"] = call?.httpStatus.map { .integer(Int64($0)) } ?? .null
        object["duration_ms"] = call.map { .integer($0.durationMs) } ?? .null
        object["error_code"] = call?.error?.code.map { .string($0) } ?? .null
        object["error_message"] = call?.error?.serviceMessage.map { .string($0) } ?? .null
        object["explanation"] = problem(result, words: words).map { .string($0) } ?? .null
        // Approval facts, only when the gate recorded any (a ledger without a policy prints as before).
        if let gate = result.gate, !gate.details.isEmpty {
            for (key, value) in gate.details { object[key] = value }
            object["policy_set_seq"] = result.policySetSeq.map { .integer($0) } ?? .null
        }
        return .object(object)
    }
}
