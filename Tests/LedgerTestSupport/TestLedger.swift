import Foundation
import LedgerCore

/// A throwaway ledger and key file in a temporary directory.
public final class TestLedger: @unchecked Sendable {
    /// The directory holding both files.
    public let directory: TemporaryDirectory
    /// The database path.
    public let dbPath: String
    /// The key file path.
    public let keyPath: String
    /// The keys.
    public private(set) var keyRing: KeyRing
    /// The provenance used for writes.
    public let provenance = Provenance(actor: "test-actor", osUser: "tester", host: "test-host")

    /// Creates a key file and a ledger with its first entry.
    public init() throws {
        directory = TemporaryDirectory()
        dbPath = directory.file("ledger.sqlite")
        keyPath = directory.file("ledger.key")
        keyRing = try KeyFile.create(path: keyPath)
        _ = try LedgerStore.create(path: dbPath, keyRing: keyRing, provenance: provenance)
    }

    /// `--db PATH --key-file PATH` for running the `ledger` binary on this ledger.
    public var arguments: [String] { ["--db", dbPath, "--key-file", keyPath] }

    /// Opens the ledger for writing.
    public func open() throws -> LedgerStore { try LedgerStore.open(path: dbPath, writable: true) }

    /// Appends `count` varied entries (every kind and most columns) through the library.
    public func appendSample(count: Int) throws {
        keyRing = try KeyFile.load(path: keyPath)  // `ledger keys rotate` may have added a key
        let store = try open()
        var i = 0
        while i < count {
            let batch = (i..<min(count, i + 10_000)).map(Self.sampleDraft)
            _ = try store.append(contentsOf: batch, keyRing: keyRing, provenance: provenance)
            i += batch.count
        }
    }

    /// A deterministic, varied draft (text with quotes, control characters and non-ASCII included).
    public static func sampleDraft(_ i: Int) -> EntryDraft {
        let kinds = [EntryKind.switchRequested, EntryKind.switchCompleted, EntryKind.jobChecked, EntryKind.jobUploaded]
        var draft = EntryDraft(kind: kinds[i % kinds.count])
        draft.model = ["churn", "fraud", "ltv"][i % 3]
        draft.retrainJobID = "job-\(i)"
        draft.reason = i % 5 == 0 ? "CHG-\(i) \"quoted\" \\ tab\t newline\n café ✓" : "CHG-\(i)"
        draft.apiKeyID = "0123456789abcdef"
        if draft.kind == EntryKind.switchCompleted {
            draft.refSeq = Int64(i + 1)
            draft.outcome = [.succeeded, .rejected, .failed][i % 3]
            draft.httpStatus = i % 3 == 2 ? nil : (i % 3 == 0 ? 200 : 400)
            draft.responseBody = "{\"metadata\":{\"retrain_job_id\":\"job-\(i)\"}}"
            draft.durationMs = Int64(i % 97)
            draft.requestMethod = "PUT"
            draft.requestURL = "https://example.invalid/v1/external/retrain_jobs/job-\(i)/update_model"
            if i % 3 == 1 {
                draft.errorCode = "4001000204"
                draft.errorMessage = "Not found retrain job."
            }
        }
        if draft.kind == EntryKind.jobChecked {
            draft.modelID = Int64(100 + i % 3)
            draft.details = ["status": "finished"]
        }
        return draft
    }

    /// Runs SQL against the database the way an attacker with file access would:
    /// dropping the append-only triggers first.
    public func tamper(_ sql: String) throws {
        let connection = try SQLiteConnection(path: dbPath, mode: .readWrite)
        try connection.execute("DROP TRIGGER IF EXISTS entries_no_update; DROP TRIGGER IF EXISTS entries_no_delete;")
        try connection.execute(sql)
    }

    /// Replaces the key file with a different key (a "wrong key").
    public func replaceKeyFile() throws {
        try FileManager.default.removeItem(atPath: keyPath)
        keyRing = try KeyFile.create(path: keyPath)
    }
}
