import CLedgerCrypto
import Foundation

/// RFC 3161 time-stamps over a checkpoint note's body, through OpenSSL's TS API (libcrypto).
///
/// The ledger keeps the whole DER `TimeStampResp` beside the note (`<note>.tsr`), which
/// `openssl ts -verify -data <body> -in <note>.tsr -CAfile <tsa ca>` checks as well.
public enum TimeStampToken {
    /// A DER `TimeStampReq` over SHA-256 of `data`, with a fresh nonce and certReq set.
    public static func request(for data: [UInt8]) throws -> [UInt8] {
        let digest = MerkleHash.sha256(data)
        var der: UnsafeMutablePointer<UInt8>?
        var length = 0
        guard digest.withUnsafeBufferPointer({ mlc_ts_request($0.baseAddress, &der, &length) }) == 1, let der else {
            throw CryptoError.openSSL(operation: "building an RFC 3161 request", detail: CryptoError.lastOpenSSLError())
        }
        defer { mlc_free(der) }
        return Array(UnsafeBufferPointer(start: der, count: length))
    }

    /// What checking a response found.
    public struct Verification: Sendable, Equatable {
        /// True when the response is granted, signed by a TSA chaining to the CA file, and covers the data
        /// (and, with a request, echoes its nonce).
        public var isValid: Bool
        /// The token's genTime as RFC 3339 (`2026-11-29T12:00:00Z`), when it could be read.
        public var genTime: String?
        /// OpenSSL's reason, when not valid.
        public var failure: String?
    }

    /// Checks a DER `TimeStampResp` over `data` against the PEM CA certificates in `caFile`.
    public static func verify(response: [UInt8], over data: [UInt8], request: [UInt8]? = nil, caFile: String) -> Verification {
        let digest = MerkleHash.sha256(data)
        var genTime = [CChar](repeating: 0, count: 64)
        var error = [CChar](repeating: 0, count: 256)
        let request = request ?? []
        let ok = response.withUnsafeBufferPointer { r in
            request.withUnsafeBufferPointer { q in
                digest.withUnsafeBufferPointer { d in
                    mlc_ts_verify(r.baseAddress, r.count, q.baseAddress, q.count, d.baseAddress, caFile, &genTime, genTime.count, &error, error.count)
                }
            }
        }
        let time = String(decoding: genTime.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let reason = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return Verification(isValid: ok == 1, genTime: rfc3339(generalizedTime: time), failure: ok == 1 ? nil : (reason.isEmpty ? "does not verify" : reason))
    }

    /// `YYYYMMDDhhmmss[.fff]Z` → `YYYY-MM-DDThh:mm:ss[.fff]Z`; nil for anything else.
    static func rfc3339(generalizedTime text: String) -> String? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 15, bytes.last == UInt8(ascii: "Z"), bytes[0..<14].allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        let s = Array(text)
        let fraction = bytes.count > 15 ? String(s[14..<(s.count - 1)]) : ""
        guard fraction.isEmpty || (fraction.hasPrefix(".") && fraction.dropFirst().allSatisfy(\.isNumber) && fraction.count > 1) else { return nil }
        return "\(String(s[0..<4]))-\(String(s[4..<6]))-\(String(s[6..<8]))T\(String(s[8..<10])):\(String(s[10..<12])):\(String(s[12..<14]))\(fraction)Z"
    }
}
