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
        ed25519Signature = json["ed25519"]?["signature"]?.stringValue
        ed25519PublicKeySHA256 = json["ed25519"]?["public_key_sha256"]?.stringValue
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
