import CLedgerCrypto

/// An HMAC-SHA256 context keyed once and reused for many messages (OpenSSL `EVP_MAC`).
///
/// Not thread-safe: give each thread its own instance.
public final class HMACSHA256 {
    private let context: OpaquePointer

    /// Creates a context for `key`.
    public init(key: [UInt8]) throws {
        guard let context = key.withUnsafeBufferPointer({ mlc_hmac_new($0.baseAddress, $0.count) }) else {
            throw CryptoError.openSSL(operation: "HMAC-SHA256 key setup", detail: CryptoError.lastOpenSSLError())
        }
        self.context = context
    }

    deinit { mlc_hmac_free(context) }

    /// Computes the 32-byte HMAC of `message` into `output`.
    @inline(__always)
    public func authenticate(_ message: UnsafeRawBufferPointer, into output: UnsafeMutablePointer<UInt8>) throws {
        let ok = mlc_hmac_compute(context, message.baseAddress?.assumingMemoryBound(to: UInt8.self), message.count, output)
        guard ok == 1 else {
            throw CryptoError.openSSL(operation: "HMAC-SHA256", detail: CryptoError.lastOpenSSLError())
        }
    }

    /// Returns the 32-byte HMAC of `message`.
    public func authenticate(_ message: [UInt8]) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        try message.withUnsafeBytes { (raw) throws in
            try out.withUnsafeMutableBufferPointer { (dst) throws in
                guard let base = dst.baseAddress else { throw CryptoError.openSSL(operation: "HMAC-SHA256", detail: "no output buffer") }
                try authenticate(raw, into: base)
            }
        }
        return out
    }

    /// Returns the lowercase-hex HMAC of `message`.
    public func authenticateHex(_ message: [UInt8]) throws -> String {
        Hex.encode(try authenticate(message))
    }
}
