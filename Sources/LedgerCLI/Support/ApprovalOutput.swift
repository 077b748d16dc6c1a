import Foundation
import LedgerCore
import LedgerWorkflows

/// How `ledger propose`, `approve`, `decline` and `review` present an ``ApprovalActionResult``.
enum ApprovalOutput {
    /// Prints `result` in `format`; `verb` is the text form's first word (e.g. "proposed").
    static func print(_ result: ApprovalActionResult, verb: String, format: TextOrJSON) {
        let entry = result.entry
        switch format {
        case .json:
            var object: [String: JSONValue] = [
                "seq": .integer(entry.seq), "kind": .string(entry.kind.rawValue), "actor": .string(entry.actor),
                "model": entry.model.map { .string($0) } ?? .null,
                "retrain_job_id": entry.retrainJobID.map { .string($0) } ?? .null,
                "ref_seq": entry.refSeq.map { .integer($0) } ?? .null,
                "policy_seq": result.policySeq.map { .integer($0) } ?? .null,
                "policy_set_seq": result.policySet.map { .integer($0.seq) } ?? .null,
                "approvals_required": .integer(Int64(result.rules.approvalsRequired)),
                "identity": .string("not authenticated (local mode)"),
            ]
            if let decision = result.decision {
                object["ready_to_switch"] = .bool(decision.isSatisfied)
                object["approval_seqs"] = .array(decision.approvalSeqs.map { .integer($0) })
                object["missing"] = .array(decision.missing.map { .string($0) })
            }
            Console.out(JSONValue.object(object).prettyPrinted())
        case .text:
            let model = DisplayText.terminal(entry.model ?? "?"), job = DisplayText.terminal(entry.retrainJobID ?? "?")
            let actor = DisplayText.terminal(entry.actor)
            let about = entry.refSeq.map { " seq \($0)" } ?? ""
            Console.out("\(verb)\(about): \(model) → \(job) by \(actor) (identity not authenticated, local mode); ledger seq \(entry.seq)")
            if let policySet = result.policySet { Console.out("  policy recorded: policy.set seq \(policySet.seq)") }
            if let decision = result.decision {
                if decision.isSatisfied {
                    let id = entry.kind == EntryKind.switchProposed ? entry.seq : (entry.refSeq ?? entry.seq)
                    Console.out("  ready to switch: ledger switch --proposal \(id)")
                } else {
                    for line in decision.missing { Console.note("  missing: \(line)") }
                }
            }
        }
    }
}
