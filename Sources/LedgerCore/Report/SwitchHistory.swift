/// Every switch of one model, oldest first, with every completion shown when they disagree.
struct SwitchHistory {
    let reader: any ReportReader
    /// The snapshot's approval entries.
    var approvals = ApprovalIndex()

    /// The switches of `scope` (request rows joined with their completions, as `ReportReader` returns them).
    func switches(in scope: SwitchScope) throws -> [SwitchRecord] {
        var switches: [SwitchRecord] = []
        try reader.forEachSwitchRecord(in: scope) { row in
            var record = row
            approvals.attach(to: &record, details: row.requestDetails)
            guard let last = switches.last, last.requestSeq == record.requestSeq else {
                switches.append(record)
                return
            }
            // A request with several completions (rare): remember them all, to show a conflict.
            var facts = last.conflictingCompletions.isEmpty ? Self.completionFacts(of: last) : last.conflictingCompletions
            facts += Self.completionFacts(of: record)
            // The first completion of a request is its outcome.
            if let completion = record.completionSeq, last.completionSeq.map({ completion < $0 }) ?? true {
                switches[switches.count - 1] = record
            }
            switches[switches.count - 1].conflictingCompletions = facts
        }
        for i in switches.indices where !switches[i].conflictingCompletions.isEmpty {
            let facts = switches[i].conflictingCompletions.sorted { $0.seq < $1.seq }
            switches[i].conflictingCompletions = Set(facts.map(\.outcome)).count > 1 ? facts : []
        }
        return switches
    }

    /// The completion a record carries, as a fact (none while unresolved).
    static func completionFacts(of record: SwitchRecord) -> [SwitchRecord.CompletionFact] {
        guard let seq = record.completionSeq else { return [] }
        return [
            .init(
                seq: seq, kind: record.completionKind ?? EntryKind(rawValue: "?"), outcome: Outcome(rawValue: record.outcome.rawValue),
                actor: record.completedBy ?? "?")
        ]
    }
}
