import EPAClient
import Foundation
import LedgerCore
import LedgerWorkflows

/// How `ledger retrain upload` and `ledger retrain status` present their results and progress.
enum RetrainOutput {
    /// `ledger retrain upload`.
    static func print(_ result: UploadResult, model: String, format: TextOrJSON) {
        switch format {
        case .json:
            var object = result.entry.jsonValue.objectValue ?? [:]
            object["explanation"] = result.explanation.map { .string($0) } ?? .null
            Console.out(JSONValue.object(object).prettyPrinted())
        case .text:
            // The file name is the user's, the job id the service's: both shown escaped.
            let fileName = DisplayText.terminal(result.file.name), job = result.retrainJobID.map(DisplayText.terminal)
            let model = DisplayText.terminal(model), seq = result.entry.seq
            if result.outcome == .succeeded, let job {
                Console.out(
                    "uploaded \(fileName) (\(result.file.size.formatted()) bytes, sha256 \(result.file.sha256)) for \(model): retrain job \(job); ledger seq \(seq)"
                )
                Console.out("next: ledger retrain status \(job) --model \(model) --wait")
            } else {
                Console.out(Console.styled("upload \(result.outcome.rawValue)", .red) + " for \(model); ledger seq \(seq)")
                if let problem = result.explanation { Console.note("  \(problem)") }
            }
        }
    }

    /// Progress of `ledger retrain status` on stderr.
    static func show(_ event: StatusEvent, retrainJobID: String, words: JobStatusWords) {
        switch event {
        case let .unknownWord(word, stillWaiting):
            // Said once per word, on stderr whatever the output format.
            Console.note(
                "note: retrain job \(retrainJobID): status \(words.unknownWordHint(word))"
                    + (stillWaiting ? " Still waiting, until --wait-timeout." : ""))
        case let .waiting(status, unknown, checks, elapsed):
            let shown = status.map { JobStatusWords.quoted($0) } ?? "?"
            let unknownNote = unknown ? ", not a known status word; still waiting" : ""
            Console.progress("waiting for \(retrainJobID): \(shown)\(unknownNote) (check \(checks), \(elapsed) s)")
        }
    }

    /// The exit code of `ledger retrain status`.
    static func exitCode(_ result: StatusResult) -> LedgerExitCode {
        switch result.end {
        case .checked: .ok
        case .callDidNotSucceed(let outcome): LedgerExitCode(failed: outcome)
        case .notFinished: .preflightRefused
        }
    }

    /// `ledger retrain status`: the last check, then (with --wait) why the wait ended without a finish.
    static func print(_ result: StatusResult, retrainJobID: String, model: String, format: TextOrJSON) {
        let call = result.call
        switch format {
        case .json:
            var object: [String: JSONValue] = [
                "retrain_job_id": .string(retrainJobID), "model": .string(model), "seq": .integer(result.seq),
                "outcome": .string(call.outcome.rawValue), "checks": .integer(Int64(result.checks)),
            ]
            object["status"] = call.response.map { .string($0.status) } ?? .null
            object["model_id"] = call.response?.modelID.map { .integer($0) } ?? .null
            object["http_status"] = call.httpStatus.map { .integer(Int64($0)) } ?? .null
            object["error_message"] = call.error.map { .string($0.localizedDescription) } ?? .null
            Console.out(JSONValue.object(object).prettyPrinted())
        case .text:
            // The job id is the operator's, the status the service's: both shown escaped
            // (Console.note escapes the error message itself).
            let job = DisplayText.terminal(retrainJobID)
            if let response = call.response {
                let modelID = response.modelID.map { ", model_id \($0)" } ?? ""
                Console.out(
                    "\(job): \(DisplayText.terminal(response.status))\(modelID) after \(result.checks) check(s), \(Int(result.elapsed)) s; ledger seq \(result.seq)"
                )
            } else {
                Console.out(Console.styled("status check \(call.outcome.rawValue)", .red) + " for \(job); ledger seq \(result.seq)")
                if let error = call.error { Console.note("  \(error.localizedDescription)") }
            }
        }
        if case .notFinished(let status?) = result.end {
            Console.note("retrain job \(retrainJobID) is still \(JobStatusWords.quoted(status)) when --wait-timeout ran out.")
        }
    }
}
