/// Whether, and how, the ledger was verified when a report was made.
public enum ReportVerification: Sendable {
    /// `Verifier` ran over the whole ledger; `report.isIntact` says whether it is intact.
    case verified(VerificationReport)
    /// Verification did not run; `reason` says why (`--no-verify`, or the key file could not be used).
    case notVerified(reason: String)

    /// True only when verification ran and found tampering.
    public var isTampered: Bool {
        if case .verified(let report) = self { return !report.isIntact }
        return false
    }

    /// True only when verification ran and found nothing.
    public var isIntact: Bool {
        if case .verified(let report) = self { return report.isIntact }
        return false
    }

    /// The verifier's report, when it ran.
    public var report: VerificationReport? {
        if case .verified(let report) = self { return report }
        return nil
    }

    /// `intact`, `tampered` or `not_verified`.
    public var status: String {
        switch self {
        case .verified(let report): report.isIntact ? "intact" : "tampered"
        case .notVerified: "not_verified"
        }
    }

    /// One sentence for people.
    public var headline: String {
        switch self {
        case .verified(let report) where report.isIntact:
            return "INTACT: every entry verifies (seq 1…\(report.headSeq ?? 0))"
        case .verified(let report):
            return "TAMPERED: \(report.findingCount) finding(s); this ledger has been altered and the figures below cannot be trusted"
        case .notVerified(let reason):
            return "NOT VERIFIED: \(reason)"
        }
    }

    /// The status as JSON: status, headline, and the verifier's report when it ran.
    public var jsonValue: JSONValue {
        var object: [String: JSONValue] = ["status": .string(status), "headline": .string(headline)]
        switch self {
        case .verified(let report): object["report"] = report.jsonValue
        case .notVerified(let reason): object["reason"] = .string(reason)
        }
        return .object(object)
    }
}

/// Which ledger, and which state of it, a report describes.
public struct LedgerSnapshot: Sendable, Equatable {
    /// The database file.
    public var path: String
    public var ledgerID: String
    /// The newest entry the report covers (entries appended while the report ran are left out).
    public var headSeq: Int64
    public var headMac: String
    public var headRecordedAt: String
    /// When the report was made.
    public var generatedAt: String

    public init(path: String, ledgerID: String, headSeq: Int64, headMac: String, headRecordedAt: String, generatedAt: String) {
        self.path = path
        self.ledgerID = ledgerID
        self.headSeq = headSeq
        self.headMac = headMac
        self.headRecordedAt = headRecordedAt
        self.generatedAt = generatedAt
    }

    /// The snapshot as JSON.
    public var jsonValue: JSONValue {
        .object([
            "db": .string(path), "ledger_id": .string(ledgerID), "head_seq": .integer(headSeq),
            "head_mac": .string(headMac), "head_recorded_at": .string(headRecordedAt), "generated_at": .string(generatedAt),
        ])
    }
}

/// The answer to `ledger report`: who switched which model when, with what outcome, over a period.
public struct LedgerReport: Sendable {
    public var snapshot: LedgerSnapshot
    public var verification: ReportVerification
    public var filter: ReportFilter
    /// The period shown: the filter's bounds, else the first and last switch requested in scope.
    public var periodStart: String?
    public var periodEnd: String?
    /// Every switch in scope, by outcome.
    public var totals = OutcomeCounts()
    /// Switches per model, by name.
    public var byModel: [GroupCounts] = []
    /// Switches per requesting actor, by name.
    public var byActor: [GroupCounts] = []
    /// Rejected and failed switches grouped by outcome, error code and message; most frequent first.
    public var failures: [FailureGroup] = []
    /// Unresolved switches in scope, oldest first.
    public var unresolved: [SwitchRecord] = []
    /// Switches (matching the filter) whose completions disagree: every completion is listed.
    public var conflicts: [SwitchRecord] = []
    /// The newest switches in scope (at most the requested limit), oldest first.
    public var switches: [SwitchRecord] = []
    /// `key.rotated` entries in the period, oldest first.
    public var keyRotations: [LedgerEvent] = []
    /// `checkpoint` entries in the period, oldest first.
    public var checkpoints: [LedgerEvent] = []
    /// Every switch in scope as a point in time (only when asked for: the HTML timeline).
    public var timeline: [TimelinePoint] = []
    /// False when the ledger lacks the report indexes (migration 0003): the report was correct but slow.
    public var usedReportIndexes = true
    /// Who the actors are: ``ReportIdentity/localMode`` (self-declared names).
    public var identity = ReportIdentity.localMode
    /// True when the ledger records the approval workflow (a policy, a proposal, an approval, a
    /// decline or a review): only then are the three sections below, and each switch's approval
    /// facts, part of the report.
    public var approvalsInUse = false
    /// Succeeded, non-emergency switches in scope whose approvals, re-evaluated against the policy
    /// in force at their request, do not satisfy it. Empty in a ledger whose switches went through the gate.
    public var unapproved: [UnapprovedSwitch] = []
    /// Proposals (in the period, of the model, by the actor) neither declined nor used by a switch, oldest first.
    public var pendingProposals: [PendingProposal] = []
    /// Emergency switches in scope with no `switch.reviewed` yet, oldest first.
    public var overdueReviews: [SwitchRecord] = []

    public init(snapshot: LedgerSnapshot, verification: ReportVerification, filter: ReportFilter) {
        self.snapshot = snapshot
        self.verification = verification
        self.filter = filter
    }

    /// The report as JSON (without the timeline, which is derived from the switches).
    public var jsonValue: JSONValue {
        var object: [String: JSONValue] = [
            "report": "switches",
            "identity": .string(identity),
            "ledger": snapshot.jsonValue,
            "verification": verification.jsonValue,
            "filter": filter.jsonValue,
            "period": .object([
                "start": periodStart.map { .string($0) } ?? .null, "end": periodEnd.map { .string($0) } ?? .null,
            ]),
            "sections": .object([
                "switches": .bool(filter.includesSwitches), "key_rotations": .bool(filter.includesKeyRotations),
                "checkpoints": .bool(filter.includesCheckpoints),
            ]),
            "totals": totals.jsonValue,
            "by_model": .array(byModel.map { .object(["model": .string($0.name), "counts": $0.counts.jsonValue]) }),
            "by_actor": .array(byActor.map { .object(["actor": .string($0.name), "counts": $0.counts.jsonValue]) }),
            "failures": .array(failures.map(\.jsonValue)),
            "unresolved": .array(unresolved.map(\.jsonValue)),
            "conflicts": .array(conflicts.map(\.jsonValue)),
            "switches": .object([
                "shown": .integer(Int64(switches.count)), "total": .integer(totals.total),
                "items": .array(switches.map(\.jsonValue)),
            ]),
            "key_rotations": .array(keyRotations.map(\.jsonValue)),
            "checkpoints": .array(checkpoints.map(\.jsonValue)),
        ]
        if approvalsInUse {
            object["not_approved"] = .array(unapproved.map(\.jsonValue))
            object["pending_proposals"] = .array(pendingProposals.map(\.jsonValue))
            object["overdue_reviews"] = .array(overdueReviews.map(\.jsonValue))
        }
        return .object(object)
    }
}

/// What was live for one model at a moment.
public struct LiveModel: Sendable, Equatable {
    public var model: String
    /// The switch that made the live job live; nil when no switch of this model had succeeded by then.
    public var live: SwitchRecord?
    /// Switches requested after `live` (and at or before the moment) whose outcome the ledger did not yet
    /// know at that moment: while they were in flight, what was live is uncertain.
    public var pending: [SwitchRecord]
    /// Switches whose completions disagree (the live one, or later ones with a success recorded
    /// after another outcome): while the ledger contradicts itself, what is live is uncertain.
    public var conflicts: [SwitchRecord] = []

    public init(model: String, live: SwitchRecord?, pending: [SwitchRecord]) {
        self.model = model
        self.live = live
        self.pending = pending
    }

    /// The answer as JSON.
    public var jsonValue: JSONValue {
        .object([
            "model": .string(model),
            "live_retrain_job_id": live?.retrainJobID.map { .string($0) } ?? .null,
            "live": live?.jsonValue ?? .null,
            "pending": .array(pending.map(\.jsonValue)),
            "conflicts": .array(conflicts.map(\.jsonValue)),
        ])
    }
}

/// The answer to `ledger report --as-of TIME`.
public struct AsOfReport: Sendable {
    public var snapshot: LedgerSnapshot
    public var verification: ReportVerification
    /// The moment asked about, in the ledger's normal form.
    public var asOf: String
    /// One answer per model (only the model asked for, with `--model`), by name.
    public var models: [LiveModel] = []
    /// Who the actors are: ``ReportIdentity/localMode`` (self-declared names).
    public var identity = ReportIdentity.localMode

    /// The rule, stated once for every output format.
    public static let rule = """
        The live retrain job of a model at TIME is the job of its most recently requested switch (highest \
        switch.requested seq) whose success the ledger had recorded at or before TIME: a switch.completed, or a \
        switch.resolved, with outcome succeeded and recorded_at <= TIME (inclusive, millisecond precision). \
        Rejected, failed and unresolved switches never change what is live. A switch requested at or before TIME \
        whose outcome was recorded only after TIME is listed as pending: at TIME its outcome was unknown. A switch \
        whose completions disagree (e.g. resolved as failed, then recorded as succeeded) is listed under conflicts: \
        the ledger contradicts itself about it, so what is live is uncertain until someone investigates.
        """

    public init(snapshot: LedgerSnapshot, verification: ReportVerification, asOf: String) {
        self.snapshot = snapshot
        self.verification = verification
        self.asOf = asOf
    }

    /// The answer as JSON.
    public var jsonValue: JSONValue {
        .object([
            "report": "as_of",
            "identity": .string(identity),
            "as_of": .string(asOf),
            "rule": .string(Self.rule),
            "ledger": snapshot.jsonValue,
            "verification": verification.jsonValue,
            "models": .array(models.map(\.jsonValue)),
        ])
    }
}

/// The answer to `ledger history --model NAME`.
public struct HistoryReport: Sendable {
    public var snapshot: LedgerSnapshot
    public var verification: ReportVerification
    public var model: String
    /// Only the period and model filters are used.
    public var filter: ReportFilter
    /// Every switch of the model in the period, oldest first.
    public var switches: [SwitchRecord] = []
    /// seq of the request whose job is live now (at the snapshot's head), if any.
    public var liveRequestSeq: Int64?
    /// Who the actors are: ``ReportIdentity/localMode`` (self-declared names).
    public var identity = ReportIdentity.localMode

    public init(snapshot: LedgerSnapshot, verification: ReportVerification, model: String, filter: ReportFilter) {
        self.snapshot = snapshot
        self.verification = verification
        self.model = model
        self.filter = filter
    }

    /// Switch counts by outcome.
    public var totals: OutcomeCounts {
        var counts = OutcomeCounts()
        for s in switches { counts[s.outcome] += 1 }
        return counts
    }

    /// The history as JSON.
    public var jsonValue: JSONValue {
        .object([
            "report": "history",
            "identity": .string(identity),
            "model": .string(model),
            "ledger": snapshot.jsonValue,
            "verification": verification.jsonValue,
            "filter": filter.jsonValue,
            "totals": totals.jsonValue,
            "live_request_seq": liveRequestSeq.map { .integer($0) } ?? .null,
            "switches": .array(
                switches.map { record in
                    var object = record.jsonValue.objectValue ?? [:]
                    object["live_now"] = .bool(record.requestSeq == liveRequestSeq)
                    return .object(object)
                }),
        ])
    }
}
