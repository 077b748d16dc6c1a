import Foundation
import LedgerCore
import LedgerWorkflows

/// An error raised by a front end itself (a command, a route), with the message to show and the
/// exit code it means. The CLI knows it as `CLIError`.
public struct CommandError: Error, LocalizedError, Sendable {
    /// The one-line message (raw: the CLI escapes it on stderr, JSON escapes it in a body).
    public let message: String
    /// The exit code it means.
    public let exitCode: LedgerExitCode

    /// An error saying `message`, meaning `exitCode`.
    public init(message: String, exitCode: LedgerExitCode) {
        self.message = message
        self.exitCode = exitCode
    }

    public var errorDescription: String? { message }
}

/// How an error is shown: the one rule every front end uses (the CLI's exit code and `error:` line,
/// the service's HTTP status and error body).
///
/// ``classify(_:)`` carries the CLI's rules: `LedgerError` → 6 (tail or entry does not verify, checkpoint
/// mismatch), 64 (nothing to verify), 78 (key and secret-file problems), 74 (the rest);
/// ``ApprovalRefusal`` → 7 with `refused: …`; ``CommandError`` → its own code; the transparency
/// errors as the transparency commands report them (`TransparencyError` → its code, `SignedNoteError`
/// → 2, `MerkleError` → 64); anything else → 70 with `unexpected error: …`.
public struct ErrorPresentation: Sendable, Equatable {
    /// The exit code of the CLI in local mode (and the service's `Ledger-Exit-Code` header).
    public var exitCode: LedgerExitCode
    /// The one-line message, raw (the CLI escapes it on stderr; JSON escaping neutralises it in a body).
    public var message: String
    /// The word of the error body: `bad_request`, `unauthorized`, `forbidden`, `not_found`,
    /// `payload_too_large`, `refused`, `try_later`, `ledger_unsafe`, `ledger_error`, `config_error`,
    /// `timeout`, `too_many_requests`, `internal` (contract D).
    public var code: String
    /// The service's HTTP status.
    public var httpStatus: Int

    /// A presentation with every part given.
    public init(exitCode: LedgerExitCode, message: String, code: String, httpStatus: Int) {
        self.exitCode = exitCode
        self.message = message
        self.code = code
        self.httpStatus = httpStatus
    }

    /// A presentation whose word and HTTP status follow from `exitCode` (``LedgerExitCode/errorCode``,
    /// ``LedgerExitCode/errorHTTPStatus``).
    public init(exitCode: LedgerExitCode, message: String) {
        self.init(exitCode: exitCode, message: message, code: exitCode.errorCode, httpStatus: exitCode.errorHTTPStatus)
    }

    /// The one mapping of an error to its exit code, message, word and HTTP status.
    ///
    /// ArgumentParser's own errors (exit codes, clean exits, validation errors) are the CLI's
    /// business and never reach here from it; anything unknown is an internal error (70).
    public static func classify(_ error: any Error) -> ErrorPresentation {
        switch error {
        case let error as ErrorPresentation:
            return error
        case let error as LedgerError:
            let message = error.localizedDescription
            switch error {
            case .tailDoesNotVerify, .entryDoesNotVerify, .checkpointMismatch: return ErrorPresentation(exitCode: .ledgerUnsafe, message: message)
            case .nothingToVerify: return ErrorPresentation(exitCode: .usage, message: message)
            case .noSuchEntry: return .notFound(message, exitCode: .ledgerError)
            case _ where error.isConfiguration: return ErrorPresentation(exitCode: .configError, message: message)
            default: return ErrorPresentation(exitCode: .ledgerError, message: message)
            }
        case let error as ApprovalRefusal:
            return ErrorPresentation(exitCode: .refused, message: "refused: " + error.missing.joined(separator: "; "))
        case let error as CommandError:
            return ErrorPresentation(exitCode: error.exitCode, message: error.message)
        case let error as TransparencyError:
            return ErrorPresentation(exitCode: error.exitCode, message: error.description)
        case let error as SignedNoteError:
            return ErrorPresentation(exitCode: .tampered, message: error.description)
        case let error as MerkleError:
            return ErrorPresentation(exitCode: .usage, message: error.description)
        default:
            return ErrorPresentation(exitCode: .software, message: "unexpected error: \(error.localizedDescription)")
        }
    }

    /// The error body of the service: `{"error": {"code", "message", "exit_code"}}`.
    public var document: JSONValue {
        .object([
            "error": .object([
                "code": .string(code), "message": .string(message), "exit_code": .integer(Int64(exitCode.rawValue)),
            ])
        ])
    }

    // MARK: Errors only the service raises (contract D)

    /// 401 `unauthorized`: no token, or one that is unknown, expired or revoked (exit 78: the token is configuration).
    public static func unauthorized(_ message: String) -> ErrorPresentation {
        ErrorPresentation(exitCode: .configError, message: message, code: "unauthorized", httpStatus: 401)
    }

    /// 403 `forbidden`: the caller's role lacks the right (exit 7: refused, nothing written or sent).
    public static func forbidden(_ message: String) -> ErrorPresentation {
        ErrorPresentation(exitCode: .refused, message: message, code: "forbidden", httpStatus: 403)
    }

    /// 404 `not_found` (exit 64 unless said otherwise: the request named something that is not there).
    public static func notFound(_ message: String, exitCode: LedgerExitCode = .usage) -> ErrorPresentation {
        ErrorPresentation(exitCode: exitCode, message: message, code: "not_found", httpStatus: 404)
    }

    /// 413 `payload_too_large` (exit 64).
    public static func payloadTooLarge(_ message: String) -> ErrorPresentation {
        ErrorPresentation(exitCode: .usage, message: message, code: "payload_too_large", httpStatus: 413)
    }

    /// 429 `too_many_requests`: too many switches of one model waiting (exit 75: try later).
    public static func tooManyRequests(_ message: String) -> ErrorPresentation {
        ErrorPresentation(exitCode: .tryLater, message: message, code: "too_many_requests", httpStatus: 429)
    }

    /// 504 `timeout`: the per-call deadline passed (exit 75: try later; a switch may still complete).
    public static func timeout(_ message: String) -> ErrorPresentation {
        ErrorPresentation(exitCode: .tryLater, message: message, code: "timeout", httpStatus: 504)
    }
}

extension ErrorPresentation: Error, LocalizedError {
    public var errorDescription: String? { message }
}
