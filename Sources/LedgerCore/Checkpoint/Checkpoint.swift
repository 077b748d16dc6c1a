import Foundation

/// A statement of a ledger's head, meant to be kept outside the database (a ticket, an e-mail,
/// an object store): if the ledger is later cut short or rewritten, it no longer holds this
/// `(seq, mac)` and `ledger verify --checkpoint` fails.
///
/// File format (JSON):
///
///     {"checkpoint": {"format": "model-ledger-checkpoint/1", "ledger_id": …, "seq": …, "mac": …,
///                     "recorded_at": …, "key_id": …},
///      "hmac": "<hex HMAC-SHA256 of the canonical checkpoint object, with the key key_id>",
///      "ed25519": {"signature": "<base64>", "public_key_sha256": "<hex>"}}     (optional)
public struct Checkpoint: Sendable, Equatable {
    /// The format tag.
    public static let format = "model-ledger-checkpoint/1"

    public var ledgerID: String
    /// The certified entry (the `checkpoint` entry that the command wrote).
    public var seq: Int64
    public var mac: String
    public var recordedAt: String
    /// The ledger key that signed the entry and that authenticates this statement.
    public var keyID: String
    /// HMAC-SHA256 over `canonicalPayload` with the key `keyID`.
    public var hmac: String
    /// Optional Ed25519 signature (base64) over `canonicalPayload`.
    public var ed25519Signature: String?
    /// SHA-256 (hex) of the signer's public key PEM, to tell signers apart.
    public var ed25519PublicKeySHA256: String?

    /// The signed object.
    public var statement: JSONValue {
        [
            "format": .string(Checkpoint.format), "ledger_id": .string(ledgerID), "seq": .integer(seq),
            "mac": .string(mac), "recorded_at": .string(recordedAt), "key_id": .string(keyID),
        ]
    }

    /// The bytes that the HMAC and the signature cover: RFC 8785 canonical JSON of `statement`.
    public var canonicalPayload: [UInt8] { CanonicalJSON.encode(statement) }

    /// The whole file as JSON.
    public var jsonValue: JSONValue {
        var object: [String: JSONValue] = ["checkpoint": statement, "hmac": .string(hmac)]
        if let ed25519Signature {
            var signer: [String: JSONValue] = ["signature": .string(ed25519Signature)]
            if let ed25519PublicKeySHA256 { signer["public_key_sha256"] = .string(ed25519PublicKeySHA256) }
            object["ed25519"] = .object(signer)
        }
        return .object(object)
    }

    /// Builds and authenticates a statement for `entry`.
    public init(entry: LedgerEntry, keyRing: KeyRing, signingKeyPEM: String? = nil, publicKeyPEM: String? = nil) throws {
        ledgerID = entry.ledgerID
        seq = entry.seq
        mac = entry.mac
        recordedAt = entry.recordedAt
        keyID = entry.keyID
        hmac = ""
        guard let key = keyRing.key(id: entry.keyID) else {
            throw LedgerError.unknownSigningKey(keyID: entry.keyID, keyFile: keyRing.path)
        }
        hmac = try HMACSHA256(key: key.bytes).authenticateHex(canonicalPayload)
        if let signingKeyPEM {
            ed25519Signature = Data(try Ed25519.sign(canonicalPayload, privateKeyPEM: signingKeyPEM)).base64EncodedString()
            ed25519PublicKeySHA256 = try publicKeyPEM.map { try Digest.sha256Hex($0) }
        }
    }

    /// Parses a checkpoint file.
    public init(parsing text: String, source: String) throws {
        let bad = { (why: String) in LedgerError.malformedCheckpoint(path: source, reason: why) }
        let json: JSONValue
        do { json = try JSONValue(parsing: text) } catch { throw bad("not JSON") }
        guard let body = json["checkpoint"]?.objectValue else { throw bad("no \"checkpoint\" object") }
        guard body["format"]?.stringValue == Checkpoint.format else { throw bad("format is not \(Checkpoint.format)") }
        guard let ledgerID = body["ledger_id"]?.stringValue, let seq = body["seq"]?.integerValue,
            let mac = body["mac"]?.stringValue, let recordedAt = body["recorded_at"]?.stringValue,
            let keyID = body["key_id"]?.stringValue, let hmac = json["hmac"]?.stringValue
        else { throw bad("a field is missing (ledger_id, seq, mac, recorded_at, key_id, hmac)") }
        guard body.count == 6 else { throw bad("the checkpoint object has unexpected fields") }
        self.ledgerID = ledgerID
        self.seq = seq
        self.mac = mac
        self.recordedAt = recordedAt
        self.keyID = keyID
        self.hmac = hmac
        if let signer = json["ed25519"] {
            // Present means checked: a signature that cannot be read is a malformed file, never "unsigned".
            guard let signerObject = signer.objectValue, let signature = signerObject["signature"]?.stringValue else {
                throw bad("\"ed25519\" is not an object with a \"signature\" string")
            }
            ed25519Signature = signature
            switch signerObject["public_key_sha256"] {
            case nil: ed25519PublicKeySHA256 = nil
            case .string(let fingerprint)?: ed25519PublicKeySHA256 = fingerprint
            default: throw bad("ed25519.public_key_sha256 is not a string")
            }
        }
    }

    /// Reads a checkpoint file.
    public static func load(path: String) throws -> Checkpoint {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LedgerError.io(path: path, reason: "cannot read the checkpoint file")
        }
        return try Checkpoint(parsing: String(decoding: data, as: UTF8.self), source: path)
    }

    /// True when the HMAC recomputes with the key ring's key `keyID`.
    public func isAuthentic(keyRing: KeyRing) throws -> Bool {
        guard let key = keyRing.key(id: keyID) else { return false }
        return try HMACSHA256(key: key.bytes).authenticateHex(canonicalPayload) == hmac
    }

    /// True when the Ed25519 signature verifies with `publicKeyPEM` (false when there is none).
    public func hasValidSignature(publicKeyPEM: String) throws -> Bool {
        guard let ed25519Signature, let signature = Data(base64Encoded: ed25519Signature) else { return false }
        return try Ed25519.verify(canonicalPayload, signature: [UInt8](signature), publicKeyPEM: publicKeyPEM)
    }

    /// Checks every signature the statement carries that can be checked with what is given: the HMAC
    /// with `keyRing` (nil: not checked), the Ed25519 signature with `publicKeyPEM` (nil: not checked).
    /// The statement is authentic only when nothing checked failed; see `CheckpointAuthenticity`.
    public func authenticity(keyRing: KeyRing?, publicKeyPEM: String?) throws -> CheckpointAuthenticity {
        var result = CheckpointAuthenticity(hmac: .notChecked("no key file"), ed25519: .absent)
        if let keyRing {
            if keyRing.key(id: keyID) == nil {
                result.hmac = .invalid("key \(keyID) is not in the key file \(keyRing.path)")
            } else {
                result.hmac = try isAuthentic(keyRing: keyRing) ? .valid : .invalid("it does not verify with key \(keyID)")
            }
        }
        if ed25519Signature != nil {
            if let publicKeyPEM {
                if try hasValidSignature(publicKeyPEM: publicKeyPEM) {
                    result.ed25519 = .valid
                } else {
                    var why = "it does not verify with the given public key"
                    if let recorded = ed25519PublicKeySHA256, let given = try? Digest.sha256Hex(publicKeyPEM), recorded != given {
                        why += " (the checkpoint names a signer whose public key has SHA-256 \(recorded); the given key's is \(given))"
                    }
                    result.ed25519 = .invalid(why)
                }
            } else {
                result.ed25519 = .notChecked("no --public-key")
            }
        }
        return result
    }

    /// Why `store` no longer matches this checkpoint, or nil when it holds `(seq, mac)`.
    public func mismatch(in store: LedgerStore) throws -> String? {
        guard ledgerID == store.ledgerID else { return "the checkpoint is for ledger \(ledgerID), not \(store.ledgerID)" }
        guard let entry = try store.entry(seq: seq) else {
            let head = try store.head()?.seq ?? 0
            return "the ledger no longer holds seq \(seq) (its head is seq \(head)): it was cut short"
        }
        guard entry.mac == mac else { return "seq \(seq) has a different mac than the checkpoint: the ledger was rewritten" }
        return nil
    }
}

/// The outcome of checking a checkpoint statement's signatures (`Checkpoint.authenticity`).
///
/// Every signature present is checked when the means to check it are given; one that fails makes the
/// statement not authentic, whatever the other says. A signature that could not be checked is said so,
/// never counted as valid.
public struct CheckpointAuthenticity: Sendable, Equatable {
    /// The result of one signature check.
    public enum Check: Sendable, Equatable {
        /// It verifies.
        case valid
        /// It does not verify (why).
        case invalid(String)
        /// It is there but was not checked (why: what was missing).
        case notChecked(String)
        /// The statement carries no such signature.
        case absent
    }

    /// The HMAC (always present in a statement).
    public var hmac: Check
    /// The optional Ed25519 signature.
    public var ed25519: Check

    public init(hmac: Check, ed25519: Check) {
        self.hmac = hmac
        self.ed25519 = ed25519
    }

    /// True when no check failed and at least one signature was checked and verifies.
    public var isAuthentic: Bool { failure == nil && (hmac == .valid || ed25519 == .valid) }

    /// True when both signatures present were checked and verify (nothing was left unchecked).
    public var isFullyChecked: Bool {
        if case .notChecked = hmac { return false }
        if case .notChecked = ed25519 { return false }
        return isAuthentic
    }

    /// Why the statement is not authentic, or nil when no check failed.
    public var failure: String? {
        var reasons: [String] = []
        if case .invalid(let why) = hmac { reasons.append("its HMAC is invalid: \(why)") }
        if case .invalid(let why) = ed25519 { reasons.append("its Ed25519 signature is invalid: \(why)") }
        if reasons.isEmpty, hmac != .valid, ed25519 != .valid { reasons.append("no signature could be checked") }
        return reasons.isEmpty ? nil : reasons.joined(separator: "; ")
    }

    /// Exactly what was checked, e.g. `Ed25519 signature valid; HMAC not checked (no key file)`.
    public var summary: String {
        func words(_ check: Check, _ name: String) -> String? {
            switch check {
            case .valid: return "\(name) valid"
            case .invalid: return "\(name) INVALID"
            case .notChecked(let why): return "\(name) not checked (\(why))"
            case .absent: return nil
            }
        }
        var parts: [String] = []
        // The Ed25519 signature first when it was checked: it is what an auditor without the key relies on.
        if ed25519 == .valid || { if case .invalid = ed25519 { true } else { false } }() {
            parts = [words(ed25519, "Ed25519 signature"), words(hmac, "HMAC")].compactMap { $0 }
        } else {
            parts = [words(hmac, "HMAC"), words(ed25519, "Ed25519 signature")].compactMap { $0 }
            if ed25519 == .absent { parts.append("no Ed25519 signature") }
        }
        return parts.joined(separator: "; ")
    }
}
