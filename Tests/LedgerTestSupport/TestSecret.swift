/// A secret (an API key) passed as a test argument: test output shows its role, never its value.
public struct TestSecret: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// What the key is for, e.g. "inactive".
    public let role: String
    /// The key itself.
    public let value: String

    public init(_ role: String, _ value: String) {
        self.role = role
        self.value = value
    }

    public var description: String { "<\(role) API key>" }
    public var debugDescription: String { description }
}
