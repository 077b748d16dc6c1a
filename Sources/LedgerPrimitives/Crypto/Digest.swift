import CLedgerCrypto

/// SHA-256 and secure random bytes from OpenSSL libcrypto.
public enum Digest {
    /// SHA-256 of `bytes`.
    public static func sha256(_ bytes: some Collection<UInt8>) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        let input = Array(bytes)
        let ok = input.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                mlc_sha256(src.baseAddress, src.count, dst.baseAddress)
            }
        }
        guard ok == 1 else { throw CryptoError.openSSL(operation: "SHA-256", detail: CryptoError.lastOpenSSLError()) }
        return out
    }

    /// Lowercase-hex SHA-256 of `bytes`.
    public static func sha256Hex(_ bytes: some Collection<UInt8>) throws -> String {
        Hex.encode(try sha256(bytes))
    }

    /// Lowercase-hex SHA-256 of the UTF-8 bytes of `text`.
    public static func sha256Hex(_ text: String) throws -> String {
        try sha256Hex(Array(text.utf8))
    }

    /// `count` bytes from OpenSSL's cryptographically secure generator (`RAND_bytes`).
    public static func randomBytes(_ count: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        let ok = out.withUnsafeMutableBufferPointer { mlc_random_bytes($0.baseAddress, $0.count) }
        guard ok == 1 else { throw CryptoError.openSSL(operation: "RAND_bytes", detail: CryptoError.lastOpenSSLError()) }
        return out
    }

    /// Overwrites `bytes` with zeros in a way the optimiser keeps.
    public static func wipe(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { mlc_cleanse($0.baseAddress, $0.count) }
    }
}
