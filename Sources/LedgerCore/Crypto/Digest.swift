import CLedgerCrypto
import Foundation

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

    /// Lowercase-hex SHA-256 and size of a file, read in 1 MiB chunks (constant memory).
    public static func sha256Hex(fileAt path: String) throws -> (hex: String, size: Int64) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw LedgerError.io(path: path, reason: "cannot open the file for reading")
        }
        defer { try? handle.close() }
        guard let context = mlc_sha256_new() else {
            throw CryptoError.openSSL(operation: "SHA-256", detail: CryptoError.lastOpenSSLError())
        }
        var size: Int64 = 0
        var finished = false
        defer { if !finished { var sink = [UInt8](repeating: 0, count: 32); _ = mlc_sha256_finish(context, &sink) } }
        while true {
            let chunk: Data
            do {
                chunk = try handle.read(upToCount: 1 << 20) ?? Data()
            } catch {
                throw LedgerError.io(path: path, reason: "cannot read the file: \(error.localizedDescription)")
            }
            if chunk.isEmpty { break }
            size += Int64(chunk.count)
            let ok = chunk.withUnsafeBytes { mlc_sha256_update(context, $0.baseAddress?.assumingMemoryBound(to: UInt8.self), $0.count) }
            guard ok == 1 else { throw CryptoError.openSSL(operation: "SHA-256", detail: CryptoError.lastOpenSSLError()) }
        }
        var out = [UInt8](repeating: 0, count: 32)
        finished = true
        guard mlc_sha256_finish(context, &out) == 1 else {
            throw CryptoError.openSSL(operation: "SHA-256", detail: CryptoError.lastOpenSSLError())
        }
        return (Hex.encode(out), size)
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
