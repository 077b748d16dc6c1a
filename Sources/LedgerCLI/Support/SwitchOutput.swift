import EPAClient
import Foundation
import LedgerCore
import LedgerPresentation
import LedgerWorkflows

/// How `ledger switch` presents a ``SwitchResult``: the document and exit code of
/// ``LedgerPresentation/SwitchPresentation``, and the text rendered from that document (so local and
/// remote mode print the same text).
enum SwitchOutput {
    /// The exit code for how the switch ended.
    static func exitCode(_ result: SwitchResult) -> LedgerExitCode { SwitchPresentation.exitCode(result) }

    /// The outcome word: the call's outcome, or "not attempted" when the switch was never sent.
    static func outcome(_ result: SwitchResult) -> String { SwitchPresentation.outcome(result) }

    /// Why the model was not switched (nil when it was, or the call failed without an error).
    static func problem(_ result: SwitchResult, words: JobStatusWords?) -> String? { SwitchPresentation.problem(result, words: words) }

    /// The message for a switch whose completion could not be recorded (printed before the ledger error).
    static func completionNotRecorded(requestSeq: Int64, outcome: CallOutcome) -> String {
        SwitchPresentation.completionNotRecorded(requestSeq: requestSeq, outcome: outcome)
    }

    /// Prints the result in `format`.
    static func print(_ result: SwitchResult, words: JobStatusWords?, format: TextOrJSON) {
        print(document: SwitchPresentation.document(result, words: words), format: format)
    }

    /// Prints a switch document (``SwitchPresentation/document(_:words:)``, or a service's answer) in `format`.
    static func print(document: JSONValue, format: TextOrJSON) {
        switch format {
        case .json: Console.out(document.prettyPrinted())
        case .text: printText(document)
        }
    }

    /// The text of a switch document: one line on stdout, the explanation on stderr, the approval facts.
    static func printText(_ document: JSONValue) {
        let (out, notes) = text(document, color: Console.useColor)
        for line in out.prefix(1) { Console.out(line) }
        for note in notes { Console.note(note) }
        for line in out.dropFirst() { Console.out(line) }
    }

    /// The text of a switch document: the stdout lines (the result, then the approval facts) and the
    /// stderr notes (raw: `Console.note` escapes them), the result styled when `color`.
    static func text(_ document: JSONValue, color: Bool) -> (out: [String], notes: [String]) {
        var out: [String] = [], notes: [String] = []
        let seq = { (key: String) in document[key]?.integerValue }
        let outcome = document["outcome"]?.stringValue ?? "?"
        let seqs = [seq("requested_seq"), seq("completed_seq")].compactMap { $0 }.map(String.init).joined(separator: "→")
        let where_ = seqs.isEmpty ? (seq("preflight_seq").map { "ledger seq \($0)" } ?? "") : "ledger seq \(seqs)"
        let timing = seq("duration_ms").map { ", \($0) ms" } ?? ""
        let status = seq("http_status").map { " (HTTP \($0))" } ?? ""
        // Model and job id come from the command line: shown escaped (Console.note escapes the explanation).
        let model = DisplayText.terminal(document["model"]?.stringValue ?? "?")
        let retrainJobID = DisplayText.terminal(document["retrain_job_id"]?.stringValue ?? "?")
        if outcome == CallOutcome.succeeded.rawValue {
            out.append(TextStyle.green.apply(to: "switched", color: color) + " \(model) → \(retrainJobID): succeeded\(status)\(timing); \(where_)")
        } else {
            let word = DisplayText.terminal(outcome)
            out.append(TextStyle.red.apply(to: "NOT switched", color: color) + " \(model) → \(retrainJobID): \(word)\(status)\(timing); \(where_)")
            if let problem = document["explanation"]?.stringValue { notes.append("  \(problem)") }
        }
        if let proposal = seq("proposal_seq") {
            var seqs: [JSONValue] = []
            if case .array(let values) = document["approval_seqs"] { seqs = values }
            let approvals = seqs.compactMap(\.integerValue).map(String.init).joined(separator: ", ")
            let policy = seq("policy_seq")
            out.append(
                "  proposal seq \(proposal), approvals seq \(approvals.isEmpty ? "none needed" : approvals)\(policy.map { "; policy.set seq \($0)" } ?? "")")
        }
        if document["emergency"] == .bool(true) {
            out.append("  EMERGENCY switch: a post-hoc review is required (ledger review SEQ --reason …)")
        }
        if let rollbackOf = seq("rollback_of") {
            out.append("  rollback of the switch at seq \(rollbackOf)")
        }
        return (out, notes)
    }
}
