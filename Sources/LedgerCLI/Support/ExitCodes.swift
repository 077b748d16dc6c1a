import ArgumentParser
import EPAClient
import Foundation
import LedgerCore
import LedgerWorkflows

/// Every exit code `ledger` uses. Documented in `ledger --help` and the README.
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
    static var helpTable: String {
        allCases.map { code in
            let n = String(code.rawValue)
            return "  " + n + String(repeating: " ", count: max(1, 4 - n.count)) + code.summary
        }.joined(separator: "\n")
    }
}

/// Runs a command body, turning errors into a one-line diagnostic on stderr and a documented exit code.
func runReportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ExitCode {
        throw error
    } catch let error as CleanExit {
        throw error
    } catch let error as ValidationError {
        throw error
    } catch let error as LedgerError {
        Console.error(error.localizedDescription)
        switch error {
        case .tailDoesNotVerify, .entryDoesNotVerify, .checkpointMismatch: throw ExitCode(LedgerExitCode.ledgerUnsafe.rawValue)
        case .nothingToVerify: throw ExitCode(LedgerExitCode.usage.rawValue)
        case _ where error.isConfiguration: throw ExitCode(LedgerExitCode.configError.rawValue)
        default: throw ExitCode(LedgerExitCode.ledgerError.rawValue)
        }
    } catch let error as ApprovalRefusal {
        Console.error("refused: " + error.missing.joined(separator: "; "))
        throw ExitCode(LedgerExitCode.refused.rawValue)
    } catch let error as CLIError {
        Console.error(error.localizedDescription)
        throw ExitCode(error.exitCode.rawValue)
    } catch {
        Console.error("unexpected error: \(error.localizedDescription)")
        throw ExitCode(LedgerExitCode.software.rawValue)
    }
}

/// Errors raised by the commands themselves.
struct CLIError: Error, LocalizedError {
    let message: String
    let exitCode: LedgerExitCode
    var errorDescription: String? { message }
}

extension LedgerExitCode {
    /// The exit code for a call that did not succeed.
    init(failed outcome: CallOutcome) {
        self = outcome == .rejected ? .rejected : .serviceFailed
    }
}
