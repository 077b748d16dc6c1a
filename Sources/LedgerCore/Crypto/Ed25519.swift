import CLedgerCrypto
import Foundation

/// Ed25519 signatures through OpenSSL's EVP_PKEY, for checkpoints an auditor can check
/// with only the public key.
public enum Ed25519 {
    /// A new key pair as PEM text: a PKCS#8 private key and a SubjectPublicKeyInfo public key.
    public static func generate() throws -> (privatePEM: String, publicPEM: String) {
        var priv: UnsafeMutablePointer<CChar>?
        var pub: UnsafeMutablePointer<CChar>?
        var privLen = 0, pubLen = 0
        guard mlc_ed25519_generate(&priv, &privLen, &pub, &pubLen) == 1, let priv, let pub else {
            throw CryptoError.openSSL(operation: "Ed25519 key generation", detail: CryptoError.lastOpenSSLError())
        }
        defer {
            mlc_cleanse(priv, privLen)
            mlc_free(priv)
            mlc_free(pub)
        }
        return (String(cString: priv), String(cString: pub))
    }

    /// Signs `message` with a PEM private key; returns the 64-byte signature.
    public static func sign(_ message: [UInt8], privateKeyPEM: String) throws -> [UInt8] {
        var signature = [UInt8](repeating: 0, count: 64)
        let pem = Array(privateKeyPEM.utf8)
        let ok = pem.withUnsafeBufferPointer { p in
            p.withMemoryRebound(to: CChar.self) { pc in
                message.withUnsafeBufferPointer { m in
                    signature.withUnsafeMutableBufferPointer { s in
                        mlc_ed25519_sign(pc.baseAddress, pc.count, m.baseAddress, m.count, s.baseAddress)
                    }
                }
            }
        }
        guard ok == 1 else { throw CryptoError.unreadableKey("the Ed25519 private key") }
        return signature
    }

    /// True when `signature` is a valid Ed25519 signature of `message` by the PEM public key.
    public static func verify(_ message: [UInt8], signature: [UInt8], publicKeyPEM: String) throws -> Bool {
        guard signature.count == 64 else { return false }
        let pem = Array(publicKeyPEM.utf8)
        let result = pem.withUnsafeBufferPointer { p in
            p.withMemoryRebound(to: CChar.self) { pc in
                message.withUnsafeBufferPointer { m in
                    signature.withUnsafeBufferPointer { s in
                        mlc_ed25519_verify(pc.baseAddress, pc.count, m.baseAddress, m.count, s.baseAddress)
                    }
                }
            }
        }
        guard result >= 0 else { throw CryptoError.unreadableKey("the Ed25519 public key") }
        return result == 1
    }
}
