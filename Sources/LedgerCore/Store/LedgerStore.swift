import Foundation

/// A ledger database: creating, opening, appending signed entries and reading them back.
///
/// The ledger engine's front door: the append lifecycle (check, sign, insert, commit) over a
/// storage adapter (`LedgerStorage`; SQLite by default). Use one instance from one thread at a time.
/// Concurrent processes are safe: every append runs in `BEGIN IMMEDIATE`, so the
/// chain stays linear.
public final class LedgerStore {
    /// The database file.
    public let path: String
    /// The ledger's id (from its first entry).
    public let ledgerID: String
    /// The backend: every read and write goes through the storage port.
    let storage: any LedgerBackend
    /// The SQLite adapter, when the ledger lives in SQLite (the benchmark's baseline reads it directly).
    @_spi(Benchmark) public var sqliteStorage: SQLiteLedgerStorage? { storage as? SQLiteLedgerStorage }
    /// The SQLite connection, for tests that inspect or tamper with the file (nil for another backend).
    @_spi(Testing) public var connection: SQLiteConnection? { (storage as? SQLiteLedgerStorage)?.connection }
    /// Where this installation remembers how far it has verified this ledger (see `VerifiedMark`).
    /// When set, every append first verifies, with the one chain checker, every entry written
    /// since the mark (all of them the first time), inside the append's transaction; a ledger
    /// with an altered, inserted, removed or reordered entry anywhere after the mark is never
    /// extended. When nil, appends check the newest entry only.
    public var verifiedMarkPath: String?

    /// The format version this library writes.
    public static let formatVersion: Int64 = 1
    /// 64 zeros: `prev_mac` of the first entry.
    public static let zeroMac = String(repeating: "0", count: 64)

    /// A ledger over `storage` whose first entry carries `ledgerID`.
    init(storage: any LedgerBackend, ledgerID: String) {
        self.path = storage.location
        self.storage = storage
        self.ledgerID = ledgerID
    }

    /// Creates a new ledger at `path` and writes its first entry (`ledger.created`).
    ///
    /// Refuses to touch an existing file.
    public static func create(
        path: String, keyRing: KeyRing, provenance: Provenance, details: [String: JSONValue] = [:]
    ) throws -> (LedgerStore, LedgerEntry) {
        try create(path: path, provenance: provenance, details: details, keyRing: { keyRing })
    }

    /// Creates a new ledger at `path`, claiming the path first, and only then asks for the key ring
    /// (so that `ledger init` creates a key file only once the path is its own).
    ///
    /// The database file is created with `O_CREAT | O_EXCL` (mode 0600) before SQLite opens it: of
    /// two processes creating the same ledger at once, exactly one wins and the other gets
    /// `LedgerError.ledgerExists`. When creation fails after the claim, the claimed file is removed.
    public static func create(
        path: String, provenance: Provenance, details: [String: JSONValue] = [:], keyRing makeKeyRing: () throws -> KeyRing
    ) throws -> (LedgerStore, LedgerEntry) {
        var claimed = false
        do {
            if FileManager.default.fileExists(atPath: path) { throw LedgerError.ledgerExists(path: path) }
            try KeyFile.ensureParentDirectory(of: path, mode: 0o700)
            #if canImport(Glibc)
                let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            #else
                let fd = Darwin.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            #endif
            guard fd >= 0 else {
                if errno == EEXIST { throw LedgerError.ledgerExists(path: path) }
                throw LedgerError.io(path: path, reason: "cannot create the database file: \(String(cString: strerror(errno)))")
            }
            close(fd)
            claimed = true
            let keyRing = try makeKeyRing()
            let storage = try SQLiteLedgerStorage.create(path: path)
            let ledgerID = UUID().uuidString.lowercased()
            let store = LedgerStore(storage: storage, ledgerID: ledgerID)
            var draft = EntryDraft(kind: EntryKind.ledgerCreated)
            var facts = details
            facts["format_version"] = .integer(formatVersion)
            draft.details = facts
            let first = try store.append(draft, keyRing: keyRing, provenance: provenance)
            return (store, first)
        } catch {
            if claimed {
                for suffix in ["", "-wal", "-shm", "-journal"] { unlink(path + suffix) }
            }
            throw LedgerError.wrap(error)
        }
    }

    /// Opens an existing ledger. Writers apply pending migrations; readers only check them.
    public static func open(path: String, writable: Bool) throws -> LedgerStore {
        do {
            guard FileManager.default.fileExists(atPath: path) else { throw LedgerError.noLedger(path: path) }
            let storage = try SQLiteLedgerStorage.open(path: path, writable: writable)
            guard let ledgerID = try storage.firstLedgerID() else {
                throw LedgerError.notALedger(path: path, detail: "it holds no entries")
            }
            return LedgerStore(storage: storage, ledgerID: ledgerID)
        } catch {
            throw LedgerError.wrap(error)
        }
    }

    // MARK: Appending

    /// Appends one signed entry and returns it as stored.
    ///
    /// Runs in `BEGIN IMMEDIATE`: reads the tail, checks that it verifies (fail closed: a
    /// tampered tail is never extended), then inserts the new row linked to it. The entry
    /// is durable (WAL, `synchronous=FULL`) when this returns.
    public func append(_ draft: EntryDraft, keyRing: KeyRing, provenance: Provenance) throws -> LedgerEntry {
        // One draft in, one entry out.
        try append(contentsOf: [draft], keyRing: keyRing, provenance: provenance)[0]
    }

    /// Appends several entries in one transaction (one tail check, one commit): the same code
    /// path as single appends, for bulk writers and benchmarks.
    public func append(
        contentsOf drafts: [EntryDraft], keyRing: KeyRing, provenance: Provenance, signingKey: SigningKey? = nil,
        prepare: ((LedgerStore, [EntryDraft]) throws -> [EntryDraft])? = nil
    ) throws -> [LedgerEntry] {
        guard !drafts.isEmpty else { return [] }
        let original = drafts
        do {
            let key = signingKey ?? keyRing.active
            let written = try storage.writeTransaction(context: "appending to the ledger") {
                var tail = try checkBeforeAppend(keyRing: keyRing, signingKey: key)
                // The caller's own rule (e.g. "this switch is still unresolved"), under the write lock;
                // it may complete the drafts from what it read.
                let drafts: [EntryDraft]
                do {
                    drafts = try prepare?(self, original) ?? original
                } catch {
                    throw PrepareFailure(error: error)
                }
                let hmac = try HMACSHA256(key: key.bytes)
                var written: [LedgerEntry] = []
                written.reserveCapacity(drafts.count)
                for draft in drafts {
                    var entry = LedgerEntry(
                        draft: draft, seq: (tail?.seq ?? 0) + 1, ledgerID: ledgerID, recordedAt: Timestamp.now(),
                        provenance: provenance, keyID: key.id, prevMac: tail?.mac ?? LedgerStore.zeroMac, dbRole: storage.writerRole)
                    entry.mac = try hmac.authenticateHex(SignedPayload.bytes(of: entry.columnValues))
                    try storage.insert(entry)
                    tail = (entry.seq, entry.mac)
                    written.append(entry)
                }
                return written
            }
            if let markPath = verifiedMarkPath, let last = written.last {
                VerifiedMark(ledgerID: ledgerID, seq: last.seq, mac: last.mac).save(path: markPath)
            }
            return written
        } catch let failure as PrepareFailure {
            // The caller's own refusal reaches it unchanged.
            throw failure.error
        } catch {
            throw LedgerError.wrap(error)
        }
    }

    /// Carries an error thrown by an append's `prepare` out of the transaction unchanged.
    private struct PrepareFailure: Error { let error: any Error }

    /// Rotates the signing key: appends a fresh key to the key file (old keys stay, for
    /// verification), then records `key.rotated`, signed by the old key and naming the new one.
    /// Entries written afterwards are signed by the new key.
    ///
    /// The key file is replaced first (atomically), so a crash can never leave an entry that
    /// announces a key the file does not hold.
    public func rotateKey(keyFilePath: String, provenance: Provenance, reason: String?) throws -> (old: SigningKey, new: SigningKey, entry: LedgerEntry) {
        let before = try KeyFile.load(path: keyFilePath)
        // Refuses a key file whose last key was never announced (a hand edit, or a rotation that
        // stopped between replacing the file and writing its entry): the operator removes that line.
        try checkWritable(keyRing: before)
        let signer = before.active
        let (after, newKey) = try KeyFile.appendNewKey(path: keyFilePath)
        var draft = EntryDraft(kind: EntryKind.keyRotated)
        draft.reason = reason
        draft.details = ["new_key_id": .string(newKey.id), "old_key_id": .string(signer.id)]
        let entry = try append(contentsOf: [draft], keyRing: after, provenance: provenance, signingKey: signer)[0]
        return (signer, newKey, entry)
    }

    /// Rows signed by each key id: first and last seq and count, in order of first use.
    public func keyUsage() throws -> [KeyUsage] {
        try reading { try storage.keyUsage() }
    }

    /// Checks, before anything is sent to the service, that this ledger may be written with
    /// `keyRing`: what `append` checks (the newest entry, every entry since the verified mark,
    /// an announced signing key). Throws what `append` would.
    public func checkWritable(keyRing: KeyRing) throws {
        do {
            let head = try storage.readTransaction(context: "checking the ledger") {
                try checkBeforeAppend(keyRing: keyRing, signingKey: keyRing.active, underWriteLock: false)
            }
            if let markPath = verifiedMarkPath, let head {
                VerifiedMark(ledgerID: ledgerID, seq: head.seq, mac: head.mac).save(path: markPath)
            }
        } catch {
            throw LedgerError.wrap(error)
        }
    }

    // MARK: Reading

    /// Runs a storage read, wrapping its errors as `LedgerError`.
    private func reading<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw LedgerError.wrap(error)
        }
    }

    /// The entry with `seq`, if any.
    public func entry(seq: Int64) throws -> LedgerEntry? {
        try reading { try storage.entry(seq: seq) }
    }

    /// The newest entry.
    public func head() throws -> LedgerEntry? {
        try reading { try storage.head() }
    }

    /// Calls `body` for each entry matching `filter`, in ascending seq order, streaming from storage.
    public func forEachEntry(matching filter: EntryFilter, _ body: (LedgerEntry) throws -> Void) throws {
        try reading { try storage.forEachEntry(matching: filter, body) }
    }

    /// The `switch.completed` and `switch.resolved` entries that refer to request `seq`, oldest first.
    public func completions(of seq: Int64) throws -> [LedgerEntry] {
        try reading { try storage.completions(of: seq) }
    }

    /// Requests whose completions disagree: a `switch.resolved` and another completion of the same
    /// request with a different outcome (e.g. an operator resolved a switch as failed, then its
    /// writer recorded that it succeeded). Reports, history and `verify` show these instead of picking one.
    public func conflictingCompletions() throws -> [ConflictingCompletions] {
        try reading { try storage.conflictingCompletions() }
    }

    /// The seqs of the `switch.requested` entries with no completion (no row decoded).
    public func unresolvedSwitchSeqs() throws -> [Int64] {
        try reading { try storage.unresolvedSwitchSeqs() }
    }

    /// True when `switch.requested` entry `seq` has no `switch.completed` or `switch.resolved` (one indexed read).
    public func isUnresolved(requestSeq seq: Int64) throws -> Bool {
        try completions(of: seq).isEmpty
    }

    /// `switch.requested` entries with no `switch.completed` or `switch.resolved` that refers to them.
    public func unresolvedSwitches() throws -> [LedgerEntry] {
        try reading { try storage.unresolvedSwitches() }
    }
}
