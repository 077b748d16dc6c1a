import EPAClient
import Foundation
import LedgerCore
import LedgerWorkflows

/// How `ledger retrain upload` and `ledger retrain status` present their results and progress: the
/// documents of ``LedgerPresentation/UploadPresentation`` and ``LedgerPresentation/StatusPresentation``,
/// and the text rendered from them (the same in local and remote mode).
enum RetrainOutput {
    /// `ledger retrain upload`.
    static func print(_ result: UploadResult, model: String, format: TextOrJSON) {
        print(uploadDocument: UploadPresentation.document(result), format: format)
    }

    /// `ledger retrain upload`, from its document (``UploadPresentation/document(_:)`` or a service's answer).
    static func print(uploadDocument document: JSONValue, format: TextOrJSON) {
        guard format == .text else {
            Console.out(document.prettyPrinted())
            return
        }
        let details = document["details"]
        // The file name is the user's, the job id the service's: both shown escaped.
        let fileName = DisplayText.terminal(details?["file_name"]?.stringValue ?? "?")
        let size = details?["file_size"]?.integerValue ?? 0, sha256 = details?["file_sha256"]?.stringValue ?? "?"
        let job = document["retrain_job_id"]?.stringValue.map(DisplayText.terminal)
        let model = DisplayText.terminal(document["model"]?.stringValue ?? "?"), seq = document["seq"]?.integerValue ?? 0
        let outcome = document["outcome"]?.stringValue ?? "?"
        if outcome == CallOutcome.succeeded.rawValue, let job {
            Console.out(
                "uploaded \(fileName) (\(size.formatted()) bytes, sha256 \(DisplayText.terminal(sha256))) for \(model): retrain job \(job); ledger seq \(seq)"
            )
            Console.out("next: ledger retrain status \(job) --model \(model) --wait")
        } else {
            Console.out(Console.styled("upload \(DisplayText.terminal(outcome))", .red) + " for \(model); ledger seq \(seq)")
            if let problem = document["explanation"]?.stringValue { Console.note("  \(problem)") }
        }
    }

    /// Progress of `ledger retrain status` on stderr.
    static func show(_ event: StatusEvent, retrainJobID: String, words: JobStatusWords) {
        switch event {
        case let .unknownWord(word, stillWaiting):
            // Said once per word, on stderr whatever the output format.
            Console.note(
                "note: retrain job \(retrainJobID): status \(SwitchPresentation.unknownWordHint(word, words: words))"
                    + (stillWaiting ? " Still waiting, until --wait-timeout." : ""))
        case let .waiting(status, unknown, checks, elapsed):
            let shown = status.map { JobStatusWords.quoted($0) } ?? "?"
            let unknownNote = unknown ? ", not a known status word; still waiting" : ""
            Console.progress("waiting for \(retrainJobID): \(shown)\(unknownNote) (check \(checks), \(elapsed) s)")
        }
    }

    /// The exit code of `ledger retrain status`.
    static func exitCode(_ result: StatusResult) -> LedgerExitCode { StatusPresentation.exitCode(result) }

    /// `ledger retrain status`: the last check, then (with --wait) why the wait ended without a finish.
    static func print(_ result: StatusResult, retrainJobID: String, model: String, format: TextOrJSON) {
        print(statusDocument: StatusPresentation.document(result, retrainJobID: retrainJobID, model: model), format: format)
    }

    /// `ledger retrain status`, from its document (``StatusPresentation/document(_:retrainJobID:model:)``
    /// or a service's answer).
    static func print(statusDocument document: JSONValue, format: TextOrJSON) {
        let retrainJobID = document["retrain_job_id"]?.stringValue ?? "?"
        switch format {
        case .json:
            Console.out(document.prettyPrinted())
        case .text:
            // The job id is the operator's, the status the service's: both shown escaped
            // (Console.note escapes the error message itself).
            let job = DisplayText.terminal(retrainJobID), seq = document["seq"]?.integerValue ?? 0
            if let status = document["status"]?.stringValue {
                let modelID = document["model_id"]?.integerValue.map { ", model_id \($0)" } ?? ""
                let checks = document["checks"]?.integerValue ?? 0, elapsed = document["elapsed_s"]?.integerValue ?? 0
                Console.out("\(job): \(DisplayText.terminal(status))\(modelID) after \(checks) check(s), \(elapsed) s; ledger seq \(seq)")
            } else {
                let outcome = DisplayText.terminal(document["outcome"]?.stringValue ?? "?")
                Console.out(Console.styled("status check \(outcome)", .red) + " for \(job); ledger seq \(seq)")
                if let error = document["error_message"]?.stringValue { Console.note("  \(error)") }
            }
        }
        if let status = document["still_going"]?.stringValue {
            Console.note("retrain job \(retrainJobID) is still \(JobStatusWords.quoted(status)) when --wait-timeout ran out.")
        }
    }
}
