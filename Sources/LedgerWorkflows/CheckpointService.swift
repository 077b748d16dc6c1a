import Foundation
import LedgerCore

/// A checkpoint just taken (``CheckpointService/create(reason:provenance:signingKeyPath:out:)``).
public struct CreatedCheckpoint: Sendable {
    /// The `checkpoint` entry.
    public var entry: LedgerEntry
    /// The statement, as written (pretty JSON and a final newline).
    public var statement: String
    /// The copy kept beside the key file, which every later write checks.
    public var localCopy: String
    /// Where the statement was also written, if anywhere.
    public var out: String?
    /// Whether the statement carries an Ed25519 signature.
    public var signed: Bool
}

/// What a checkpoint's own signatures prove, as one word.
public enum CheckpointVerdict: String, Sendable {
    /// Every signature present was checked and verifies.
    case authentic = "AUTHENTIC"
    /// The Ed25519 signature verifies; the HMAC was not checked.
    case signatureValid = "SIGNATURE VALID"
    /// The HMAC verifies; the Ed25519 signature was not checked.
    case hmacValid = "HMAC VALID"
    /// A signature does not verify.
    case notAuthentic = "NOT AUTHENTIC"
}

/// The result of checking a checkpoint file's signatures.
public struct CheckpointVerification: Sendable {
    /// The checkpoint read.
    public var checkpoint: Checkpoint
    /// Each signature's check.
    public var authenticity: CheckpointAuthenticity
    /// The verdict.
    public var verdict: CheckpointVerdict
}

/// Why ``CheckpointService`` refused.
public enum CheckpointServiceError: Error, Equatable {
    /// A public key was given for a checkpoint that carries no Ed25519 signature.
    case noEd25519Signature(file: String)
}

/// Checkpoint statements: taking one (a `checkpoint` entry plus a statement kept outside the
/// database and beside the key) and checking one's signatures. Never prints; private keys are
/// read with the secret-file rules and wiped after use.
public enum CheckpointService {
    /// Appends a `checkpoint` entry to `session` and writes its statement to the local copy
    /// (``LedgerLocation/localCheckpointPath(ledgerID:)``) and to `out` when given; with
    /// `signingKeyPath` (an Ed25519 private key PEM, mode 0600) the statement is also signed, and
    /// names the public key found beside it (``publicKeyPath(forPrivate:)``) when present.
    public static func create(
        session: LedgerSession, reason: String?, provenance: Provenance, signingKeyPath: String?, out: String?
    ) throws -> CreatedCheckpoint {
        var signing: (privatePEM: String, publicPEM: String?)?
        if let signingKeyPath {
            let pem = try readPrivateKey(signingKeyPath)
            let publicPEM = FileManager.default.contents(atPath: publicKeyPath(forPrivate: signingKeyPath))
                .map { String(decoding: $0, as: UTF8.self) }
            signing = (pem, publicPEM)
        }
        let head = try session.store.head()
        var draft = EntryDraft(kind: EntryKind.checkpoint)
        draft.reason = reason
        draft.details = ["entries_before": .integer(head?.seq ?? 0), "signed": .bool(signing != nil)]
        let entry = try session.append(draft, provenance: provenance)
        let checkpoint = try Checkpoint(
            entry: entry, keyRing: session.keyRing, signingKeyPEM: signing?.privatePEM, publicKeyPEM: signing?.publicPEM)
        let text = checkpoint.jsonValue.prettyPrinted() + "\n"
        let local = session.location.localCheckpointPath(ledgerID: session.store.ledgerID)
        try KeyFile.ensureParentDirectory(of: local, mode: 0o700)
        try write(text, to: local)
        if let out { try write(text, to: out) }
        return CreatedCheckpoint(entry: entry, statement: text, localCopy: local, out: out, signed: signing != nil)
    }

    /// Checks the signatures of the checkpoint at `file`: the Ed25519 signature with the public key
    /// at `publicKeyPath` (the file must then carry one), the HMAC with the key file at
    /// `keyFilePath` (nil: not checked).
    public static func verify(file: String, publicKeyPath: String?, keyFilePath: String?) throws -> CheckpointVerification {
        let checkpoint = try Checkpoint.load(path: file)
        var publicPEM: String?
        if let publicKeyPath {
            guard let pem = FileManager.default.contents(atPath: publicKeyPath) else {
                throw LedgerError.io(path: publicKeyPath, reason: "cannot read the public key")
            }
            guard checkpoint.ed25519Signature != nil else { throw CheckpointServiceError.noEd25519Signature(file: file) }
            publicPEM = String(decoding: pem, as: UTF8.self)
        }
        let ring = try keyFilePath.map { try KeyFile.load(path: $0) }
        let result = try checkpoint.authenticity(keyRing: ring, publicKeyPEM: publicPEM)
        let verdict: CheckpointVerdict
        if result.failure != nil {
            verdict = .notAuthentic
        } else if result.isFullyChecked {
            verdict = .authentic
        } else if result.ed25519 == .valid {
            verdict = .signatureValid
        } else {
            verdict = .hmacValid
        }
        return CheckpointVerification(checkpoint: checkpoint, authenticity: result, verdict: verdict)
    }

    /// `key.pem` → `key.pub.pem` (as ``generateSigningKey(privateKeyPath:)`` names them).
    public static func publicKeyPath(forPrivate path: String) -> String {
        path.hasSuffix(".pem") ? String(path.dropLast(4)) + ".pub.pem" : path + ".pub"
    }

    /// Generates an Ed25519 key pair for signing checkpoints: the private key (PKCS#8 PEM) to
    /// `privateKeyPath`, created exclusively with mode 0600, and the public key beside it
    /// (``publicKeyPath(forPrivate:)``). Neither file may exist. Returns the public key's path.
    public static func generateSigningKey(privateKeyPath out: String) throws -> String {
        let publicPath = publicKeyPath(forPrivate: out)
        for path in [out, publicPath] where FileManager.default.fileExists(atPath: path) {
            throw LedgerError.io(path: path, reason: "already exists; refusing to overwrite it")
        }
        let pair = try Ed25519.generate()
        try KeyFile.ensureParentDirectory(of: out, mode: 0o700)
        let fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw LedgerError.io(path: out, reason: "cannot create: \(String(cString: strerror(errno)))") }
        let bytes = Array(pair.privatePEM.utf8)
        let written = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
        fsync(fd)
        close(fd)
        guard written == bytes.count else { throw LedgerError.io(path: out, reason: "short write") }
        do {
            try Data(pair.publicPEM.utf8).write(to: URL(fileURLWithPath: publicPath))
        } catch {
            throw LedgerError.io(path: publicPath, reason: error.localizedDescription)
        }
        return publicPath
    }

    /// Reads a private key file, refusing one that group or others may read.
    private static func readPrivateKey(_ path: String) throws -> String {
        // The same rules as every secret file: owner, mode 0600, no swappable path.
        var bytes = try SecretFile.read(path: path, what: "private key")
        defer { Digest.wipe(&bytes) }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func write(_ text: String, to path: String) throws {
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw LedgerError.io(path: path, reason: "cannot write the checkpoint: \(error.localizedDescription)")
        }
    }
}
