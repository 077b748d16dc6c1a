/// What kind of problem verification found: in a ledger's rows (`ledger verify`), in an
/// evidence bundle (`ledger verify --bundle`), or in the rows of an export. An open set of
/// kinds; `rawValue` is what JSON output prints.
public struct FindingKind: RawRepresentable, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }

    // The chain rules (`ChainChecker`), for every source.

    /// seq does not continue 1, 2, 3, … (rows removed, inserted or reordered, or numbering changed).
    public static let gap = FindingKind(rawValue: "gap")
    /// `prev_mac` is not the previous row's `mac` (rows removed, inserted or reordered).
    public static let brokenLink = FindingKind(rawValue: "broken_link")
    /// `mac` does not recompute with the named key (a column was changed).
    public static let macMismatch = FindingKind(rawValue: "mac_mismatch")
    /// `ledger_id` differs from the ledger's (a row spliced in from another ledger).
    public static let foreignLedgerID = FindingKind(rawValue: "foreign_ledger_id")
    /// `key_id` (or a bundle's `header_key_id`) names no key in the key file.
    public static let unknownKeyID = FindingKind(rawValue: "unknown_key_id")
    /// The row is signed by a key that had already been retired by a `key.rotated` entry.
    public static let retiredKey = FindingKind(rawValue: "retired_key")
    /// The row is signed by a key that is neither the genesis key (the first entry's) nor
    /// announced by a `key.rotated` entry signed by its predecessor: a line added to the key file.
    public static let unannouncedKey = FindingKind(rawValue: "unannounced_key")
    /// A value the format does not allow (a REAL or BLOB, a non-integer seq).
    public static let malformedValue = FindingKind(rawValue: "malformed_value")

    // The database only.

    /// The ledger does not hold a checkpoint's (seq, mac): cut short or rewritten.
    public static let checkpointMismatch = FindingKind(rawValue: "checkpoint_mismatch")

    // Evidence bundles only.

    /// Line 1 is missing or is not a version-1 bundle header.
    public static let malformedHeader = FindingKind(rawValue: "malformed_header")
    /// The header's `header_mac` does not recompute: the header was edited.
    public static let headerMacMismatch = FindingKind(rawValue: "header_mac_mismatch")
    /// The header's claims (range, counts, key ids, head) disagree with the lines.
    public static let headerMismatch = FindingKind(rawValue: "header_mismatch")
    /// A line is not an entry line (`{"entry":{…},"mac":"…","matched":…}`).
    public static let malformedLine = FindingKind(rawValue: "malformed_line")
    /// A line is not in RFC 8785 canonical form: it was re-encoded or edited.
    public static let notCanonical = FindingKind(rawValue: "not_canonical")
    /// The bundle holds no entry lines.
    public static let empty = FindingKind(rawValue: "empty")
    /// The lines' `matched` flags do not give the header's `matched_digest`: a flag was changed.
    public static let matchedMismatch = FindingKind(rawValue: "matched_mismatch")
    /// A line is longer than `EvidenceBundle.maxLineBytes`: reading stopped there.
    public static let lineTooLong = FindingKind(rawValue: "line_too_long")

    /// Every kind this version reports.
    public static let allCases: [FindingKind] = [
        .gap, .brokenLink, .macMismatch, .foreignLedgerID, .unknownKeyID, .retiredKey, .unannouncedKey, .malformedValue,
        .checkpointMismatch, .malformedHeader, .headerMacMismatch, .headerMismatch, .malformedLine, .notCanonical, .empty,
        .matchedMismatch, .lineTooLong,
    ]
}

/// One problem found by verification, in a ledger's rows or in an evidence bundle.
public struct Finding: Sendable, Equatable {
    /// The row concerned (for a bundle: the entry's seq when it could be read, or the seq
    /// expected on that line; nil for the header).
    public let seq: Int64?
    /// The 1-based bundle line (the header is line 1); nil for a database row.
    public let line: Int?
    /// What is wrong.
    public let kind: FindingKind
    /// A sentence for people.
    public let message: String

    /// A finding in a ledger's row `seq`.
    public init(seq: Int64, kind: FindingKind, message: String) {
        self.seq = seq
        self.line = nil
        self.kind = kind
        self.message = message
    }

    /// A finding on bundle line `line`.
    public init(line: Int, seq: Int64?, kind: FindingKind, message: String) {
        self.seq = seq
        self.line = line
        self.kind = kind
        self.message = message
    }

    /// The finding as JSON: `seq`, `kind`, `message`, and `line` first for a bundle finding.
    public var jsonValue: JSONValue {
        var object: [String: JSONValue] = [
            "seq": seq.map { .integer($0) } ?? .null, "kind": .string(kind.rawValue), "message": .string(message),
        ]
        if let line { object["line"] = .integer(Int64(line)) }
        return .object(object)
    }
}

/// The finding type of bundle verification (one type for every source).
public typealias BundleFinding = Finding
/// The finding kinds of bundle verification (one type for every source).
public typealias BundleFindingKind = FindingKind

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
            "findings": .array(findings.map(\.jsonValue)),
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
