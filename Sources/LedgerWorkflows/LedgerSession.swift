import Foundation
import LedgerCore

/// Where one installation keeps a ledger: the database and the HMAC key file. The local
/// checkpoint copy and the verified mark live beside the key (which the platform owner
/// protects), not beside the database.
public struct LedgerLocation: Sendable, Equatable {
    /// The ledger database.
    public var databasePath: String
    /// The HMAC key file.
    public var keyFilePath: String

    /// A location from two paths (already resolved: no `~`, no environment lookup here).
    public init(databasePath: String, keyFilePath: String) {
        self.databasePath = databasePath
        self.keyFilePath = keyFilePath
    }

    /// The key file's directory; `.` for a bare file name (`--key-file ledger.key`), never `""`,
    /// which would put checkpoints and marks at the filesystem root.
    private var keyDirectory: String {
        let directory = (keyFilePath as NSString).deletingLastPathComponent
        return directory.isEmpty ? "." : directory
    }

    /// Where this installation keeps the last checkpoint it took of ledger `ledgerID`.
    public func localCheckpointPath(ledgerID: String) -> String {
        keyDirectory + "/checkpoints/\(ledgerID).json"
    }

    /// Where this installation remembers how far it has verified ledger `ledgerID`.
    public func verifiedMarkPath(ledgerID: String) -> String {
        keyDirectory + "/verified/\(ledgerID).json"
    }

    /// The ledger database as a `LedgerDatabase` (a SQLite path or a PostgreSQL URL).
    public var database: LedgerDatabase { LedgerDatabase(databasePath) }

    /// Loads the key file.
    public func loadKeys() throws -> KeyRing {
        try KeyFile.load(path: keyFilePath)
    }

    /// Opens the ledger read-only (no key needed).
    public func openForReading() throws -> LedgerStore {
        try LedgerStore.open(database: database, writable: false)
    }
}

/// A ledger opened for writing by one installation: the store, its key ring and where they live.
///
/// Every audited write (switch, upload, status check, resolve, checkpoint, rotation) starts from
/// ``openForWriting(_:)``, which fails closed.
public struct LedgerSession {
    /// The open store.
    public let store: LedgerStore
    /// The keys of the key file (the active one signs).
    public let keyRing: KeyRing
    /// The paths it was opened from.
    public let location: LedgerLocation

    /// Opens the ledger for writing, failing closed: the keys load; every entry written since
    /// this installation last verified the ledger verifies (all of them the first time), the
    /// newest one included; the signing key was announced in the ledger; and the ledger still
    /// holds the last checkpoint this installation took (so a ledger cut short and re-chained is
    /// never extended). Nothing has been written or sent anywhere when this throws.
    ///
    /// Throws ``LedgerError`` (`checkpointMismatch`, `tailDoesNotVerify`, `entryDoesNotVerify`,
    /// key and I/O errors); messages name paths, never key material.
    public static func openForWriting(_ location: LedgerLocation) throws -> LedgerSession {
        let ring = try location.loadKeys()
        let store = try LedgerStore.open(database: location.database, writable: true)
        store.verifiedMarkPath = location.verifiedMarkPath(ledgerID: store.ledgerID)
        // The last checkpoint first: a ledger cut short is reported as such (the most specific reason).
        let local = location.localCheckpointPath(ledgerID: store.ledgerID)
        if FileManager.default.fileExists(atPath: local) {
            let checkpoint = try Checkpoint.load(path: local)
            guard try checkpoint.isAuthentic(keyRing: ring) else {
                throw LedgerError.checkpointMismatch(path: local, reason: "the checkpoint's hmac does not verify")
            }
            if let reason = try checkpoint.mismatch(in: store) {
                throw LedgerError.checkpointMismatch(path: local, reason: reason)
            }
        }
        try store.checkWritable(keyRing: ring)
        return LedgerSession(store: store, keyRing: ring, location: location)
    }

    /// Appends one entry (the store's append with this session's keys).
    @discardableResult
    public func append(_ draft: EntryDraft, provenance: Provenance) throws -> LedgerEntry {
        try store.append(draft, keyRing: keyRing, provenance: provenance)
    }
}
