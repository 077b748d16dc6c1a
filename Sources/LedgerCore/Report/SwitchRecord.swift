/// One switch: a `switch.requested` entry and, when there is one, the first `switch.completed` or
/// `switch.resolved` entry whose `ref_seq` is the request's seq.
public struct SwitchRecord: Sendable, Equatable {
    /// seq of the `switch.requested` entry.
    public var requestSeq: Int64
    /// When the switch was requested (`recorded_at` of the request).
    public var requestedAt: String
    /// The operator's name for the model.
    public var model: String?
    /// The retrain job the model was to be switched to.
    public var retrainJobID: String?
    /// Who requested the switch.
    public var actor: String
    /// Why (the request's reason: justification or change ticket).
    public var reason: String?
    /// What the ledger knows about the outcome.
    public var outcome: SwitchOutcome
    /// seq of the completion (`switch.completed` or `switch.resolved`), nil while unresolved.
    public var completionSeq: Int64?
    /// `switch.completed` or `switch.resolved`.
    public var completionKind: EntryKind?
    /// When the outcome was recorded.
    public var completedAt: String?
    /// Who recorded the outcome (for `switch.resolved`: the operator who resolved it).
    public var completedBy: String?
    /// The reason on a `switch.resolved` entry: how the operator found out.
    public var resolutionReason: String?
    /// The service's HTTP status, when a response arrived.
    public var httpStatus: Int64?
    /// The service's error code, e.g. `4001000204`.
    public var errorCode: String?
    /// The service's error message or the transport error.
    public var errorMessage: String?
    /// How long the call took.
    public var durationMs: Int64?
    /// Every completion of this switch when they disagree (e.g. resolved as failed by an operator,
    /// then recorded as succeeded by its writer): empty when there is one outcome. The first
    /// completion still sets `outcome`, but every view shows the conflict rather than hiding it.
    public var conflictingCompletions: [CompletionFact] = []
    /// How the switch was authorised (proposal, approvals, emergency and review, rollback): nil in a
    /// ledger that records nothing of the approval workflow, so that such reports read as before.
    public var approval: SwitchApproval?
    /// The request's `details` (canonical JSON text), where the approval facts are read from.
    var requestDetails: String?

    /// One completion of a switch, as listed when completions conflict.
    public struct CompletionFact: Sendable, Equatable {
        public var seq: Int64
        public var kind: EntryKind
        /// The completion's outcome, nil when it records none.
        public var outcome: Outcome?
        public var actor: String

        public init(seq: Int64, kind: EntryKind, outcome: Outcome?, actor: String) {
            self.seq = seq
            self.kind = kind
            self.outcome = outcome
            self.actor = actor
        }

        /// `switch.resolved seq 12 (carol): failed`
        public var summary: String { "\(kind) seq \(seq) (\(actor)): \(outcome)" }
    }

    /// True when the switch's completions disagree.
    public var hasConflict: Bool { !conflictingCompletions.isEmpty }

    /// A switch with only its request facts (outcome unresolved until a completion is attached).
    public init(requestSeq: Int64, requestedAt: String, model: String?, retrainJobID: String?, actor: String, reason: String?) {
        self.requestSeq = requestSeq
        self.requestedAt = requestedAt
        self.model = model
        self.retrainJobID = retrainJobID
        self.actor = actor
        self.reason = reason
        self.outcome = .unresolved
    }

    /// True when an operator recorded the outcome with `ledger resolve`.
    public var isResolvedByOperator: Bool { completionKind == EntryKind.switchResolved }

    /// The switch as JSON (absent facts as null).
    public var jsonValue: JSONValue {
        func text(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }
        func int(_ i: Int64?) -> JSONValue { i.map { .integer($0) } ?? .null }
        var object: [String: JSONValue] = [
            "conflicting_completions": .array(
                conflictingCompletions.map {
                    .object([
                        "seq": .integer($0.seq), "kind": .string($0.kind.rawValue), "outcome": .string($0.outcome?.rawValue ?? "none"),
                        "actor": .string($0.actor),
                    ])
                }),
            "request_seq": .integer(requestSeq),
            "requested_at": .string(requestedAt),
            "model": text(model),
            "retrain_job_id": text(retrainJobID),
            "actor": .string(actor),
            "reason": text(reason),
            "outcome": .string(outcome.rawValue),
            "completion_seq": int(completionSeq),
            "completion_kind": text(completionKind?.rawValue),
            "completed_at": text(completedAt),
            "completed_by": text(completedBy),
            "resolution_reason": text(resolutionReason),
            "http_status": int(httpStatus),
            "error_code": text(errorCode),
            "error_message": text(errorMessage),
            "duration_ms": int(durationMs),
        ]
        if let approval { object["approval"] = approval.jsonValue }
        return .object(object)
    }
}

/// Switch counts by outcome.
public struct OutcomeCounts: Sendable, Equatable {
    public var succeeded: Int64 = 0
    public var rejected: Int64 = 0
    public var failed: Int64 = 0
    public var unresolved: Int64 = 0

    /// No switches.
    public init() {}

    /// All switches.
    public var total: Int64 { succeeded + rejected + failed + unresolved }

    /// The count for one outcome.
    public subscript(outcome: SwitchOutcome) -> Int64 {
        get {
            switch outcome {
            case .succeeded: succeeded
            case .rejected: rejected
            case .failed: failed
            case .unresolved: unresolved
            }
        }
        set {
            switch outcome {
            case .succeeded: succeeded = newValue
            case .rejected: rejected = newValue
            case .failed: failed = newValue
            case .unresolved: unresolved = newValue
            }
        }
    }

    /// The counts as JSON.
    public var jsonValue: JSONValue {
        .object([
            "succeeded": .integer(succeeded), "rejected": .integer(rejected), "failed": .integer(failed),
            "unresolved": .integer(unresolved), "total": .integer(total),
        ])
    }
}

/// Switch counts for one model or one actor.
public struct GroupCounts: Sendable, Equatable {
    /// The model or actor.
    public var name: String
    /// Its switches by outcome.
    public var counts: OutcomeCounts

    public init(name: String, counts: OutcomeCounts) {
        self.name = name
        self.counts = counts
    }
}

/// Switches that did not succeed for the same documented reason (same outcome, error code and message).
public struct FailureGroup: Sendable, Equatable {
    /// `rejected` or `failed`.
    public var outcome: SwitchOutcome
    /// The service's error code, if any.
    public var errorCode: String?
    /// The service's error message or the transport error, if any.
    public var errorMessage: String?
    /// How many switches.
    public var count: Int64
    /// The models concerned, sorted.
    public var models: [String]
    /// seq of the first and the last such switch request.
    public var firstRequestSeq: Int64
    public var lastRequestSeq: Int64
    /// When the last one was requested.
    public var lastRequestedAt: String

    public init(
        outcome: SwitchOutcome, errorCode: String?, errorMessage: String?, count: Int64, models: [String],
        firstRequestSeq: Int64, lastRequestSeq: Int64, lastRequestedAt: String
    ) {
        self.outcome = outcome
        self.errorCode = errorCode
        self.errorMessage = errorMessage
        self.count = count
        self.models = models
        self.firstRequestSeq = firstRequestSeq
        self.lastRequestSeq = lastRequestSeq
        self.lastRequestedAt = lastRequestedAt
    }

    /// The group as JSON.
    public var jsonValue: JSONValue {
        .object([
            "outcome": .string(outcome.rawValue),
            "error_code": errorCode.map { .string($0) } ?? .null,
            "error_message": errorMessage.map { .string($0) } ?? .null,
            "count": .integer(count),
            "models": .array(models.map { .string($0) }),
            "first_request_seq": .integer(firstRequestSeq),
            "last_request_seq": .integer(lastRequestSeq),
            "last_requested_at": .string(lastRequestedAt),
        ])
    }
}

/// A ledger-wide event shown in a report: a key rotation or a checkpoint.
public struct LedgerEvent: Sendable, Equatable {
    public var seq: Int64
    public var recordedAt: String
    public var kind: EntryKind
    public var actor: String
    public var reason: String?
    /// The entry's `details` (canonical JSON text), e.g. `{"new_key_id":…,"old_key_id":…}`.
    public var details: String?
    /// The key that signed the entry.
    public var keyID: String

    public init(seq: Int64, recordedAt: String, kind: EntryKind, actor: String, reason: String?, details: String?, keyID: String) {
        self.seq = seq
        self.recordedAt = recordedAt
        self.kind = kind
        self.actor = actor
        self.reason = reason
        self.details = details
        self.keyID = keyID
    }

    /// The event as JSON (`details` as a nested object when it parses).
    public var jsonValue: JSONValue {
        var detailsValue: JSONValue = .null
        if let details { detailsValue = (try? JSONValue(parsing: details)) ?? .string(details) }
        return .object([
            "seq": .integer(seq), "recorded_at": .string(recordedAt), "kind": .string(kind.rawValue), "actor": .string(actor),
            "reason": reason.map { .string($0) } ?? .null, "details": detailsValue, "key_id": .string(keyID),
        ])
    }
}

/// One switch on the report's timeline.
public struct TimelinePoint: Sendable, Equatable {
    public var model: String
    /// When it was requested, in milliseconds since the epoch.
    public var epochMilliseconds: Int64
    public var outcome: SwitchOutcome
    public var requestSeq: Int64

    public init(model: String, epochMilliseconds: Int64, outcome: SwitchOutcome, requestSeq: Int64) {
        self.model = model
        self.epochMilliseconds = epochMilliseconds
        self.outcome = outcome
        self.requestSeq = requestSeq
    }
}
