import Foundation
import LedgerCore

/// The two kinds of checkpoint file `--checkpoint` accepts, told apart by content.
public enum CheckpointFileKind: Sendable, Equatable {
    /// A JSON statement (`model-ledger-checkpoint/1`), checked with the HMAC key.
    case statement
    /// A C2SP signed checkpoint note, checked with a public key.
    case note

    /// A file that does not start with `{` and holds a blank line followed by a signature line
    /// (`\n\n— `), or is larger than a note may be, is a note; anything else is read as a JSON
    /// statement (as before notes existed).
    public static func of(path: String) throws -> CheckpointFileKind {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw LedgerError.io(path: path, reason: "cannot read the checkpoint file")
        }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: SignedNote.maxBytes + 1)) ?? Data()
        let first = head.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
        guard first != UInt8(ascii: "{") else { return .statement }
        // Larger than any note may be and not JSON: refused as a note (saying so), not as "not JSON".
        if head.count > SignedNote.maxBytes { return .note }
        return head.range(of: Data("\n\n\u{2014} ".utf8)) != nil ? .note : .statement
    }
}

/// One signed note checked against a public key.
public struct NoteCheck: Sendable {
    /// The note file.
    public var path: String
    /// Its checkpoint body, when the note could be read.
    public var checkpoint: TreeCheckpoint?
    /// The note's exact text (signature lines included), when it could be read.
    public var text: String?
    /// The name of the key that verified it.
    public var keyName: String?
    /// Why it is not authentic (nil: the trusted key's signature verifies).
    public var failure: String?

    /// True when the trusted key's signature verifies.
    public var isAuthentic: Bool { failure == nil && checkpoint != nil }
}

/// What `ledger checkpoint verify --note` found.
public struct NoteFileVerification: Sendable {
    /// The signature check.
    public var check: NoteCheck
    /// Where a time-stamp token would be (`<note>.tsr`).
    public var tokenPath: String
    /// Whether a token is there.
    public var tokenPresent: Bool
    /// The token's check, when `--tsa-ca` was given and a token is there.
    public var timeStamp: TimeStampCheck?
    /// Why the verdict is NOT AUTHENTIC (signature, token, or a token asked for and missing).
    public var failure: String?
    /// AUTHENTIC (everything present was checked), SIGNATURE VALID (a token was not checked), NOT AUTHENTIC.
    public var verdict: CheckpointVerdict
}

/// One note compared with the ledger's rows.
public struct NoteMatch: Sendable {
    /// The signature check.
    public var check: NoteCheck
    /// The root recomputed from the rows for the note's size (nil: not computed or the ledger is shorter).
    public var recomputedRoot: TreeHash?
    /// Why the ledger does not match the note (nil: it matches).
    public var finding: String?
}

/// `ledger verify --public-key K --checkpoint NOTE…`: the ledger against signed notes, no HMAC key.
public struct LedgerNoteReport: Sendable {
    /// The ledger.
    public var ledgerID: String
    /// The ledger's head when checked.
    public var headSeq: Int64
    /// Each note, in the order given.
    public var notes: [NoteMatch]
    /// Entries hashed (1…the largest authentic note's size that the ledger holds).
    public var entriesHashed: Int64
    /// Seconds spent.
    public var seconds: Double

    /// True when every note is authentic and matches.
    public var isIntact: Bool { notes.allSatisfy { $0.finding == nil } }
    /// The notes that match, by size: each later tree extends each earlier one (both roots were
    /// recomputed from the same rows), which is what a consistency proof shows.
    public var matchedSizes: [Int64] { notes.filter { $0.finding == nil }.compactMap { $0.check.checkpoint?.size }.sorted() }
}

/// What `ledger tree consistency` found.
public struct NoteConsistency: Sendable {
    /// The older note.
    public var old: NoteCheck
    /// The newer note.
    public var new: NoteCheck
    /// The consistency proof from this ledger's tree (RFC 6962 §2.1.2), when it could be computed.
    public var proof: [TreeHash]
    /// Why the notes are not shown consistent (nil: the proof verifies against both signed roots).
    public var failure: String?

    /// True when both notes are authentic and the proof verifies (RFC 9162 §2.1.4.2).
    public var isConsistent: Bool { failure == nil }
}

/// Signed checkpoint notes: checking one's signature (and its RFC 3161 token), checking a ledger
/// against several (tree roots recomputed from the rows: the stored tree state is not trusted),
/// and a consistency proof between two. No HMAC key is needed for any of it.
public enum NoteService {
    /// Reads the note at `path` and checks it with `key` (a vkey, or a PEM named after the note's
    /// origin). A note that cannot be read as a signed checkpoint is reported as not authentic;
    /// a missing file throws.
    public static func check(path: String, key: PublicKeyFile) throws -> NoteCheck {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LedgerError.io(path: path, reason: "cannot read the note")
        }
        var result = NoteCheck(path: path)
        guard data.count <= SignedNote.maxBytes else {
            result.failure = "not a C2SP signed note: larger than \(SignedNote.maxBytes) bytes"
            return result
        }
        guard let text = String(data: data, encoding: .utf8) else {
            result.failure = "not a C2SP signed note: not UTF-8"
            return result
        }
        result.text = text
        do {
            let note = try SignedNote(parsing: text)
            let checkpoint = try TreeCheckpoint(parsing: note.text)
            let verifier = try key.noteKey(origin: checkpoint.origin)
            result.keyName = verifier.name
            try note.verify(with: verifier)
            result.checkpoint = checkpoint
        } catch let error as SignedNoteError {
            result.failure = error.description
        } catch let error as TransparencyError {
            result.failure = error.description
        }
        return result
    }

    /// `ledger checkpoint verify --note`: the signature, and the token `<note>.tsr` against
    /// `tsaCAFile` when given (then a missing token is a failure).
    public static func verifyFile(path: String, key: PublicKeyFile, tsaCAFile: String?) throws -> NoteFileVerification {
        let check = try check(path: path, key: key)
        let tokenPath = TimeStampService.tokenPath(forNote: path)
        let present = FileManager.default.fileExists(atPath: tokenPath)
        var result = NoteFileVerification(check: check, tokenPath: tokenPath, tokenPresent: present, failure: check.failure, verdict: .notAuthentic)
        guard check.isAuthentic, let body = check.checkpoint?.body else { return result }
        if let tsaCAFile {
            guard present else {
                result.failure = "no time-stamp token to check (\(tokenPath) does not exist)"
                return result
            }
            let stamp = try TimeStampService.verify(tokenPath: tokenPath, body: body, caFile: tsaCAFile)
            result.timeStamp = stamp
            if !stamp.isValid {
                result.failure = "the time-stamp token \(tokenPath) does not verify: \(stamp.failure ?? "does not verify")"
                return result
            }
        }
        result.verdict = present && tsaCAFile == nil ? .signatureValid : .authentic
        return result
    }

    /// Checks the ledger behind `store` against the notes at `paths`: each note's signature with
    /// `key`; the ledger must still hold each note's `ledger-head` seq with its mac; the tree of
    /// each note's size is recomputed from the rows in one streaming pass (constant memory) and its
    /// root must equal the note's. A ledger cut below a note's size, or rewritten below it (even
    /// re-chained with the HMAC key), fails.
    public static func verifyLedger(_ store: LedgerStore, notes paths: [String], key: PublicKeyFile, progress: ((Int64) -> Void)? = nil) throws
        -> LedgerNoteReport
    {
        let started = Date()
        var matches = try paths.map { NoteMatch(check: try check(path: $0, key: key)) }
        let head = try store.head()?.seq ?? 0
        for i in matches.indices {
            guard let checkpoint = matches[i].check.checkpoint, matches[i].check.isAuthentic else {
                matches[i].finding = "note \(matches[i].check.path) is not authentic: \(matches[i].check.failure ?? "unreadable")"
                continue
            }
            if checkpoint.size > head {
                matches[i].finding = "note \(matches[i].check.path) covers \(checkpoint.size) entries but the ledger's head is seq \(head): it was cut short"
                continue
            }
            if let ledgerHead = checkpoint.ledgerHead {
                guard let entry = try store.entry(seq: ledgerHead.seq) else {
                    matches[i].finding =
                        "note \(matches[i].check.path): the ledger no longer holds seq \(ledgerHead.seq) (its head is seq \(head)): it was cut short"
                    continue
                }
                guard entry.mac == ledgerHead.mac else {
                    matches[i].finding =
                        "note \(matches[i].check.path): seq \(ledgerHead.seq) has a different mac than the note's ledger-head: the ledger was rewritten"
                    continue
                }
            }
        }
        let sizes = Set(matches.filter { $0.finding == nil }.compactMap { $0.check.checkpoint?.size })
        var roots: [Int64: TreeHash] = [:]
        var buildFailure: String?
        do {
            roots = try store.recomputedTreeRoots(sizes: sizes, progress: progress)
        } catch LedgerError.entryDoesNotVerify(let seq, let reason) {
            buildFailure = "the tree cannot be recomputed from the rows at seq \(seq): \(reason)"
        }
        for i in matches.indices where matches[i].finding == nil {
            guard let checkpoint = matches[i].check.checkpoint else { continue }
            if let buildFailure {
                matches[i].finding = "note \(matches[i].check.path): \(buildFailure)"
                continue
            }
            guard let root = roots[checkpoint.size] else {
                matches[i].finding = "note \(matches[i].check.path) covers \(checkpoint.size) entries but the ledger no longer holds them all: it was cut short"
                continue
            }
            matches[i].recomputedRoot = root
            if root != checkpoint.rootHash {
                matches[i].finding =
                    "note \(matches[i].check.path): the tree of entries 1…\(checkpoint.size) recomputed from the rows has root \(Data(root).base64EncodedString()), the note says \(Data(checkpoint.rootHash).base64EncodedString()): the ledger was rewritten (an entry at or below seq \(checkpoint.size) differs)"
            }
        }
        return LedgerNoteReport(
            ledgerID: store.ledgerID, headSeq: head, notes: matches, entriesHashed: sizes.max() ?? 0,
            seconds: Date().timeIntervalSince(started))
    }

    /// `ledger tree consistency`: both notes' signatures with `key`, then the consistency proof
    /// from the older note's tree to the newer one's, taken from this ledger's tree (its stored
    /// state when it covers the newer size, else computed from the rows) and verified with the
    /// RFC 9162 algorithm against the two signed roots: a proof from a rewritten ledger cannot verify.
    public static func consistency(_ store: LedgerStore, from oldPath: String, to newPath: String, key: PublicKeyFile, catchUp: Bool = false) throws
        -> NoteConsistency
    {
        let old = try check(path: oldPath, key: key), new = try check(path: newPath, key: key)
        var result = NoteConsistency(old: old, new: new, proof: [])
        guard let a = old.checkpoint, old.isAuthentic else {
            result.failure = "note \(oldPath) is not authentic: \(old.failure ?? "unreadable")"
            return result
        }
        guard let b = new.checkpoint, new.isAuthentic else {
            result.failure = "note \(newPath) is not authentic: \(new.failure ?? "unreadable")"
            return result
        }
        guard a.origin == b.origin else {
            result.failure = "the notes are of different logs (origins \(a.origin) and \(b.origin))"
            return result
        }
        guard a.size <= b.size else {
            result.failure = "--from covers \(a.size) entries, more than --to (\(b.size)): give the older note first"
            return result
        }
        let head = try store.head()?.seq ?? 0
        guard b.size <= head else {
            result.failure = "note \(newPath) covers \(b.size) entries but the ledger's head is seq \(head): it was cut short"
            return result
        }
        do {
            result.proof = try store.publicTree(size: b.size, writable: catchUp).consistencyProof(from: a.size)
        } catch LedgerError.entryDoesNotVerify(let seq, let reason) {
            result.failure = "the tree cannot be built from the rows at seq \(seq): \(reason)"
            return result
        }
        if !MerkleProof.verifyConsistency(oldSize: a.size, newSize: b.size, oldRoot: a.rootHash, newRoot: b.rootHash, proof: result.proof) {
            result.failure =
                "the consistency proof from this ledger does not verify against the two signed roots: the ledger was rewritten, or the notes do not describe one append-only log (or the stored tree state is damaged: `ledger tree rebuild`, then check again)"
        }
        return result
    }
}
