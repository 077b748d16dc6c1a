/// Builds a switch with every detail from its request and completion entries, including every
/// completion when they disagree.
struct SwitchLoader {
    /// The ledger the entries come from (read inside the report's snapshot).
    let store: LedgerStore
    /// The snapshot's approval entries: every record gets its approval facts from them.
    var approvals = ApprovalIndex()

    /// A switch from its request and completion seqs.
    func loadSwitch(request: Int64, completion: Int64?) throws -> SwitchRecord {
        guard let requestEntry = try store.entry(seq: request) else { throw LedgerError.noSuchEntry(seq: request) }
        return try record(request: requestEntry, completion: completion.flatMap { try store.entry(seq: $0) })
    }

    /// A switch from its request and completion entries.
    func record(request: LedgerEntry, completion: LedgerEntry?) throws -> SwitchRecord {
        var record = SwitchRecord(
            requestSeq: request.seq, requestedAt: request.recordedAt, model: request.model,
            retrainJobID: request.retrainJobID, actor: request.actor, reason: request.reason)
        if let completion {
            record.completionSeq = completion.seq
            record.completionKind = completion.kind
            record.completedAt = completion.recordedAt
            record.completedBy = completion.actor
            if completion.kind == EntryKind.switchResolved { record.resolutionReason = completion.reason }
            record.outcome = SwitchOutcome(completion: completion.outcome)
            record.httpStatus = completion.httpStatus
            record.errorCode = completion.errorCode
            record.errorMessage = completion.errorMessage
            record.durationMs = completion.durationMs
            let all = try store.completions(of: request.seq)
            if Set(all.map(\.outcome)).count > 1 {
                record.conflictingCompletions = all.map {
                    .init(seq: $0.seq, kind: $0.kind, outcome: $0.outcome, actor: $0.actor)
                }
            }
        }
        approvals.attach(to: &record, details: request.details)
        return record
    }
}
