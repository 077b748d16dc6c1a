import Foundation
import LedgerCore

/// A `--public-key` file: a C2SP vkey string (one line) or an Ed25519 public key PEM.
///
/// Both forms carry the same 32-byte key; a vkey also names the key (a note's signature lines
/// must use that name), a PEM takes the name of the note it checks (its origin).
public struct PublicKeyFile: Sendable {
    /// Where it was read.
    public let path: String
    /// The 32-byte raw Ed25519 public key.
    public let rawPublicKey: [UInt8]
    /// The verifier key, when the file held a vkey string.
    public let vkey: NoteVerifierKey?
    /// The PEM text, when the file held one (kept verbatim for JSON statements).
    private let pemText: String?

    /// The largest file accepted (a vkey is one short line, a PEM public key a few lines).
    public static let maxBytes = 16 * 1024

    /// Reads `path`: a vkey string or a PEM public key. A private key is refused (give its
    /// `.pub.pem`, or print its vkey with `ledger keys vkey`).
    public static func load(path: String) throws -> PublicKeyFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LedgerError.io(path: path, reason: "cannot read the public key")
        }
        guard data.count <= maxBytes else {
            throw TransparencyError.unreadablePublicKey(path: path, reason: "larger than \(maxBytes) bytes: not a vkey or a PEM public key")
        }
        let text = String(decoding: data, as: UTF8.self)
        if text.contains("PRIVATE KEY") {
            throw TransparencyError.unreadablePublicKey(path: path, reason: "it holds a private key; give the public key (NAME.pub.pem) or its vkey")
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        do {
            if trimmed.hasPrefix("-----BEGIN") {
                let raw = try Ed25519.rawPublicKey(pem: trimmed + "\n")
                return PublicKeyFile(path: path, rawPublicKey: raw, vkey: nil, pemText: text)
            }
            let key = try NoteVerifierKey(vkey: trimmed)
            return PublicKeyFile(path: path, rawPublicKey: key.publicKey, vkey: key, pemText: nil)
        } catch let error as SignedNoteError {
            throw TransparencyError.unreadablePublicKey(path: path, reason: "\(error.description) (expected a vkey string or an Ed25519 public key PEM)")
        } catch {
            throw TransparencyError.unreadablePublicKey(path: path, reason: "not a vkey string or an Ed25519 public key PEM")
        }
    }

    /// The verifier key for a note whose origin is `origin`: the vkey as given, or the PEM key
    /// named `origin` (this project's key name is the note's origin).
    public func noteKey(origin: String) throws -> NoteVerifierKey {
        if let vkey { return vkey }
        do {
            return try NoteVerifierKey(name: origin, publicKey: rawPublicKey)
        } catch {
            throw TransparencyError.unreadablePublicKey(path: path, reason: "the note's origin cannot be a key name: give a vkey string")
        }
    }

    /// The key as a SubjectPublicKeyInfo PEM (the file's own text when it was a PEM), for the JSON
    /// checkpoint statements' Ed25519 signatures.
    public var pem: String {
        if let pemText { return pemText }
        // SPKI DER of an Ed25519 key: a fixed 12-byte prefix, then the raw key (RFC 8410).
        let der: [UInt8] = [0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00] + rawPublicKey
        return "-----BEGIN PUBLIC KEY-----\n\(Data(der).base64EncodedString())\n-----END PUBLIC KEY-----\n"
    }
}

/// Why a transparency command (signed notes, the tree, time-stamps) could not do its work.
/// The CLI maps these to exit codes: ``isUsage`` → 64, ``isService`` → 4, the rest → 74.
public enum TransparencyError: Error, Equatable, CustomStringConvertible {
    /// A `--public-key` file is neither a vkey nor an Ed25519 public key PEM.
    case unreadablePublicKey(path: String, reason: String)
    /// A note file cannot be read as a C2SP signed note.
    case malformedNote(path: String, reason: String)
    /// The flags ask for something impossible (reason).
    case usage(String)
    /// The time-stamping authority failed or could not be reached.
    case timeStampAuthority(url: String, reason: String)
    /// The TSA answered with a token that does not verify against the CA file.
    case timeStampInvalid(reason: String)
    /// The tree could not be built or read (reason).
    case tree(String)

    public var description: String {
        switch self {
        case let .unreadablePublicKey(path, reason): "cannot use \(path) as a public key: \(reason)"
        case let .malformedNote(path, reason): "\(path): \(reason)"
        case let .usage(why): why
        case let .timeStampAuthority(url, reason): "the time-stamping authority \(url) failed: \(reason)"
        case let .timeStampInvalid(reason): "the time-stamp token does not verify: \(reason)"
        case let .tree(why): why
        }
    }

    /// A usage problem (exit 64).
    public var isUsage: Bool {
        switch self {
        case .usage: true
        default: false
        }
    }

    /// A key problem (exit 78).
    public var isConfiguration: Bool {
        switch self {
        case .unreadablePublicKey: true
        default: false
        }
    }

    /// A remote service problem (exit 4).
    public var isService: Bool {
        switch self {
        case .timeStampAuthority, .timeStampInvalid: true
        default: false
        }
    }
}
