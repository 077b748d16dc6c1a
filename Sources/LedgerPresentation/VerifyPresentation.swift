import Foundation
import LedgerCore
import LedgerWorkflows

/// What `ledger verify` (of the database) answers: the verification report's members (`intact`,
/// `entries`, `finding_count`, `findings`, `unresolved_switches`, `keys`, `unknown_keys`,
/// `wrong_key_file`, `checkpoints_matched`, `warnings`, `ledger_id`, `head_seq`, `head_mac`,
/// `first_recorded_at`, `last_recorded_at`), `db`, `elapsed_ms`; with `--checkpoint` statements
/// `checkpoint_statements` (how many were given); with signed notes `notes` and `notes_head_seq`.
public enum VerifyPresentation {
    /// The document of `report` for the database `db` (its path, or its password-free URL).
    public static func document(_ report: VerificationReport, db: String, notes: LedgerNoteReport? = nil, checkpointStatements: Int = 0) -> JSONValue {
        var object = report.jsonValue.objectValue ?? [:]
        object["db"] = .string(db)
        object["elapsed_ms"] = .integer(milliseconds(report.seconds))
        if checkpointStatements > 0 { object["checkpoint_statements"] = .integer(Int64(checkpointStatements)) }
        if let notes {
            object["notes"] = .array(notes.notes.map(noteDocument))
            object["notes_head_seq"] = .integer(notes.headSeq)
        }
        return .object(object)
    }

    /// 0 intact, 2 tampered (the wrong key file is an error, 78, before any document).
    public static func exitCode(_ report: VerificationReport) -> LedgerExitCode {
        report.isIntact ? .ok : .tampered
    }

    /// A note's row in the document.
    public static func noteDocument(_ match: NoteMatch) -> JSONValue {
        let c = match.check.checkpoint
        var object: [String: JSONValue] = [
            "file": .string(match.check.path), "authentic": .bool(match.check.isAuthentic), "matched": .bool(match.finding == nil),
            "finding": match.finding.map { .string($0) } ?? .null,
        ]
        object["origin"] = c.map { .string($0.origin) } ?? .null
        object["tree_size"] = c.map { .integer($0.size) } ?? .null
        object["root_hash"] = c.map { .string(Data($0.rootHash).base64EncodedString()) } ?? .null
        object["recomputed_root"] = match.recomputedRoot.map { .string(Data($0).base64EncodedString()) } ?? .null
        return .object(object)
    }

    static func milliseconds(_ seconds: Double) -> Int64 {
        guard seconds.isFinite, seconds > 0 else { return 0 }
        return seconds < 9.0e15 ? Int64((seconds * 1000).rounded()) : Int64.max
    }
}
