/// How a call to the service ended, as the client judged it and as a completion entry records it
/// (`outcome` column). An open set: a ledger may hold a value this version does not define (it
/// round-trips unchanged; reports count it as failed, there was no usable answer).
public struct Outcome: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    /// The stored text.
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    /// The service answered with the documented success shape.
    public static let succeeded = Outcome(rawValue: "succeeded")
    /// The service answered with a refusal: a documented 400-class error (also inside a 2xx body) or
    /// another 4xx, except 408 and 429, which are failures.
    public static let rejected = Outcome(rawValue: "rejected")
    /// No usable answer: timeout, connection refused or dropped, 5xx, 408/429, malformed 2xx body,
    /// a 2xx carrying an undocumented error body, or a 2xx about a different retrain job. The
    /// request's effect is unknown.
    public static let failed = Outcome(rawValue: "failed")

    /// The outcomes this version writes, in this order.
    public static let known: [Outcome] = [.succeeded, .rejected, .failed]

    /// The known outcome spelled `text`, nil for anything else (for parsing user input).
    public init?(known text: String) {
        guard let match = Outcome.known.first(where: { $0.rawValue == text }) else { return nil }
        self = match
    }

    public var description: String { rawValue }
}
