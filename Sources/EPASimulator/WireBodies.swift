import Foundation

/// The documented error messages, spelled exactly as in the manual.
enum EPAMessage: String, Sendable {
    case invalidAPIKey = "invalid_api_key."
    case inactiveCredential = "Inactive_credential."
    case notFoundCredential = "Not_found_credential."
    case notFoundRetrainJob = "Not found retrain job."
    case notFoundClassifier = "Not found classifier."
    case jobNotFinished = "Retrain job is not finished."
    case userDeleted = "This user may be deleted."
    case modelDeleted = "This model may be deleted."
    case jobDeleted = "This job may be deleted."
    case configurationFileMissing = "Not found configuration_file."
    /// Simulator-specific (not in the manual): upload_url without `filename`.
    case filenameRequired = "filename is required."
    /// Simulator-specific (not in the manual): the message of an injected `http_500` fault.
    case internalServerError = "Internal server error."
}

/// `{"code": ..., "error": ..., "message": ...}`
struct ErrorBody: Codable, Sendable, Equatable {
    static let badRequestCode = 4_001_000_204
    static let badRequestError = "PREDA_EXTERNAL_BAD_REQUEST"
    static let internalCode = 5_001_000_201
    static let internalError = "PREDA_EXTERNAL_INTERNAL_SERVER_ERROR"

    var code: Int
    var error: String
    var message: String
}

/// `{"retrain_job_id": ...}`
struct JobMetadata: Codable, Sendable, Equatable {
    var retrainJobID: String

    enum CodingKeys: String, CodingKey {
        case retrainJobID = "retrain_job_id"
    }
}

/// Answer of `GET /retrain_jobs/upload_url`.
struct UploadURLBody: Codable, Sendable, Equatable {
    var retrainJobID: String
    var uploadURL: String

    enum CodingKeys: String, CodingKey {
        case retrainJobID = "retrain_job_id"
        case uploadURL = "upload_url"
    }
}

/// Answer of `GET /retrain_jobs/{id}`; absent optionals are omitted.
struct StatusBody: Codable, Sendable, Equatable {
    var status: String
    var modelID: Int?
    var message: String?
    var downloadURL: String?
    var metadata: JobMetadata

    enum CodingKeys: String, CodingKey {
        case status
        case modelID = "model_id"
        case message
        case downloadURL = "download_url"
        case metadata
    }
}

/// Answer of `PUT /retrain_jobs/{id}/update_model`.
struct SwitchBody: Codable, Sendable, Equatable {
    var metadata: JobMetadata
}

/// What the HTTP layer should send back.
enum Reply: Sendable, Equatable {
    /// A JSON body with this status.
    case json(status: Int, body: Data)
    /// A non-JSON body.
    case text(status: Int, contentType: String, body: String)
    /// Any status with raw bytes and, when not nil, this content type (a gateway's answer).
    case raw(status: Int, contentType: String?, body: Data)
    /// Close the connection without answering.
    case drop

    static func encoded(_ value: some Encodable, status: Int = 200) -> Reply {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding these plain structs cannot fail; fall back to an empty object just in case.
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return .json(status: status, body: data)
    }

    static func badRequest(_ message: EPAMessage) -> Reply {
        encoded(
            ErrorBody(code: ErrorBody.badRequestCode, error: ErrorBody.badRequestError, message: message.rawValue),
            status: 400)
    }

    static func internalError(_ message: EPAMessage) -> Reply {
        encoded(
            ErrorBody(code: ErrorBody.internalCode, error: ErrorBody.internalError, message: message.rawValue),
            status: 500)
    }

    /// What a gateway in front of the service answers: `status` with a body of the kind asked for.
    static func gateway(
        status: Int, body: SimulatorFixture.GatewayBody, contentType: String?, message: String?
    ) -> Reply {
        let phrase = reasonPhrase(status)
        let bytes: Data
        let ownType: String?
        switch body {
        case .html:
            bytes = Data(
                """
                <html>\r
                <head><title>\(status) \(phrase)</title></head>\r
                <body>\r
                <center><h1>\(status) \(phrase)</h1></center>\r
                <hr><center>gateway</center>\r
                </body>\r
                </html>\r

                """.utf8)
            ownType = "text/html; charset=utf-8"
        case .messageJSON:
            bytes = encodedData(["message": message ?? phrase])
            ownType = "application/json"
        case .errorJSON:
            let server = status >= 500
            bytes = encodedData(
                ErrorBody(
                    code: server ? ErrorBody.internalCode : ErrorBody.badRequestCode,
                    error: server ? ErrorBody.internalError : ErrorBody.badRequestError,
                    message: message ?? "Request could not be processed."))
            ownType = "application/json"
        case .empty:
            bytes = Data()
            ownType = nil
        }
        return .raw(status: status, contentType: contentType ?? ownType, body: bytes)
    }

    /// The standard reason phrase of the statuses a gateway commonly sends (`Error` for others).
    static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 408: "Request Timeout"
        case 413: "Payload Too Large"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        default: "Error"
        }
    }

    private static func encodedData(_ value: some Encodable) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)) ?? Data("{}".utf8)
    }

    static let nonJSON = Reply.text(
        status: 200, contentType: "text/html; charset=utf-8",
        body: "<html><body><h1>200 OK</h1><p>Service temporarily degraded.</p></body></html>\n")
}

/// A reply plus how long to hold it back.
struct Outcome: Sendable {
    var delay: Duration = .zero
    var reply: Reply

    init(_ reply: Reply, delay: Duration = .zero) {
        self.reply = reply
        self.delay = delay
    }
}
