/// What kind of problem a verifier found in a row.
public enum FindingKind: String, Sendable, CaseIterable {
    /// seq does not continue 1, 2, 3, … (rows removed, or numbering changed).
    case gap
    /// `prev_mac` is not the previous row's `mac` (rows removed, inserted or reordered).
    case brokenLink = "broken_link"
    /// `mac` does not recompute with the named key (a column was changed).
    case macMismatch = "mac_mismatch"
    /// `ledger_id` differs from the ledger's (a row spliced in from another ledger).
    case foreignLedgerID = "foreign_ledger_id"
    /// `key_id` names no key in the key file.
    case unknownKeyID = "unknown_key_id"
    /// The row is signed by a key that had already been retired by a `key.rotated` entry.
    case retiredKey = "retired_key"
    /// The row is signed by a key that is neither the genesis key (the first entry's) nor
    /// announced by a `key.rotated` entry signed by its predecessor: a line added to the key file.
    case unannouncedKey = "unannounced_key"
    /// A value the format does not allow (a REAL or BLOB, a non-integer seq).
    case malformedValue = "malformed_value"
    /// The ledger does not hold a checkpoint's (seq, mac): cut short or rewritten.
    case checkpointMismatch = "checkpoint_mismatch"
}

/// One problem found by verification.
public struct Finding: Sendable, Equatable {
    /// The row concerned.
    public let seq: Int64
    /// What is wrong.
    public let kind: FindingKind
    /// A sentence for people.
    public let message: String

    public init(seq: Int64, kind: FindingKind, message: String) {
        self.seq = seq
        self.kind = kind
        self.message = message
    }
}

/// The result of verifying a ledger.
public struct VerificationReport: Sendable {
    /// The ledger's id (from its first row).
    public var ledgerID: String?
    /// Rows scanned.
    public var entries: Int64 = 0
    /// seq and mac of the last row.
    public var headSeq: Int64?
    public var headMac: String?
    /// recorded_at of the first and last rows.
    public var firstRecordedAt: String?
    public var lastRecordedAt: String?
    /// Rows signed by each key id of the key file, in the order keys were first seen.
    public var keyUsage: [(keyID: String, rows: Int64)] = []
    /// Rows signed by key ids that are not in the key file, in the order first seen (at most
    /// ``unknownKeyLimit`` distinct ids are kept; their rows are all counted in `findingCount`).
    public var unknownKeyUsage: [(keyID: String, rows: Int64)] = []
    /// How many distinct unknown key ids ``unknownKeyUsage`` keeps.
    public static let unknownKeyLimit = 100
    /// The findings, in seq order (at most `findingLimit` of them are kept).
    public var findings: [Finding] = []
    /// How many findings there were in all.
    public var findingCount = 0
    /// seqs of `switch.requested` rows with no completion: the outcome of those switches is unknown.
    public var unresolvedSwitches: [Int64] = []
    /// Checkpoints checked and matched.
    public var checkpointsMatched = 0
    /// Observations that are not tampering by themselves (e.g. the append-only triggers are missing).
    public var warnings: [String] = []
    /// Seconds the scan took.
    public var seconds: Double = 0

    /// True when nothing was found.
    public var isIntact: Bool { findingCount == 0 }

    /// True when rows were scanned and not one of them is signed by a key in the key file: the key
    /// file belongs to another ledger (or every row's `key_id` was rewritten). No mac could be
    /// checked, so this is reported as a configuration problem ("wrong key file"), not as tampering.
    /// False as soon as one row's key is in the key file (its findings are then real findings).
    public var isWrongKeyFile: Bool { entries > 0 && keyUsage.isEmpty && !unknownKeyUsage.isEmpty }

    public init() {}

    /// The report as JSON (for `--format json`).
    public var jsonValue: JSONValue {
        var object: [String: JSONValue] = [
            "intact": .bool(isIntact),
            "entries": .integer(entries),
            "finding_count": .integer(Int64(findingCount)),
            "findings": .array(findings.map {
                .object(["seq": .integer($0.seq), "kind": .string($0.kind.rawValue), "message": .string($0.message)])
            }),
            "unresolved_switches": .array(unresolvedSwitches.map { .integer($0) }),
            "keys": .array(keyUsage.map { .object(["key_id": .string($0.keyID), "rows": .integer($0.rows)]) }),
            "unknown_keys": .array(unknownKeyUsage.map { .object(["key_id": .string($0.keyID), "rows": .integer($0.rows)]) }),
            "wrong_key_file": .bool(isWrongKeyFile),
            "checkpoints_matched": .integer(Int64(checkpointsMatched)),
            "warnings": .array(warnings.map { .string($0) }),
        ]
        object["ledger_id"] = ledgerID.map { .string($0) } ?? .null
        object["head_seq"] = headSeq.map { .integer($0) } ?? .null
        object["head_mac"] = headMac.map { .string($0) } ?? .null
        object["first_recorded_at"] = firstRecordedAt.map { .string($0) } ?? .null
        object["last_recorded_at"] = lastRecordedAt.map { .string($0) } ?? .null
        return .object(object)
    }
}
