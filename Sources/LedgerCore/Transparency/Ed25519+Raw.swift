import CLedgerCrypto

extension Ed25519 {
    /// The 32-byte raw public key of a PEM key (a PKCS#8 private key or a SubjectPublicKeyInfo public key).
    public static func rawPublicKey(pem: String) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        let bytes = Array(pem.utf8)
        let rc = bytes.withUnsafeBufferPointer { p in
            p.withMemoryRebound(to: CChar.self) { pc in
                out.withUnsafeMutableBufferPointer { mlc_ed25519_raw_public(pc.baseAddress, pc.count, $0.baseAddress) }
            }
        }
        guard rc == 1 else { throw CryptoError.unreadableKey("the Ed25519 key (PEM)") }
        return out
    }

    /// True when `signature` is a valid Ed25519 signature of `message` by the 32-byte raw public key.
    public static func verify(_ message: [UInt8], signature: [UInt8], rawPublicKey: [UInt8]) -> Bool {
        guard signature.count == 64, rawPublicKey.count == 32 else { return false }
        return rawPublicKey.withUnsafeBufferPointer { k in
            message.withUnsafeBufferPointer { m in
                signature.withUnsafeBufferPointer { s in
                    mlc_ed25519_verify_raw(k.baseAddress, m.baseAddress, m.count, s.baseAddress) == 1
                }
            }
        }
    }

    /// Signs `message` with a 32-byte raw private key (seed); returns the 64-byte signature.
    public static func sign(_ message: [UInt8], seed: [UInt8]) throws -> [UInt8] {
        guard seed.count == 32 else { throw CryptoError.unreadableKey("the Ed25519 seed (32 bytes)") }
        var signature = [UInt8](repeating: 0, count: 64)
        let ok = seed.withUnsafeBufferPointer { k in
            message.withUnsafeBufferPointer { m in
                signature.withUnsafeMutableBufferPointer { mlc_ed25519_sign_raw(k.baseAddress, m.baseAddress, m.count, $0.baseAddress) }
            }
        }
        guard ok == 1 else { throw CryptoError.openSSL(operation: "Ed25519 signing", detail: CryptoError.lastOpenSSLError()) }
        return signature
    }
}
