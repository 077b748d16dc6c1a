import Foundation

/// A C2SP note verifier key: an Ed25519 public key with its name, written as the vkey string
/// `<name>+<8 hex digits of key ID>+<base64(0x01 || 32-byte public key)>`.
public struct NoteVerifierKey: Sendable, Equatable {
    /// The key name (non-empty, no spaces, no `+`).
    public let name: String
    /// The 32-byte raw Ed25519 public key.
    public let publicKey: [UInt8]
    /// `SHA-256(name || 0x0A || 0x01 || publicKey)[:4]`.
    public let keyID: [UInt8]

    /// A key from its name and raw public key.
    public init(name: String, publicKey: [UInt8]) throws {
        guard NoteVerifierKey.isValidName(name) else { throw SignedNoteError.badKeyName(name) }
        guard publicKey.count == 32 else { throw SignedNoteError.malformedVerifierKey("the public key is not 32 bytes") }
        self.name = name
        self.publicKey = publicKey
        self.keyID = Array(MerkleHash.sha256(Array(name.utf8) + [0x0A, 0x01] + publicKey).prefix(4))
    }

    /// Parses a vkey string; the embedded key ID must match the one computed from name and key.
    public init(vkey: String) throws {
        let parts = vkey.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw SignedNoteError.malformedVerifierKey("expected <name>+<key id>+<base64 key>") }
        guard let id = Hex.decodeLowercase(parts[1].lowercased()), id.count == 4, parts[1].count == 8 else {
            throw SignedNoteError.malformedVerifierKey("the key id is not 8 hex digits")
        }
        guard let key = Data(base64Encoded: String(parts[2])).map(Array.init), key.count == 33, key[0] == 0x01 else {
            throw SignedNoteError.malformedVerifierKey("the key is not base64 of 0x01 followed by a 32-byte Ed25519 public key")
        }
        try self.init(name: String(parts[0]), publicKey: Array(key.dropFirst()))
        guard keyID == id else { throw SignedNoteError.malformedVerifierKey("the key id does not match the name and key") }
    }

    /// The key of a PEM Ed25519 key (public, or private: its public half) under `name`.
    public init(name: String, pem: String) throws {
        try self.init(name: name, publicKey: try Ed25519.rawPublicKey(pem: pem))
    }

    /// The vkey string.
    public var vkey: String {
        "\(name)+\(Hex.encode(keyID))+\(Data([0x01] + publicKey).base64EncodedString())"
    }

    /// Key names are non-empty and hold no Unicode space and no `+`.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && !name.unicodeScalars.contains { $0 == "+" || $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }
    }

    /// Reads a `--public-key` argument's file: a vkey string (one line) or a PEM public key
    /// (then named `name`, which defaults to the checkpoint's origin when the caller knows it).
    public static func load(text: String, defaultName: String) throws -> NoteVerifierKey {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("-----BEGIN") { return try NoteVerifierKey(name: defaultName, pem: trimmed + "\n") }
        return try NoteVerifierKey(vkey: trimmed)
    }
}

/// Why a note or key was refused.
public enum SignedNoteError: Error, Equatable, CustomStringConvertible {
    case badKeyName(String)
    case malformedVerifierKey(String)
    case malformedNote(String)
    case noTrustedSignature
    case badSignature(keyName: String)

    public var description: String {
        switch self {
        case .badKeyName(let name): "\(DisplayEscaping.quoted(name)) is not a valid key name (non-empty, no spaces, no '+')"
        case .malformedVerifierKey(let why): "not a C2SP verifier key: \(why)"
        case .malformedNote(let why): "not a C2SP signed note: \(why)"
        case .noTrustedSignature: "the note carries no signature by the trusted key"
        case .badSignature(let name): "the note's signature by \(name) does not verify: the note was altered"
        }
    }
}

/// Minimal quoting for values inside error messages (the CLI escapes control characters again).
enum DisplayEscaping {
    static func quoted(_ text: String) -> String { "\"\(text.prefix(80))\"" }
}

/// A C2SP signed note: text ending in a newline, a blank line, and signature lines
/// `— <key name> base64(4-byte key ID || signature)`.
public struct SignedNote: Sendable, Equatable {
    /// One signature line.
    public struct Signature: Sendable, Equatable {
        public var keyName: String
        public var keyID: [UInt8]
        public var signature: [UInt8]
    }

    /// The signed text, final newline included.
    public var text: String
    public var signatures: [Signature]

    /// At most this many signature lines are read (C2SP: at least 16 must be accepted).
    public static let maxSignatures = 64
    /// The largest note accepted, in bytes.
    public static let maxBytes = 1 << 20

    /// Signs `text` (which must end in a newline) with an Ed25519 private key.
    public static func sign(text: String, keyName: String, privateKeyPEM: String) throws -> SignedNote {
        try checkText(text)
        let key = try NoteVerifierKey(name: keyName, pem: privateKeyPEM)
        let signature = try Ed25519.sign(Array(text.utf8), privateKeyPEM: privateKeyPEM)
        return SignedNote(text: text, signatures: [Signature(keyName: keyName, keyID: key.keyID, signature: signature)])
    }

    /// The note as it is written: text, blank line, signature lines.
    public var serialized: String {
        text + "\n" + signatures.map { "— \($0.keyName) \(Data($0.keyID + $0.signature).base64EncodedString())\n" }.joined()
    }

    /// Parses a note (no signature is checked here: see `verify(with:)`).
    public init(parsing note: String) throws {
        guard note.utf8.count <= SignedNote.maxBytes else { throw SignedNoteError.malformedNote("larger than \(SignedNote.maxBytes) bytes") }
        guard note.hasSuffix("\n") else { throw SignedNoteError.malformedNote("it does not end with a newline") }
        guard let split = note.range(of: "\n\n", options: .backwards) else {
            throw SignedNoteError.malformedNote("no blank line separates the text from the signatures")
        }
        let text = String(note[..<note.index(after: split.lowerBound)])
        try SignedNote.checkText(note)
        var signatures: [Signature] = []
        for line in note[split.upperBound...].split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            guard line.hasPrefix("— ") else { throw SignedNoteError.malformedNote("a signature line does not start with an em dash and a space") }
            let rest = line.dropFirst(2)
            guard let space = rest.lastIndex(of: " ") else { throw SignedNoteError.malformedNote("a signature line has no signature") }
            let name = String(rest[..<space])
            guard NoteVerifierKey.isValidName(name) else { throw SignedNoteError.malformedNote("a signature line's key name is not valid") }
            guard let bytes = Data(base64Encoded: String(rest[rest.index(after: space)...])).map(Array.init), bytes.count > 4 else {
                throw SignedNoteError.malformedNote("a signature is not base64 of a key id and a signature")
            }
            signatures.append(Signature(keyName: name, keyID: Array(bytes.prefix(4)), signature: Array(bytes.dropFirst(4))))
            guard signatures.count <= SignedNote.maxSignatures else {
                throw SignedNoteError.malformedNote("more than \(SignedNote.maxSignatures) signatures")
            }
        }
        guard !signatures.isEmpty else { throw SignedNoteError.malformedNote("it has no signature line") }
        self.text = text
        self.signatures = signatures
    }

    private init(text: String, signatures: [Signature]) {
        self.text = text
        self.signatures = signatures
    }

    /// Checks the note against `key`: signatures by other keys are ignored; a signature by `key`
    /// that fails rejects the note; at least one must verify.
    public func verify(with key: NoteVerifierKey) throws {
        var verified = false
        for signature in signatures where signature.keyName == key.name && signature.keyID == key.keyID {
            guard Ed25519.verify(Array(text.utf8), signature: signature.signature, rawPublicKey: key.publicKey) else {
                throw SignedNoteError.badSignature(keyName: key.name)
            }
            verified = true
        }
        guard verified else { throw SignedNoteError.noTrustedSignature }
    }

    /// Notes are UTF-8 without ASCII control characters other than newline.
    static func checkText(_ text: String) throws {
        guard text.hasSuffix("\n") else { throw SignedNoteError.malformedNote("the text does not end with a newline") }
        if text.unicodeScalars.contains(where: { ($0.value < 0x20 && $0 != "\n") || $0.value == 0x7F }) {
            throw SignedNoteError.malformedNote("it contains control characters")
        }
    }
}
