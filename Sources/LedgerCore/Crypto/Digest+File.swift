import CLedgerCrypto
import Foundation

// Hashing a file stays in LedgerCore: its errors are `LedgerError`s (the path and the reason).
extension Digest {
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
}
