import Foundation
import LedgerCore
import LedgerWorkflows

/// How `ledger propose`, `approve`, `decline` and `review` present an ``ApprovalActionResult``: the
/// document of ``LedgerPresentation/ApprovalPresentation`` and the text rendered from it.
enum ApprovalOutput {
    /// Prints `result` in `format`; `verb` is the text form's first word (e.g. "proposed").
    static func print(_ result: ApprovalActionResult, verb: String, format: TextOrJSON) {
        print(document: ApprovalPresentation.document(result), verb: verb, format: format)
    }

    /// Prints an approval document (``ApprovalPresentation/document(_:identity:)`` or a service's answer).
    static func print(document: JSONValue, verb: String, format: TextOrJSON) {
        guard format == .text else {
            Console.out(document.prettyPrinted())
            return
        }
        let model = DisplayText.terminal(document["model"]?.stringValue ?? "?")
        let job = DisplayText.terminal(document["retrain_job_id"]?.stringValue ?? "?")
        let actor = DisplayText.terminal(document["actor"]?.stringValue ?? "?")
        let seq = document["seq"]?.integerValue ?? 0, refSeq = document["ref_seq"]?.integerValue
        let about = refSeq.map { " seq \($0)" } ?? ""
        let identity = document["identity"]?.stringValue ?? ApprovalPresentation.localIdentity
        let how = identity == ApprovalPresentation.localIdentity ? "identity not authenticated, local mode" : "identity \(DisplayText.terminal(identity))"
        Console.out("\(verb)\(about): \(model) → \(job) by \(actor) (\(how)); ledger seq \(seq)")
        if let policySet = document["policy_set_seq"]?.integerValue { Console.out("  policy recorded: policy.set seq \(policySet)") }
        if let ready = document["ready_to_switch"], case .bool(let isSatisfied) = ready {
            if isSatisfied {
                let id = document["kind"]?.stringValue == EntryKind.switchProposed.rawValue ? seq : (refSeq ?? seq)
                Console.out("  ready to switch: ledger switch --proposal \(id)")
            } else {
                var missing: [JSONValue] = []
                if case .array(let values) = document["missing"] { missing = values }
                for line in missing.compactMap(\.stringValue) { Console.note("  missing: \(line)") }
            }
        }
    }
}
