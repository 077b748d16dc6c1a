import Foundation
import LedgerPrimitives

/// How an API call ended: the one outcome type, shared with the ledger (`LedgerPrimitives.Outcome`).
public typealias CallOutcome = Outcome

/// The record of one HTTP call: what was asked, what came back, and how it was judged.
///
/// A record never holds the API key: ``url`` carries no secret (for uploads the presigned
/// query string is replaced by `?REDACTED`), and a key of 8 or more characters echoed by
/// the service is replaced by `[REDACTED]` in ``responseBody``.
public struct EPACall<Response: Sendable>: Sendable {
    /// HTTP method, e.g. `"PUT"`.
    public var method: String
    /// The full request URL, without secrets.
    public var url: String
    /// Identifier of the API key used (``EPAClient/apiKeyID(_:)``); nil for uploads.
    public var apiKeyID: String?
    /// When the call started.
    public var startedAt: Date
    /// HTTP status of the answer; nil when no HTTP response arrived.
    public var httpStatus: Int?
    /// The response body as received, decoded as UTF-8 leniently (invalid bytes become U+FFFD),
    /// cut to ``EPAConfiguration/responseBodyCap`` bytes; nil when no HTTP response arrived.
    public var responseBody: String?
    /// Whether ``responseBody`` was cut at the cap.
    public var responseBodyTruncated: Bool
    /// Wall-clock duration of the call in milliseconds.
    public var durationMs: Int64
    /// How the call ended.
    public var outcome: CallOutcome
    /// The decoded answer when ``outcome`` is ``CallOutcome/succeeded``.
    public var response: Response?
    /// Why the call did not succeed; nil on success.
    public var error: EPAError?

    /// Creates a record (normally made by ``EPAClient``).
    public init(
        method: String, url: String, apiKeyID: String?, startedAt: Date, httpStatus: Int?, responseBody: String?,
        responseBodyTruncated: Bool, durationMs: Int64, outcome: CallOutcome, response: Response?, error: EPAError?
    ) {
        self.method = method
        self.url = url
        self.apiKeyID = apiKeyID
        self.startedAt = startedAt
        self.httpStatus = httpStatus
        self.responseBody = responseBody
        self.responseBodyTruncated = responseBodyTruncated
        self.durationMs = durationMs
        self.outcome = outcome
        self.response = response
        self.error = error
    }

    /// Whether the call succeeded.
    public var succeeded: Bool { outcome == .succeeded }
}

extension EPACall: Equatable where Response: Equatable {}

/// The Retrain Model Switch API's answer.
public struct SwitchResponse: Sendable, Equatable, Hashable {
    /// `metadata.retrain_job_id`, which equals the requested id.
    public var retrainJobID: String
    /// Creates a response.
    public init(retrainJobID: String) { self.retrainJobID = retrainJobID }
}

/// The Retrain Status Check API's answer.
public struct StatusResponse: Sendable, Equatable, Hashable {
    /// `status`, an opaque string (the simulator uses `running`, `finished`, `failed`).
    public var status: String
    /// `model_id`, when present.
    public var modelID: Int64?
    /// `message`, when present.
    public var message: String?
    /// `download_url` of the results file, when present.
    public var downloadURL: String?
    /// `metadata.retrain_job_id`, which equals the requested id.
    public var retrainJobID: String
    /// Creates a response.
    public init(status: String, modelID: Int64?, message: String?, downloadURL: String?, retrainJobID: String) {
        self.status = status
        self.modelID = modelID
        self.message = message
        self.downloadURL = downloadURL
        self.retrainJobID = retrainJobID
    }
}

/// The Retrain Data Upload API's answer.
public struct UploadURLResponse: Sendable, Equatable, Hashable {
    /// `retrain_job_id`, issued here; it passed ``RetrainJobID/validate(_:)``.
    public var retrainJobID: String
    /// `upload_url`, where the training data is to be `PUT`.
    public var uploadURL: String
    /// Creates a response.
    public init(retrainJobID: String, uploadURL: String) {
        self.retrainJobID = retrainJobID
        self.uploadURL = uploadURL
    }
}

/// The answer to a file upload (its body is not interpreted).
public struct UploadResponse: Sendable, Equatable, Hashable {
    /// The `ETag` response header, when present.
    public var etag: String?
    /// Creates a response.
    public init(etag: String?) { self.etag = etag }
}
