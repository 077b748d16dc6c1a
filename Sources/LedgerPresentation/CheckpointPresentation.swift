import Foundation
import LedgerCore
import LedgerWorkflows

/// What `ledger checkpoint` (create) answers.
///
/// The document: `ledger_id`, `seq`, `mac`, `path` (where the statement was written; null when it was
/// not written to a file), `local_copy`, `signed`; with a signed note also `note`, `origin`,
/// `tree_size`, `root_hash`, `vkey`, `time_stamp`, `time_stamp_failure`; and, only when `path` is
/// null, `statement`: the statement's exact text (what the CLI prints on stdout without `--out`).
public enum CheckpointPresentation {
    /// The document of `created` (with `--out`, exactly what `ledger checkpoint --format json` prints).
    public static func document(_ created: CreatedCheckpoint) -> JSONValue {
        let entry = created.entry
        var object: [String: JSONValue] = [
            "ledger_id": .string(entry.ledgerID), "seq": .integer(entry.seq), "mac": .string(entry.mac),
            "path": created.out.map { .string($0) } ?? .null, "local_copy": .string(created.localCopy), "signed": .bool(created.signed),
        ]
        if created.out == nil { object["statement"] = .string(created.statement) }
        if let note = created.note {
            for (key, value) in noteMembers(note) { object[key] = value }
        }
        return .object(object)
    }

    /// 0, or the time-stamp's failure (the checkpoint, statement and note were written without it).
    public static func exitCode(_ created: CreatedCheckpoint) -> LedgerExitCode {
        created.note?.timeStampFailure?.exitCode ?? .ok
    }

    /// The note members of the document.
    public static func noteMembers(_ note: WrittenNote) -> [String: JSONValue] {
        var object: [String: JSONValue] = [
            "note": .string(note.path), "origin": .string(note.checkpoint.origin), "tree_size": .integer(note.checkpoint.size),
            "root_hash": .string(Data(note.checkpoint.rootHash).base64EncodedString()), "vkey": .string(note.vkey),
        ]
        object["time_stamp"] =
            note.timeStamp.map { stamp in
                .object([
                    "path": note.timeStampPath.map { .string($0) } ?? .null, "gen_time": stamp.genTime.map { .string($0) } ?? .null,
                    "verified": .bool(stamp.verified),
                ])
            } ?? .null
        object["time_stamp_failure"] = note.timeStampFailure.map { .string($0.description) } ?? .null
        return object
    }
}

extension TransparencyError {
    /// The documented exit code: 64 usage, 78 unusable key or CA, 4 TSA failure, 2 malformed note, 74 otherwise.
    public var exitCode: LedgerExitCode {
        if isUsage { return .usage }
        if isConfiguration { return .configError }
        if isService { return .serviceFailed }
        if case .malformedNote = self { return .tampered }
        return .ledgerError
    }
}
