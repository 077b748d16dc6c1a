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
    /// The C2SP signed note written beside the statement, if one was asked for.
    public var note: WrittenNote?
}

/// What to write besides the statement: a C2SP signed checkpoint note (transparency.md).
public struct NoteRequest: Sendable {
    /// Where to write the note.
    public var path: String
    /// The note's origin, also the signing key's name (default `model-ledger/<ledger_id>`).
    public var origin: String?
    /// Ask this RFC 3161 Time-Stamping Authority for a token over the note's body (kept as `<path>.tsr`).
    public var tsaURL: String?
    /// Verify the TSA's answer at once against these PEM CA certificates.
    public var tsaCAFile: String?
    /// Seconds to wait for the TSA.
    public var tsaTimeout: Double

    public init(path: String, origin: String? = nil, tsaURL: String? = nil, tsaCAFile: String? = nil, tsaTimeout: Double = 30) {
        self.path = path
        self.origin = origin
        self.tsaURL = tsaURL
        self.tsaCAFile = tsaCAFile
        self.tsaTimeout = tsaTimeout
    }

    /// ``validate(origin:)`` as an ArgumentParser validation error naming `flag`.
    public static func validateOrUsage(origin: String, flag: String) throws {
        guard NoteVerifierKey.isValidName(origin), origin.utf8.count <= 1024 else {
            throw TransparencyError.usage("\(flag) is a key name: non-empty, at most 1024 bytes, no spaces, no '+', no control characters")
        }
    }

    /// Refuses an origin that cannot be a note's first line and a key name (non-empty, no spaces,
    /// no `+`, no control characters).
    public static func validate(origin: String) throws {
        guard NoteVerifierKey.isValidName(origin), origin.utf8.count <= 1024 else {
            throw TransparencyError.usage("--origin is also the signing key's name: non-empty, at most 1024 bytes, no spaces, no '+', no control characters")
        }
    }
}

/// A signed checkpoint note just written.
public struct WrittenNote: Sendable {
    /// Where it was written.
    public var path: String
    /// Its body: origin, tree size (= the `checkpoint` entry's seq: the note covers that entry),
    /// root hash, `ledger-head` and `time` extensions.
    public var checkpoint: TreeCheckpoint
    /// The whole note as written.
    public var text: String
    /// The C2SP vkey string that verifies it (key name = origin).
    public var vkey: String
    /// The RFC 3161 token, when a TSA was asked and answered.
    public var timeStamp: TimeStampResult?
    /// Where the token was written (`<path>.tsr`).
    public var timeStampPath: String?
    /// Why no token was obtained, when a TSA was asked and failed (the entry, statement and note are written).
    public var timeStampFailure: TransparencyError?
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
        try createStatement(session: session, reason: reason, provenance: provenance, signingKeyPath: signingKeyPath, out: out, note: nil, progress: nil)
    }

    /// ``create(session:reason:provenance:signingKeyPath:out:)``, and with `note` also a C2SP signed
    /// checkpoint note (transparency.md) signed with the same Ed25519 key: tree size = the new
    /// `checkpoint` entry's seq (the note covers that entry itself), root = the RFC 6962 root of
    /// entries 1…seq, extensions `ledger-head <seq> <mac>` (that entry) and `time <recorded_at>`.
    /// The tree's stored state is brought up to the head first (`progress`: leaves hashed). With
    /// `note.tsaURL`, an RFC 3161 token over the note's body is asked for and written to
    /// `<note>.tsr`; a TSA failure does not undo anything written (it is returned in
    /// ``WrittenNote/timeStampFailure``). A note needs `signingKeyPath`.
    public static func create(
        session: LedgerSession, reason: String?, provenance: Provenance, signingKeyPath: String?, out: String?,
        note: NoteRequest?, progress: ((Int64) -> Void)? = nil
    ) async throws -> CreatedCheckpoint {
        let created = try createStatement(
            session: session, reason: reason, provenance: provenance, signingKeyPath: signingKeyPath, out: out, note: note, progress: progress)
        guard let note, var written = created.note else { return created }
        var result = created
        let tokenPath = TimeStampService.tokenPath(forNote: note.path)
        if let url = note.tsaURL {
            do {
                let stamp = try await TimeStampService.stamp(body: written.checkpoint.body, url: url, caFile: note.tsaCAFile, timeout: note.tsaTimeout)
                try writeBytes(stamp.response, to: tokenPath)
                written.timeStamp = stamp
                written.timeStampPath = tokenPath
            } catch let error as TransparencyError {
                try? FileManager.default.removeItem(atPath: tokenPath)
                written.timeStampFailure = error
            }
        } else if FileManager.default.fileExists(atPath: tokenPath) {
            // A token beside an overwritten note covers the old note's body: never leave it there.
            try? FileManager.default.removeItem(atPath: tokenPath)
        }
        result.note = written
        return result
    }

    private static func createStatement(
        session: LedgerSession, reason: String?, provenance: Provenance, signingKeyPath: String?, out: String?,
        note: NoteRequest?, progress: ((Int64) -> Void)?
    ) throws -> CreatedCheckpoint {
        var signing: (privatePEM: String, publicPEM: String?)?
        if let signingKeyPath {
            let pem = try readPrivateKey(signingKeyPath)
            let publicPEM = FileManager.default.contents(atPath: publicKeyPath(forPrivate: signingKeyPath))
                .map { String(decoding: $0, as: UTF8.self) }
            signing = (pem, publicPEM)
        }
        let origin = note.map { $0.origin ?? TreeCheckpoint.defaultOrigin(ledgerID: session.store.ledgerID) }
        var noteKey: NoteVerifierKey?
        if let note, let origin {
            guard let signing else { throw TransparencyError.usage("--note needs --sign-key (the Ed25519 key that signs the note)") }
            try NoteRequest.validate(origin: origin)
            if let url = note.tsaURL { try TimeStampService.validate(url: url) }
            noteKey = try NoteVerifierKey(name: origin, pem: signing.privatePEM)
        }
        let head = try session.store.head()
        var draft = EntryDraft(kind: EntryKind.checkpoint)
        draft.reason = reason
        var details: [String: JSONValue] = ["entries_before": .integer(head?.seq ?? 0), "signed": .bool(signing != nil)]
        if let origin { details["note_origin"] = .string(origin) }
        draft.details = details
        let entry = try session.append(draft, provenance: provenance)
        let checkpoint = try Checkpoint(
            entry: entry, keyRing: session.keyRing, signingKeyPEM: signing?.privatePEM, publicKeyPEM: signing?.publicPEM)
        let text = checkpoint.jsonValue.prettyPrinted() + "\n"
        let local = session.location.localCheckpointPath(ledgerID: session.store.ledgerID)
        try KeyFile.ensureParentDirectory(of: local, mode: 0o700)
        try write(text, to: local)
        if let out { try write(text, to: out) }
        var created = CreatedCheckpoint(entry: entry, statement: text, localCopy: local, out: out, signed: signing != nil)
        if let note, let origin, let noteKey, let signing {
            // The note covers the checkpoint entry itself: the tree of entries 1…entry.seq.
            let tree = try session.store.publicTree(size: entry.seq, writable: true, progress: progress)
            let body = TreeCheckpoint(
                origin: origin, size: entry.seq, rootHash: tree.rootHash,
                extensions: ["ledger-head \(entry.seq) \(entry.mac)", "time \(entry.recordedAt)"])
            let signed = try SignedNote.sign(text: body.body, keyName: origin, privateKeyPEM: signing.privatePEM)
            try write(signed.serialized, to: note.path, what: "note")
            created.note = WrittenNote(path: note.path, checkpoint: body, text: signed.serialized, vkey: noteKey.vkey)
        }
        return created
    }

    /// Checks the signatures of the checkpoint at `file`: the Ed25519 signature with the public key
    /// at `publicKeyPath` (a PEM or a vkey string; the file must then carry one), the HMAC with the key file at
    /// `keyFilePath` (nil: not checked).
    public static func verify(file: String, publicKeyPath: String?, keyFilePath: String?) throws -> CheckpointVerification {
        let checkpoint = try Checkpoint.load(path: file)
        var publicPEM: String?
        if let publicKeyPath {
            // A PEM (used verbatim) or a C2SP vkey string (turned into the same PEM).
            let key = try PublicKeyFile.load(path: publicKeyPath)
            guard checkpoint.ed25519Signature != nil else { throw CheckpointServiceError.noEd25519Signature(file: file) }
            publicPEM = key.pem
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

    private static func write(_ text: String, to path: String, what: String = "checkpoint") throws {
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw LedgerError.io(path: path, reason: "cannot write the \(what): \(error.localizedDescription)")
        }
    }

    private static func writeBytes(_ bytes: [UInt8], to path: String) throws {
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw LedgerError.io(path: path, reason: "cannot write the time-stamp token: \(error.localizedDescription)")
        }
    }
}
