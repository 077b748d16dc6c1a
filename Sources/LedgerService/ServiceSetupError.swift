import Foundation

/// Why `ledger serve` cannot start (nothing was served). Each case names its exit code.
public enum ServiceSetupError: Error, Sendable, Equatable, LocalizedError {
    /// Bad flags (exit 64).
    case usage(String)
    /// A file the service needs cannot be used: TLS, users, server config, API keys, signing key (exit 78).
    case configuration(String)
    /// The server could not listen (exit 69).
    case cannotListen(String)
    /// The ledger cannot be opened for writing (exit 6: it does not verify; 74: it cannot be read).
    case ledgerRefused(String, exitCode: Int32)

    /// The exit code of `ledger serve`.
    public var exitCode: Int32 {
        switch self {
        case .usage: 64
        case .configuration: 78
        case .cannotListen: 69
        case .ledgerRefused(_, let exitCode): exitCode
        }
    }

    public var errorDescription: String? {
        switch self {
        case .usage(let message), .configuration(let message), .cannotListen(let message), .ledgerRefused(let message, _): message
        }
    }
}
