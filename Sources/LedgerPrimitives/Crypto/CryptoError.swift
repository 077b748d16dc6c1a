import CLedgerCrypto
import Foundation

/// A failure inside OpenSSL libcrypto.
public enum CryptoError: Error, LocalizedError, Equatable {
    /// An OpenSSL call failed; `detail` is OpenSSL's own error string (never key material).
    case openSSL(operation: String, detail: String)
    /// A PEM key could not be read or is not an Ed25519 key.
    case unreadableKey(String)

    public var errorDescription: String? {
        switch self {
        case let .openSSL(operation, detail):
            return "OpenSSL \(operation) failed\(detail.isEmpty ? "" : ": \(detail)"). Check that libssl3 / libcrypto 3.x is installed."
        case let .unreadableKey(what):
            return "cannot read \(what): it is not an Ed25519 PEM key"
        }
    }

    /// The newest OpenSSL error string (empty when there is none); never key material.
    package static func lastOpenSSLError() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        buffer.withUnsafeMutableBufferPointer { mlc_last_error($0.baseAddress, $0.count) }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
