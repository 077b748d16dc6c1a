import EPAClient
import Foundation
import LedgerCore
import LedgerWorkflows

/// What `ledger retrain upload` answers: the `job.uploaded` entry (as `ledger show --format json`
/// prints it) with `explanation` (why it did not succeed, or null).
public enum UploadPresentation {
    /// The `--format json` document of `result` (the service's response body).
    public static func document(_ result: UploadResult) -> JSONValue {
        var object = result.entry.jsonValue.objectValue ?? [:]
        object["explanation"] = result.explanation.map { .string($0) } ?? .null
        return .object(object)
    }

    /// 0 when the upload succeeded; 3 (rejected) or 4 (failed) otherwise.
    public static func exitCode(_ result: UploadResult) -> LedgerExitCode {
        result.outcome == .succeeded ? .ok : LedgerExitCode(failed: result.outcome)
    }
}

/// What `ledger retrain status` answers: `retrain_job_id`, `model`, `seq` (the last `job.checked`),
/// `outcome`, `checks`, `status`, `model_id`, `http_status`, `error_message`, and `elapsed_s` (whole
/// seconds from the first check to the last entry, as the text shows).
public enum StatusPresentation {
    /// The `--format json` document of `result` (the service's response body).
    public static func document(_ result: StatusResult, retrainJobID: String, model: String) -> JSONValue {
        let call = result.call
        var object: [String: JSONValue] = [
            "retrain_job_id": .string(retrainJobID), "model": .string(model), "seq": .integer(result.seq),
            "outcome": .string(call.outcome.rawValue), "checks": .integer(Int64(result.checks)),
        ]
        object["status"] = call.response.map { .string($0.status) } ?? .null
        object["model_id"] = call.response?.modelID.map { .integer($0) } ?? .null
        object["http_status"] = call.httpStatus.map { .integer(Int64($0)) } ?? .null
        object["error_message"] = call.error.map { .string($0.localizedDescription) } ?? .null
        object["elapsed_s"] = .integer(elapsedSeconds(result.elapsed))
        if case .notFinished(let stillGoing?) = result.end {
            object["still_going"] = .string(stillGoing)
        } else {
            object["still_going"] = .null
        }
        return .object(object)
    }

    /// The exit code: 0 checked (with --wait: finished), 3/4 the last call did not succeed, 5 not finished.
    public static func exitCode(_ result: StatusResult) -> LedgerExitCode {
        switch result.end {
        case .checked: .ok
        case .callDidNotSucceed(let outcome): LedgerExitCode(failed: outcome)
        case .notFinished: .preflightRefused
        }
    }

    /// Whole seconds, as the text has always shown them (`Int(elapsed)`), safe for any value.
    static func elapsedSeconds(_ elapsed: Double) -> Int64 {
        guard elapsed.isFinite, elapsed > 0 else { return 0 }
        return elapsed < 9.0e18 ? Int64(elapsed) : Int64.max
    }
}

/// What `ledger resolve` answers: `request_seq`, `resolution_seq`, `outcome`, `model`, `retrain_job_id`, `ledger_id`.
public enum ResolvePresentation {
    /// The `--format json` document of `result` (the service's response body).
    public static func document(_ result: ResolveResult) -> JSONValue {
        let request = result.request
        return .object([
            "request_seq": .integer(request.seq),
            "resolution_seq": .integer(result.resolution.seq),
            "outcome": .string(result.outcome.rawValue),
            "model": request.model.map { .string($0) } ?? .null,
            "retrain_job_id": request.retrainJobID.map { .string($0) } ?? .null,
            "ledger_id": .string(result.ledgerID),
        ])
    }

    /// Always 0: a resolution that could not be recorded is an error.
    public static func exitCode(_ result: ResolveResult) -> LedgerExitCode { .ok }
}

/// What `ledger propose`, `approve`, `decline` and `review` answer: the entry written (`seq`, `kind`,
/// `actor`, `model`, `retrain_job_id`, `ref_seq`), the policy (`policy_seq`, `policy_set_seq`,
/// `approvals_required`), `identity`, and when the proposal was evaluated `ready_to_switch`,
/// `approval_seqs`, `missing`.
public enum ApprovalPresentation {
    /// The `identity` of a local-mode action: the actor named itself.
    public static let localIdentity = "not authenticated (local mode)"

    /// The `--format json` document of `result`; `identity` says how the actor was known
    /// (``localIdentity`` in the CLI; the service says who authenticated).
    public static func document(_ result: ApprovalActionResult, identity: String = localIdentity) -> JSONValue {
        let entry = result.entry
        var object: [String: JSONValue] = [
            "seq": .integer(entry.seq), "kind": .string(entry.kind.rawValue), "actor": .string(entry.actor),
            "model": entry.model.map { .string($0) } ?? .null,
            "retrain_job_id": entry.retrainJobID.map { .string($0) } ?? .null,
            "ref_seq": entry.refSeq.map { .integer($0) } ?? .null,
            "policy_seq": result.policySeq.map { .integer($0) } ?? .null,
            "policy_set_seq": result.policySet.map { .integer($0.seq) } ?? .null,
            "approvals_required": .integer(Int64(result.rules.approvalsRequired)),
            "identity": .string(identity),
        ]
        if let decision = result.decision {
            object["ready_to_switch"] = .bool(decision.isSatisfied)
            object["approval_seqs"] = .array(decision.approvalSeqs.map { .integer($0) })
            object["missing"] = .array(decision.missing.map { .string($0) })
        }
        return .object(object)
    }

    /// Always 0: a refused action is an error (``ApprovalRefusal``, exit 7).
    public static func exitCode(_ result: ApprovalActionResult) -> LedgerExitCode { .ok }
}
