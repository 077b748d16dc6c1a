import Foundation
import LedgerCore

/// A bearer token of the ledger service: `mlt_` followed by 64 lowercase hex digits (32 random bytes).
///
/// Only its SHA-256 is stored (in the users file) and only its id (the first 16 hex digits of that
/// SHA-256) is ever written to the ledger or a log. Comparison of hashes is in constant time.
public enum UserToken {
    /// The prefix of every token.
    public static let prefix = "mlt_"
    /// The number of hex digits after the prefix.
    public static let hexDigits = 64

    /// A new token from the system's secure random generator.
    public static func issue() throws -> String {
        var bytes = try Digest.randomBytes(hexDigits / 2)
        defer { Digest.wipe(&bytes) }
        return prefix + Hex.encode(bytes)
    }

    /// True when `text` has the shape of a token (prefix and 64 lowercase hex digits).
    public static func isWellFormed(_ text: String) -> Bool {
        text.hasPrefix(prefix) && Hex.isLowercaseHex(text.dropFirst(prefix.count), count: hexDigits)
    }

    /// The lowercase-hex SHA-256 of the token's UTF-8 bytes (what the users file stores).
    public static func sha256(_ token: String) throws -> String {
        try Digest.sha256Hex(token)
    }

    /// The token id of a token's SHA-256 (hex): its first 16 hex digits.
    public static func id(sha256: String) -> String {
        String(sha256.prefix(16))
    }

    /// Compares two byte strings in time that depends only on their lengths.
    public static func constantTimeEqual(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }
}
