/// What the ledger knows about the outcome of one switch.
public enum SwitchOutcome: String, Sendable, CaseIterable, Hashable {
    /// The service accepted the switch (`switch.completed` or `switch.resolved` with outcome succeeded).
    case succeeded
    /// The service answered and said no.
    case rejected
    /// No usable answer (timeout, connection error, malformed reply, server error).
    case failed
    /// A `switch.requested` with no `switch.completed` or `switch.resolved`: the outcome is unknown.
    case unresolved

    /// The outcome recorded by a completion entry; an outcome the format does not define counts as failed
    /// (there was no usable answer).
    init(completion outcome: Outcome?) {
        switch outcome {
        case .succeeded?: self = .succeeded
        case .rejected?: self = .rejected
        default: self = .failed
        }
    }
}

/// Which switches and events a report covers. Every filter is optional; they combine with AND.
///
/// A switch is one `switch.requested` entry together with the first `switch.completed` or
/// `switch.resolved` entry whose `ref_seq` is its seq. The period, model and actor filters apply
/// to the request (when it was asked for, for which model, by whom); the outcome filter applies to
/// the outcome as defined by `SwitchOutcome`.
public struct ReportFilter: Sendable, Equatable {
    /// Inclusive lower bound on `recorded_at`, in the ledger's normal form (`2026-11-29T03:20:55.123Z`).
    public var since: String?
    /// Inclusive upper bound on `recorded_at`, in the ledger's normal form.
    public var until: String?
    /// Only switches of this model.
    public var model: String?
    /// Only switches requested by this actor (and key rotations and checkpoints written by them).
    public var actor: String?
    /// Only switches with this outcome.
    public var outcome: SwitchOutcome?
    /// Only what entries of this kind record: one of `ReportFilter.kinds`.
    public var kind: EntryKind?

    /// Everything.
    public init() {}

    /// The kinds `--kind` accepts, and what each selects.
    public static let kinds: [(kind: EntryKind, meaning: String)] = [
        (EntryKind.switchRequested, "every switch"),
        (EntryKind.switchCompleted, "switches whose outcome `ledger switch` recorded (switch.completed)"),
        (EntryKind.switchResolved, "switches whose outcome an operator recorded later (switch.resolved)"),
        (EntryKind.keyRotated, "key rotations only"),
        (EntryKind.checkpoint, "checkpoints only"),
    ]

    /// True when the switch sections are part of the report.
    public var includesSwitches: Bool {
        kind == nil || kind == EntryKind.switchRequested || kind == EntryKind.switchCompleted || kind == EntryKind.switchResolved
    }

    /// True when key rotations are part of the report.
    public var includesKeyRotations: Bool { kind == nil || kind == EntryKind.keyRotated }

    /// True when checkpoints are part of the report.
    public var includesCheckpoints: Bool { kind == nil || kind == EntryKind.checkpoint }

    /// The filters as JSON (absent filters as null).
    public var jsonValue: JSONValue {
        .object([
            "since": since.map { .string($0) } ?? .null,
            "until": until.map { .string($0) } ?? .null,
            "model": model.map { .string($0) } ?? .null,
            "actor": actor.map { .string($0) } ?? .null,
            "outcome": outcome.map { .string($0.rawValue) } ?? .null,
            "kind": kind.map { .string($0.rawValue) } ?? .null,
        ])
    }

    /// The filters in words, e.g. `model churn, since 2026-11-01T00:00:00.000Z`; `none` when there are none.
    public var summary: String {
        var parts: [String] = []
        if let since { parts.append("since \(since)") }
        if let until { parts.append("until \(until)") }
        if let model { parts.append("model \(model)") }
        if let actor { parts.append("actor \(actor)") }
        if let outcome { parts.append("outcome \(outcome.rawValue)") }
        if let kind { parts.append("kind \(kind)") }
        return parts.isEmpty ? "none" : parts.joined(separator: ", ")
    }
}

/// Turning the times people type into the ledger's normal form.
public enum ReportTime {
    /// The normal form of an instant: RFC 3339 (any offset, optional fraction) or a date (its midnight UTC).
    /// Nil when the text is neither, or not a valid time (`Timestamp.problem(with:)` says why: an impossible
    /// date such as 2026-02-31, an hour, minute, second or offset out of range, or a year outside 0001–9999).
    public static func instant(_ text: String) -> String? {
        Timestamp.parse(text).map { Timestamp.format(epochMilliseconds: $0) }
    }

    /// The normal form of an inclusive upper bound: an RFC 3339 instant as it is, a date as the end of
    /// that day (`2026-11-29` → `2026-11-29T23:59:59.999Z`), so that `--until 2026-11-29` includes the 29th.
    public static func upperBound(_ text: String) -> String? {
        guard let ms = Timestamp.parse(text) else { return nil }
        let isDate = text.utf8.count == 10
        return Timestamp.format(epochMilliseconds: isDate ? ms + 86_400_000 - 1 : ms)
    }

    /// Milliseconds since the epoch of a time in the ledger's normal form.
    public static func epochMilliseconds(_ recordedAt: String) -> Int64? { Timestamp.parse(recordedAt) }
}
