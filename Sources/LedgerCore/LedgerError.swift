import Foundation

/// Everything that can go wrong in the ledger core, with messages a user can act on.
///
/// Messages never contain key material, API keys or bound SQL values.
public enum LedgerError: Error, LocalizedError {
    /// No database file at `path`.
    case noLedger(path: String)
    /// `ledger init` found an existing ledger.
    case ledgerExists(path: String)
    /// The file is not a model-ledger database.
    case notALedger(path: String, detail: String)
    /// The database records a schema version newer than this binary knows.
    case schemaTooNew(path: String, version: Int, newestKnown: Int)
    /// A migration recorded in the database differs from the one this binary ships.
    case migrationChanged(path: String, version: Int, name: String)
    /// A SQLite call failed.
    case database(SQLiteError)
    /// An OpenSSL call failed.
    case crypto(CryptoError)
    /// No key file at `path`.
    case keyFileMissing(path: String)
    /// The key file is readable or writable by group or others.
    case keyFilePermissions(path: String, mode: UInt16)
    /// The key file's content is not in the documented format.
    case keyFileMalformed(path: String, reason: String)
    /// The key file already exists (when creating one).
    case keyFileExists(path: String)
    /// A secret file (key, private key, API key) could have been written or swapped by another user.
    case unsafeSecretFile(path: String, reason: String)
    /// A file could not be read or written.
    case io(path: String, reason: String)
    /// The ledger's newest entry is signed by a key that is not in the key file.
    case unknownSigningKey(keyID: String, keyFile: String)
    /// The tail of the chain does not verify: appending would extend a tampered ledger.
    case tailDoesNotVerify(seq: Int64, reason: String)
    /// An entry written since this installation last verified the ledger does not verify.
    case entryDoesNotVerify(seq: Int64, reason: String)
    /// The key file's active key was never announced in the ledger (not the genesis key, no `key.rotated` names it).
    case unannouncedSigningKey(keyID: String, keyFile: String)
    /// A ranged verification selected no entry (e.g. `--from` past the head).
    case nothingToVerify(from: Int64, to: Int64, head: Int64)
    /// An entry could not be decoded from its row.
    case malformedEntry(seq: Int64?, reason: String)
    /// The requested entry does not exist.
    case noSuchEntry(seq: Int64)
    /// A checkpoint file is not in the documented format.
    case malformedCheckpoint(path: String, reason: String)
    /// The ledger no longer matches a checkpoint this installation recorded: it was cut short or rewritten.
    case checkpointMismatch(path: String, reason: String)

    public var errorDescription: String? {
        switch self {
        case let .noLedger(path):
            return "no ledger at \(path). Create one with `ledger init --db \(path)`, or point --db / LEDGER_DB at an existing ledger."
        case let .ledgerExists(path):
            return "a ledger already exists at \(path); refusing to overwrite it. Choose another --db path."
        case let .notALedger(path, detail):
            return "\(path) is not a model-ledger database (\(detail))."
        case let .schemaTooNew(path, version, newest):
            return "\(path) has schema version \(version), but this ledger binary knows versions up to \(newest). Upgrade model-ledger to read it."
        case let .migrationChanged(path, version, name):
            return
                "\(path): migration \(String(format: "%04d", version))_\(name) recorded in the database differs from the one this binary ships (checksum mismatch). The schema was edited; refusing to use it."
        case let .database(error):
            return error.errorDescription
        case let .crypto(error):
            return error.errorDescription
        case let .keyFileMissing(path):
            return "no key file at \(path). `ledger init` creates one; otherwise point --key-file / LEDGER_KEY_FILE at the ledger's key."
        case let .keyFilePermissions(path, mode):
            return
                "key file \(path) has mode \(String(format: "%04o", mode)); it must not be readable or writable by group or others. Fix it with: chmod 600 \(path)"
        case let .keyFileMalformed(path, reason):
            return "key file \(path) is malformed: \(reason). Each line must be 64 lowercase hex digits (a 32-byte key); the last line is the active key."
        case let .keyFileExists(path):
            return "key file \(path) already exists; refusing to overwrite it."
        case let .unsafeSecretFile(path, reason):
            return "refusing to read \(path): \(reason)."
        case let .io(path, reason):
            return "\(path): \(reason)"
        case let .unknownSigningKey(keyID, keyFile):
            return "the ledger's newest entry is signed by key \(keyID), which is not in \(keyFile). Use the key file this ledger was created with."
        case let .tailDoesNotVerify(seq, reason):
            return
                "refusing to append: the ledger's newest entry (seq \(seq)) does not verify (\(reason)). The ledger may have been tampered with; run `ledger verify` and investigate before writing."
        case let .entryDoesNotVerify(seq, reason):
            return
                "refusing to append: entry seq \(seq) does not verify (\(reason)). The ledger may have been tampered with; run `ledger verify` and investigate before writing."
        case let .unannouncedSigningKey(keyID, keyFile):
            return
                "refusing to sign with key \(keyID), the last line of \(keyFile): this ledger never announced it (it is not the key of the first entry, and no key.rotated entry names it). Keys are added only by `ledger keys rotate`; remove the extra line or use this ledger's key file."
        case let .nothingToVerify(from, to, head):
            let upper = to == Int64.max ? "the head" : "seq \(to)"
            return "nothing to verify: the ledger holds seq 1…\(head), and seq \(from)…\(upper) selects none of them. Choose --from/--to within 1…\(head)."
        case let .malformedEntry(seq, reason):
            return "entry \(seq.map(String.init) ?? "?") cannot be read: \(reason)"
        case let .noSuchEntry(seq):
            return "the ledger has no entry with seq \(seq)."
        case let .malformedCheckpoint(path, reason):
            return "checkpoint \(path) is malformed: \(reason)."
        case let .checkpointMismatch(path, reason):
            return
                "refusing to append: the ledger does not match the last checkpoint (\(path)): \(reason). Run `ledger verify --checkpoint \(path)` and investigate before writing."
        }
    }

    /// True for errors about keys and configuration (as opposed to the database).
    public var isConfiguration: Bool {
        switch self {
        case .keyFileMissing, .keyFilePermissions, .keyFileMalformed, .keyFileExists, .unsafeSecretFile, .unknownSigningKey, .unannouncedSigningKey:
            return true
        default: return false
        }
    }
}

extension LedgerError {
    /// Wraps lower-level errors so callers see one type.
    static func wrap(_ error: any Error) -> LedgerError {
        switch error {
        case let e as LedgerError: return e
        case let e as SQLiteError: return .database(e)
        case let e as CryptoError: return .crypto(e)
        default: return .io(path: "ledger", reason: error.localizedDescription)
        }
    }
}
