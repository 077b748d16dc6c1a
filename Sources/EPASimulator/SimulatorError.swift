import Foundation

/// Everything that can go wrong while loading a fixture or starting the simulator.
public enum SimulatorError: LocalizedError, Equatable, Sendable {
    /// The fixture file could not be read at all.
    case fixtureUnreadable(path: String, reason: String)
    /// The fixture is not valid JSON, has a field of the wrong type, an unknown field, or fails validation.
    case fixtureInvalid(String)
    /// The requested bind host is not a loopback address.
    case nonLoopbackHost(String)
    /// The port is outside 0...65535.
    case invalidPort(Int)
    /// The HTTP server could not start (for example: the port is in use).
    case serverFailedToStart(String)
    /// The request-log file could not be opened for appending.
    case requestLogUnwritable(path: String, reason: String)

    /// A one-line, human-readable description.
    public var errorDescription: String? {
        switch self {
        case .fixtureUnreadable(let path, let reason):
            return "cannot read fixture \(path): \(reason)"
        case .fixtureInvalid(let detail):
            return "invalid fixture: \(detail)"
        case .nonLoopbackHost(let host):
            return "refusing to bind \(host): the simulator only listens on loopback (127.0.0.0/8, ::1, localhost)"
        case .invalidPort(let port):
            return "invalid port \(port): expected 0...65535"
        case .serverFailedToStart(let reason):
            return "simulator failed to start: \(reason)"
        case .requestLogUnwritable(let path, let reason):
            return "cannot open request log \(path): \(reason)"
        }
    }
}
