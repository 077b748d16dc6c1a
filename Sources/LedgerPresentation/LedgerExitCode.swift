import EPAClient
import LedgerCore

/// Every exit code `ledger` uses. Documented in `ledger --help` and the README; the service sends it
/// in the `Ledger-Exit-Code` header of every `/v1` response.
public enum LedgerExitCode: Int32, CaseIterable, Sendable {
    /// Success: the command did what was asked (for `verify`: the ledger is intact; for `switch`: switched).
    case ok = 0
    /// `verify` found tampering (or a checkpoint the ledger no longer matches).
    case tampered = 2
    /// `switch`: the service answered and rejected the switch.
    case rejected = 3
    /// `switch`: the service failed or could not be reached; no usable answer.
    case serviceFailed = 4
    /// `switch`: pre-flight found the retrain job not finished; nothing was switched.
    case preflightRefused = 5
    /// A write was refused because the tail of the ledger does not verify.
    case ledgerUnsafe = 6
    /// Refused by the approval policy (or nothing to roll back to): nothing was written or sent.
    case refused = 7
    /// Usage error: bad flags or arguments (nothing was written or sent).
    case usage = 64
    /// Not now: the operation must wait (e.g. `resolve` of a switch that may still be in flight).
    case tryLater = 75
    /// Internal error (a bug): please report it.
    case software = 70
    /// The ledger database cannot be opened, read or written.
    case ledgerError = 74
    /// Configuration or key problem (missing, malformed or loosely-permissioned key file, missing API key).
    case configError = 78

    /// One line for the help and README tables.
    public var summary: String {
        switch self {
        case .ok: "success (verify: intact; switch: switched)"
        case .tampered: "verify: tampering found (altered, inserted, removed or reordered entries)"
        case .rejected: "switch: the service rejected the switch (documented error)"
        case .serviceFailed: "switch: the service failed or was unreachable (no usable answer)"
        case .preflightRefused: "switch: pre-flight refused (retrain job not finished)"
        case .ledgerUnsafe:
            "write refused: an entry written since this installation last verified the ledger does not verify, or it no longer matches the last checkpoint"
        case .refused:
            "switch, rollback, approve, decline, review: refused by the approval policy or the ledger's history (the message says what is missing); nothing written or sent"
        case .usage: "usage error (bad flags or arguments)"
        case .tryLater: "resolve: the switch may still be in flight; try again after the time printed"
        case .software: "internal error (a bug)"
        case .ledgerError: "ledger database cannot be opened, read or written"
        case .configError: "configuration or key error (including the wrong key file)"
        }
    }

    /// The exit-code table for `--help`.
    public static var helpTable: String {
        allCases.map { code in
            let n = String(code.rawValue)
            return "  " + n + String(repeating: " ", count: max(1, 4 - n.count)) + code.summary
        }.joined(separator: "\n")
    }

    /// The exit code for a call that did not succeed.
    public init(failed outcome: CallOutcome) {
        self = outcome == .rejected ? .rejected : .serviceFailed
    }

    /// The service's HTTP status for a result with this exit code (contract D).
    ///
    /// Outcomes that are not HTTP errors (0, and 2–5: tampering found, switch rejected, service
    /// failed, pre-flight refused) are 200 with their document; the exit code travels in the
    /// `Ledger-Exit-Code` header. The others are errors: 64 → 400, 7 and 75 → 409, 6 and 74 → 503,
    /// 78 and 70 → 500.
    public var httpStatus: Int {
        switch self {
        case .ok, .tampered, .rejected, .serviceFailed, .preflightRefused: 200
        case .usage: 400
        case .refused, .tryLater: 409
        case .ledgerUnsafe, .ledgerError: 503
        case .configError, .software: 500
        }
    }

    /// The service's HTTP status for an error (not an outcome document) with this exit code: as
    /// ``httpStatus`` for the error codes; 2 → 422 (what was given or found does not verify), 3 and 4
    /// → 502 (the vendor's service said no or failed), 5 → 409, 0 → 500 (an error that says success
    /// is a bug).
    public var errorHTTPStatus: Int {
        switch self {
        case .ok: 500
        case .tampered: 422
        case .rejected, .serviceFailed: 502
        case .preflightRefused: 409
        default: httpStatus
        }
    }

    /// The word of the service's error body (`{"error": {"code": …}}`) for an error with this exit code.
    ///
    /// For the non-error outcomes (0, 2–5), which the service answers with their document, the word
    /// names the outcome (`ok`, `tampered`, `rejected`, `service_failed`, `preflight_refused`).
    public var errorCode: String {
        switch self {
        case .ok: "ok"
        case .tampered: "tampered"
        case .rejected: "rejected"
        case .serviceFailed: "service_failed"
        case .preflightRefused: "preflight_refused"
        case .ledgerUnsafe: "ledger_unsafe"
        case .refused: "refused"
        case .usage: "bad_request"
        case .tryLater: "try_later"
        case .software: "internal"
        case .ledgerError: "ledger_error"
        case .configError: "config_error"
        }
    }
}
