import Foundation

/// One request the simulator received. The value of `x-api-key` is never recorded, only its presence.
/// JSON form (request log lines and `GET /_simulator/requests`):
/// `{"method":"PUT","path":"/v1/external/retrain_jobs/x/update_model","query":null,"api_key_present":true,"status":200,"time":"2026-11-05T10:00:00.123Z"}`
public struct RecordedRequest: Codable, Sendable, Equatable {
    /// HTTP method, e.g. `PUT`.
    public var method: String
    /// Request path without the query string, as sent (not percent-decoded).
    public var path: String
    /// Raw query string without the leading `?`, or `nil` when the URL had none.
    public var query: String?
    /// Whether an `x-api-key` header was sent (its value is never stored).
    public var apiKeyPresent: Bool
    /// HTTP status answered; `0` when the connection was dropped without a response.
    public var status: Int
    /// Arrival time, ISO 8601 UTC with milliseconds.
    public var time: String

    /// Creates a record.
    public init(method: String, path: String, query: String?, apiKeyPresent: Bool, status: Int, time: String) {
        self.method = method
        self.path = path
        self.query = query
        self.apiKeyPresent = apiKeyPresent
        self.status = status
        self.time = time
    }

    enum CodingKeys: String, CodingKey {
        case method, path, query
        case apiKeyPresent = "api_key_present"
        case status, time
    }

    /// Encodes every field; `query` is written as `null` when absent.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(method, forKey: .method)
        try c.encode(path, forKey: .path)
        try c.encode(query, forKey: .query)
        try c.encode(apiKeyPresent, forKey: .apiKeyPresent)
        try c.encode(status, forKey: .status)
        try c.encode(time, forKey: .time)
    }

    /// The current time in the format of ``time``.
    static func now() -> String {
        Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
