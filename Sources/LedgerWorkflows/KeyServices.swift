import Foundation
import LedgerCore

/// What ``RotateService`` did: key ids only, never key material.
public struct KeyRotation: Sendable, Equatable {
    /// The key that signed the `key.rotated` entry (now retired).
    public var oldKeyID: String
    /// The new active key.
    public var newKeyID: String
    /// The `key.rotated` entry's seq.
    public var seq: Int64
    /// The key file that now holds the new key (to be backed up again).
    public var keyFilePath: String
    /// The ledger written to.
    public var ledgerID: String
}

/// Key rotation: appends a fresh key to the key file and records `key.rotated`, signed by the old key.
public struct RotateService {
    /// The ledger, opened for writing (``LedgerSession/openForWriting(_:)``).
    public let session: LedgerSession

    /// A service writing to `session`.
    public init(session: LedgerSession) { self.session = session }

    /// Rotates the key of the session's key file; `reason` is recorded in the entry.
    public func run(provenance: Provenance, reason: String?) throws -> KeyRotation {
        let keyFile = session.location.keyFilePath
        let (old, new, entry) = try session.store.rotateKey(keyFilePath: keyFile, provenance: provenance, reason: reason)
        return KeyRotation(oldKeyID: old.id, newKeyID: new.id, seq: entry.seq, keyFilePath: keyFile, ledgerID: session.store.ledgerID)
    }
}

/// One row of a key listing: a key of the key file, or a key the ledger names that the file lacks.
public struct KeyListing: Sendable, Equatable {
    /// The key id.
    public var keyID: String
    /// Whether it is the key file's active key.
    public var active: Bool
    /// Whether the ledger names it but the key file does not hold it.
    public var missing: Bool
    /// How many entries it signed.
    public var entries: Int64
    /// The first and last seq it signed (nil when none).
    public var seqRange: ClosedRange<Int64>?

    /// Every key of the key file at `location` (oldest first), then the keys the ledger names that
    /// the file does not hold. Read-only; never key material.
    public static func list(_ location: LedgerLocation) throws -> [KeyListing] {
        let ring = try location.loadKeys()
        let usage = try location.openForReading().keyUsage()
        var rows = ring.keys.map { key in
            let used = usage.first { $0.keyID == key.id }
            return KeyListing(
                keyID: key.id, active: key.id == ring.active.id, missing: false, entries: used?.rows ?? 0,
                seqRange: used.map { $0.firstSeq...$0.lastSeq })
        }
        for unknown in usage where ring.key(id: unknown.keyID) == nil {
            rows.append(
                KeyListing(
                    keyID: unknown.keyID, active: false, missing: true, entries: unknown.rows, seqRange: unknown.firstSeq...unknown.lastSeq))
        }
        return rows
    }
}

/// A new ledger (``LedgerSession/create(_:provenance:)``).
public struct CreatedLedger {
    /// The new store.
    public let store: LedgerStore
    /// The key id of the active key.
    public let keyID: String
    /// Whether the key file was created (false: an existing one was used).
    public let keyFileCreated: Bool
    /// The first entry (`ledger.created`).
    public let first: LedgerEntry
}

extension LedgerSession {
    /// Creates a ledger at `location`, and its key file (mode 0600) when there is none. An existing
    /// ledger is never overwritten (``LedgerError/ledgerExists(path:)``); the database path is
    /// claimed before the key file is touched, so of two creations racing on one path the loser
    /// creates no key.
    public static func create(_ location: LedgerLocation, provenance: Provenance) throws -> CreatedLedger {
        let database = location.database, keyPath = location.keyFilePath
        if case .sqlite(let dbPath) = database, FileManager.default.fileExists(atPath: dbPath) { throw LedgerError.ledgerExists(path: dbPath) }
        var keyExisted = false
        var created: KeyRing?
        let (store, first) = try LedgerStore.create(database: database, provenance: provenance) {
            keyExisted = FileManager.default.fileExists(atPath: keyPath)
            let ring = keyExisted ? try KeyFile.load(path: keyPath) : try KeyFile.create(path: keyPath)
            created = ring
            return ring
        }
        guard let ring = created else { throw LedgerError.ledgerExists(path: database.description) }
        return CreatedLedger(store: store, keyID: ring.active.id, keyFileCreated: !keyExisted, first: first)
    }
}
