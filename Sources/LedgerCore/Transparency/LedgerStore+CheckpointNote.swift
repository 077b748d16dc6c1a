import Foundation

/// A signed checkpoint note of a ledger together with the tree it is about (proofs against it).
public struct SignedTreeHead {
    /// The tree of entries 1…`checkpoint.size`.
    public let tree: PublicTree
    /// The note's body.
    public let checkpoint: TreeCheckpoint
    /// The signed note.
    public let note: SignedNote

    /// The note's exact text (body, blank line, signature lines).
    public var text: String { note.serialized }
}

/// Why a checkpoint note could not be made or used for this ledger.
public enum CheckpointNoteError: Error, Equatable, CustomStringConvertible {
    /// The ledger holds no entries: there is nothing to sign.
    case emptyLedger
    /// The note's tree is larger than the ledger (`head`).
    case beyondHead(size: Int64, head: Int64)
    /// The note's root is not the root of this ledger's tree of that size.
    case rootMismatch(size: Int64)

    public var description: String {
        switch self {
        case .emptyLedger:
            "the ledger holds no entries: there is no tree to sign"
        case let .beyondHead(size, head):
            "the checkpoint note is of a tree of \(size) entries, but this ledger holds \(head): it is not a note of this ledger"
        case let .rootMismatch(size):
            "the checkpoint note's root hash is not this ledger's tree of \(size) entries: the note is of another ledger, or entries 1…\(size) were rewritten since it was signed"
        }
    }
}

extension LedgerStore {
    /// Signs a C2SP checkpoint note (transparency.md) of this ledger's tree at `size` (default: its
    /// head): origin `origin` (default `model-ledger/<ledger_id>`), which is also the key name,
    /// extensions `ledger-head <size> <mac of entry size>` and `time <time>`.
    ///
    /// - Parameters:
    ///   - privateKeyPEM: the Ed25519 private key (PKCS#8 PEM) that signs the note.
    ///   - time: the `time` extension (RFC 3339, milliseconds, `Z`).
    ///   - writable: bring the stored tree state up to date first (see `publicTree(size:writable:progress:)`).
    public func signedCheckpoint(
        size: Int64? = nil, origin: String? = nil, privateKeyPEM: String, time: String = Timestamp.now(), writable: Bool
    ) throws -> SignedTreeHead {
        let tree = try publicTree(size: size, writable: writable)
        guard tree.size > 0 else { throw CheckpointNoteError.emptyLedger }
        let mac: String
        do {
            guard let entry = try storage.entry(seq: tree.size) else {
                throw LedgerError.entryDoesNotVerify(seq: tree.size, reason: "the entry is missing: the tree cannot be signed")
            }
            mac = entry.mac
        } catch {
            throw LedgerError.wrap(error)
        }
        let origin = origin ?? TreeCheckpoint.defaultOrigin(ledgerID: ledgerID)
        let checkpoint = TreeCheckpoint(
            origin: origin, size: tree.size, rootHash: tree.rootHash, extensions: ["ledger-head \(tree.size) \(mac)", "time \(time)"])
        let note = try SignedNote.sign(text: checkpoint.body, keyName: origin, privateKeyPEM: privateKeyPEM)
        return SignedTreeHead(tree: tree, checkpoint: checkpoint, note: note)
    }

    /// The tree an existing checkpoint note is about, once its size and root are this ledger's:
    /// the root is recomputed from the tree state, so a note of another ledger, or of entries since
    /// rewritten, is refused. The note's signature is not checked here (the verifier of what is
    /// proved against it checks it with the public key).
    public func tree(provingAgainst note: SignedNote, writable: Bool) throws -> SignedTreeHead {
        let checkpoint = try TreeCheckpoint(parsing: note.text)
        let head = try headSeq()
        guard checkpoint.size <= head else { throw CheckpointNoteError.beyondHead(size: checkpoint.size, head: head) }
        let tree = try publicTree(size: checkpoint.size, writable: writable)
        guard tree.rootHash == checkpoint.rootHash else { throw CheckpointNoteError.rootMismatch(size: checkpoint.size) }
        return SignedTreeHead(tree: tree, checkpoint: checkpoint, note: note)
    }

    private func headSeq() throws -> Int64 {
        do {
            return try storage.readTransaction(context: "reading the ledger's head") { try storage.headSeq() }
        } catch {
            throw LedgerError.wrap(error)
        }
    }
}
