import Foundation

/// Everything that can go wrong when talking to the Easy Predictive Analytics retrain API.
///
/// The documented cases mirror the manual's error table. All documented 400-class
/// errors share the code `4001000204`, so a response is matched to a documented case
/// by its `message` (case-insensitively, ignoring surrounding whitespace and one
/// trailing period). For documented cases ``serviceMessage`` is the manual's text; the
/// raw HTTP status and body are always kept in the ``EPACall`` record.
///
/// No case ever carries the API key.
public enum EPAError: Error, LocalizedError, Sendable, Equatable, Hashable {
    // MARK: Documented service errors

    /// `invalid_api_key.` — the API key does not exist.
    case invalidAPIKey
    /// `Inactive_credential.` — the API key is incorrect (inactive).
    case inactiveCredential
    /// `Not_found_credential.` — the API key is incorrect.
    case credentialNotFound
    /// `Not found retrain job.` — the retrain_job_id is incorrect.
    case retrainJobNotFound
    /// `Not found classifier.` — the model API may have been deleted.
    case classifierNotFound
    /// `Retrain job is not finished.` — retraining is not complete.
    case retrainJobNotFinished
    /// `This user may be deleted.` — user information may have been deleted.
    case userMayBeDeleted
    /// `This model may be deleted.` — the model may have been deleted.
    case modelMayBeDeleted
    /// `This job may be deleted.` — the job may have been deleted.
    case jobMayBeDeleted
    /// `Not found configuration_file.` (code 5001000201) — the configuration file may have been deleted.
    case configurationFileNotFound

    // MARK: Other answers from the service

    /// A non-2xx, non-5xx answer that matches no documented error (401 and 403 from a gateway included), or a
    /// 2xx carrying an error body with the bad-request code 4001000204; fields are as received (nil when absent).
    case undocumented(httpStatus: Int, code: String?, error: String?, message: String?)
    /// A 5xx answer that matches no documented error, a 408 or 429 (the request was not taken up), or a 2xx
    /// that carries an error body without the documented bad-request code; fields are as received (nil when absent).
    case serverError(httpStatus: Int, code: String?, error: String?, message: String?)
    /// A 2xx answer whose body is not the documented JSON shape.
    case malformedResponse(reason: String)
    /// A 2xx answer about a different retrain job than the one requested.
    case jobIDMismatch(expected: String, received: String?)

    // MARK: No usable answer

    /// No complete answer within the configured time.
    case timeout(seconds: Double)
    /// The connection could not be made, or broke before a complete answer.
    case connectionFailed(reason: String)
    /// The calling task was cancelled before an answer arrived.
    case cancelled

    // MARK: Caller mistakes (thrown before any network I/O)

    /// The retrain job id is not a safe URL path segment.
    case invalidRetrainJobID(reason: String)
    /// The base URL uses plain `http` for a host that is not loopback.
    case insecureBaseURL(url: String)
    /// The base URL cannot be used.
    case invalidBaseURL(reason: String)
    /// The upload URL cannot be used (bad syntax, or plain `http` to a non-loopback host).
    case invalidUploadURL(reason: String)
    /// The API key cannot be sent as a header value (the key itself is never shown).
    case malformedAPIKey(reason: String)
    /// The file name for the upload URL request is not acceptable.
    case invalidFilename(reason: String)
    /// The file to upload cannot be read.
    case fileUnreadable(path: String, reason: String)
    /// A configuration value (timeout, cap) is out of range.
    case invalidConfiguration(reason: String)

    /// The code shared by every documented 400-class error.
    public static let badRequestCode = "4001000204"
    /// The code of the documented `Not found configuration_file.` error.
    public static let internalServerErrorCode = "5001000201"

    /// Every documented service error, in the manual's order.
    public static let documentedErrors: [EPAError] = [
        .invalidAPIKey, .inactiveCredential, .credentialNotFound, .retrainJobNotFound,
        .classifierNotFound, .retrainJobNotFinished, .userMayBeDeleted, .modelMayBeDeleted,
        .jobMayBeDeleted, .configurationFileNotFound,
    ]

    /// The service's error code (e.g. `"4001000204"`), when the service gave or documents one.
    public var code: String? {
        switch self {
        case .invalidAPIKey, .inactiveCredential, .credentialNotFound, .retrainJobNotFound,
            .classifierNotFound, .retrainJobNotFinished, .userMayBeDeleted, .modelMayBeDeleted,
            .jobMayBeDeleted:
            Self.badRequestCode
        case .configurationFileNotFound:
            Self.internalServerErrorCode
        case .undocumented(_, let code, _, _), .serverError(_, let code, _, _):
            code
        default:
            nil
        }
    }

    /// The service's `error` name (e.g. `"PREDA_EXTERNAL_BAD_REQUEST"`), when known.
    public var serviceErrorName: String? {
        switch self {
        case .configurationFileNotFound: "PREDA_EXTERNAL_INTERNAL_SERVER_ERROR"
        case .undocumented(_, _, let name, _), .serverError(_, _, let name, _): name
        default: isDocumented ? "PREDA_EXTERNAL_BAD_REQUEST" : nil
        }
    }

    /// The service's message: the manual's text for documented errors, as received for others.
    public var serviceMessage: String? {
        switch self {
        case .invalidAPIKey: "invalid_api_key."
        case .inactiveCredential: "Inactive_credential."
        case .credentialNotFound: "Not_found_credential."
        case .retrainJobNotFound: "Not found retrain job."
        case .classifierNotFound: "Not found classifier."
        case .retrainJobNotFinished: "Retrain job is not finished."
        case .userMayBeDeleted: "This user may be deleted."
        case .modelMayBeDeleted: "This model may be deleted."
        case .jobMayBeDeleted: "This job may be deleted."
        case .configurationFileNotFound: "Not found configuration_file."
        case .undocumented(_, _, _, let message), .serverError(_, _, _, let message): message
        default: nil
        }
    }

    /// Whether this is one of the errors listed in the manual.
    public var isDocumented: Bool { Self.documentedErrors.contains(self) }

    /// Whether the error means the service itself failed (5xx-class), not that it refused the request.
    public var isServerSide: Bool {
        switch self {
        case .configurationFileNotFound, .serverError: true
        default: false
        }
    }

    /// The documented error whose message matches `message` (case-insensitive, trailing period and
    /// surrounding whitespace ignored), or nil.
    public static func documented(matchingMessage message: String) -> EPAError? {
        let key = normalizedMessage(message)
        guard !key.isEmpty else { return nil }
        return documentedErrors.first { error in
            error.serviceMessage.map(normalizedMessage) == key
        }
    }

    static func normalizedMessage(_ message: String) -> String {
        var text = message.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasSuffix(".") { text.removeLast() }
        return text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    /// A user-facing explanation: the manual's reason and what to do about it.
    public var errorDescription: String? {
        switch self {
        case .invalidAPIKey:
            "invalid_api_key.: the API key does not exist — check that you are using the key issued for this published model"
        case .inactiveCredential:
            "Inactive_credential.: the API key is incorrect (inactive) — check the key, or issue a new one for this model"
        case .credentialNotFound:
            "Not_found_credential.: the API key is incorrect — check the key issued for this model"
        case .retrainJobNotFound:
            "Not found retrain job.: retrain_job_id is incorrect — check the id returned by the upload step"
        case .classifierNotFound:
            "Not found classifier.: the model API may have been deleted — check that the model is still published"
        case .retrainJobNotFinished:
            "Retrain job is not finished.: retraining is not complete — check the job's status and switch once it has finished"
        case .userMayBeDeleted:
            "This user may be deleted.: user information may have been deleted — check the account in the Easy Predictive Analytics console"
        case .modelMayBeDeleted:
            "This model may be deleted.: the model may have been deleted — check that the model still exists"
        case .jobMayBeDeleted:
            "This job may be deleted.: the retrain job may have been deleted — start a new retrain job with a fresh upload"
        case .configurationFileNotFound:
            "Not found configuration_file. (5001000201): the configuration file may have been deleted on the service side — contact the service's support"
        case .undocumented(let status, let code, let name, let message) where status == 401 || status == 403:
            "the service (or a gateway in front of it) refused the request with HTTP \(status)\(Self.detail(code: code, name: name, message: message)), which the manual does not document — check the API key and the base URL, and see the recorded response body"
        case .undocumented(let status, let code, let name, let message):
            "the service refused the request with HTTP \(status)\(Self.detail(code: code, name: name, message: message)), which the manual does not document — see the recorded response body"
        case .serverError(let status, let code, let name, let message) where (200..<300).contains(status):
            "the service answered HTTP \(status) with an error body\(Self.detail(code: code, name: name, message: message)) — the outcome of the request is unknown; check before repeating it"
        case .serverError(let status, let code, let name, let message):
            "the service failed with HTTP \(status)\(Self.detail(code: code, name: name, message: message)) — try again later; the outcome of the request is unknown"
        case .malformedResponse(let reason):
            "the service's answer could not be understood: \(reason)"
        case .jobIDMismatch(let expected, let received):
            "the service answered about retrain job \(received.map { "\"\(Self.displayEscaped($0))\"" } ?? "(none)") instead of \"\(Self.displayEscaped(expected))\" — treat the outcome as unknown and check the job's status"
        case .timeout(let seconds):
            "no complete answer within \(Self.formatSeconds(seconds)) — the outcome of the request is unknown; check before repeating it"
        case .connectionFailed(let reason):
            "the connection failed: \(reason)"
        case .cancelled:
            "the request was cancelled before an answer arrived — its outcome is unknown"
        case .invalidRetrainJobID(let reason):
            "invalid retrain job id: \(reason)"
        case .insecureBaseURL(let url):
            "refusing base URL \"\(Self.displayEscaped(url))\": plain http is only allowed for loopback hosts (127.0.0.0/8, ::1, localhost); use https"
        case .invalidBaseURL(let reason):
            "invalid base URL: \(reason)"
        case .invalidUploadURL(let reason):
            "invalid upload URL: \(reason)"
        case .malformedAPIKey(let reason):
            "unusable API key: \(reason)"
        case .invalidFilename(let reason):
            "invalid upload file name: \(reason)"
        case .fileUnreadable(let path, let reason):
            "cannot read \"\(Self.displayEscaped(path))\": \(reason)"
        case .invalidConfiguration(let reason):
            "invalid client configuration: \(reason)"
        }
    }

    private static func detail(code: String?, name: String?, message: String?) -> String {
        let parts = [code, name, message.map { "\"\($0)\"" }].compactMap { $0 }.map { displayEscaped($0) }
        return parts.isEmpty ? "" : " (" + parts.joined(separator: " ") + ")"
    }

    static func formatSeconds(_ seconds: Double) -> String {
        seconds == seconds.rounded() && abs(seconds) < 1e15 ? "\(Int64(seconds)) s" : "\(seconds) s"
    }

    /// `text` made safe to show: characters outside printable ASCII become `\u{…}` escapes,
    /// and text longer than `limit` characters is cut with `…`.
    public static func displayEscaped(_ text: String, limit: Int = 200) -> String {
        var out = ""
        var count = 0
        for scalar in text.unicodeScalars {
            if count >= limit {
                out += "…"
                break
            }
            if scalar.value >= 0x20 && scalar.value < 0x7F {
                if scalar == "\\" { out += "\\\\" } else { out.unicodeScalars.append(scalar) }
            } else {
                out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            }
            count += 1
        }
        return out
    }
}
