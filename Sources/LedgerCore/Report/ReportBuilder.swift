import Foundation

/// `ledger report`: switch counts per model, per actor and per outcome, failures by reason, unresolved
/// and conflicting switches, the newest switches, key rotations and checkpoints, from one snapshot.
struct ReportBuilder {
    let reader: any ReportReader
    let loader: SwitchLoader
    let options: Reporter.Options

    /// The report of `filter` over the entries up to `snapshot.headSeq`.
    func report(snapshot: LedgerSnapshot, verification: ReportVerification, filter: ReportFilter) throws -> LedgerReport {
        var report = LedgerReport(snapshot: snapshot, verification: verification, filter: filter)
        report.usedReportIndexes = reader.hasReportIndexes
        if filter.includesSwitches {
            try collectSwitches(into: &report, bound: snapshot.headSeq)
        }
        report.periodStart = filter.since ?? report.periodStart
        report.periodEnd = filter.until ?? report.periodEnd
        if filter.includesKeyRotations {
            report.keyRotations = try events(kind: EntryKind.keyRotated, filter: filter, bound: snapshot.headSeq)
        }
        if filter.includesCheckpoints {
            report.checkpoints = try events(kind: EntryKind.checkpoint, filter: filter, bound: snapshot.headSeq)
        }
        return report
    }

    private struct FailureKey: Hashable {
        let outcome: SwitchOutcome
        let code: String?
        let message: String?
    }

    /// One failure group being counted, with its models.
    private struct FailureTally {
        var group: FailureGroup
        var models: Set<String> = []
        /// The model added last (rows of one model come in runs: no hashing for a repeat).
        var lastModel: String?

        init(_ key: FailureKey, requestSeq: Int64) {
            group = FailureGroup(
                outcome: key.outcome, errorCode: key.code, errorMessage: key.message, count: 0, models: [],
                firstRequestSeq: requestSeq, lastRequestSeq: requestSeq, lastRequestedAt: "")
        }

        mutating func add(requestSeq: Int64, model: String) {
            group.count += 1
            group.firstRequestSeq = min(group.firstRequestSeq, requestSeq)
            group.lastRequestSeq = max(group.lastRequestSeq, requestSeq)
            if model != lastModel {
                models.insert(model)
                lastModel = model
            }
        }
    }

    /// Counts per model or per actor, without hashing the name on every row: rows of one name come
    /// in runs, and the reader hands out the same String for a repeated name, so the comparison
    /// with the previous name is cheap.
    private struct GroupTally {
        var names: [String] = []
        var counts: [OutcomeCounts] = []
        var index: [String: Int] = [:]
        var last = -1
        var lastName = ""

        mutating func add(_ name: String, _ outcome: SwitchOutcome) {
            if last < 0 || name != lastName {
                if let i = index[name] {
                    last = i
                } else {
                    last = names.count
                    index[name] = last
                    names.append(name)
                    counts.append(OutcomeCounts())
                }
                lastName = name
            }
            counts[last][outcome] += 1
        }

        var groups: [GroupCounts] {
            zip(names, counts).map { GroupCounts(name: $0, counts: $1) }.sorted { $0.name < $1.name }
        }
    }

    /// The counts of `report`, fed one switch at a time.
    private struct SwitchTally {
        let filter: ReportFilter
        /// List at most this many of the newest switches; 0 lists every one.
        let limit: Int
        var totals = OutcomeCounts()
        var models = GroupTally(), actors = GroupTally()
        var failures: [FailureKey: FailureTally] = [:]
        var unresolved: [Int64] = []
        var newest: [(request: Int64, completion: Int64?)] = []
        var firstSeq: Int64?, lastSeq: Int64?
        var timeline: [TimelinePoint] = []
        /// Succeeded switches requested after this seq (the first approval entry) are kept in
        /// `succeededUnderPolicy`, for their approvals to be re-evaluated; nil keeps none.
        var approvalsAfter: Int64?
        var succeededUnderPolicy: [(request: Int64, completion: Int64?)] = []

        /// Counts one switch (a request with its first completion, if any) when the filter keeps it.
        mutating func add(_ row: SwitchRow) {
            let completion = row.completion
            if filter.kind == EntryKind.switchCompleted && (completion == nil || completion?.isResolution == true) { return }
            if filter.kind == EntryKind.switchResolved && completion?.isResolution != true { return }
            let outcome = completion?.outcome ?? .unresolved
            if let wanted = filter.outcome, wanted != outcome { return }
            let model = row.model ?? Reporter.noModel
            totals[outcome] += 1
            models.add(model, outcome)
            actors.add(row.actor ?? "", outcome)
            if firstSeq == nil { firstSeq = row.requestSeq }
            lastSeq = row.requestSeq
            switch outcome {
            case .rejected, .failed:
                let key = FailureKey(outcome: outcome, code: completion?.errorCode, message: completion?.errorMessage)
                failures[key, default: FailureTally(key, requestSeq: row.requestSeq)].add(requestSeq: row.requestSeq, model: model)
            case .unresolved:
                unresolved.append(row.requestSeq)
            case .succeeded:
                if let after = approvalsAfter, row.requestSeq > after { succeededUnderPolicy.append((row.requestSeq, completion?.seq)) }
            }
            if limit > 0 && newest.count / 2 >= limit { newest.removeFirst(limit) }  // no `2 * limit`: it overflows
            newest.append((row.requestSeq, completion?.seq))
            if let ms = row.requestedAtMilliseconds {
                timeline.append(TimelinePoint(model: model, epochMilliseconds: ms, outcome: outcome, requestSeq: row.requestSeq))
            }
        }
    }

    private func collectSwitches(into report: inout LedgerReport, bound: Int64) throws {
        let filter = report.filter
        var tally = SwitchTally(filter: filter, limit: options.switchLimit)
        tally.approvalsAfter = loader.approvals.policies.first?.seq
        let rows = try reader.switchRows(in: SwitchScope(bound: bound, filter: filter), requestTimes: options.includeTimeline)
        // The request being read: a request has one row, or one per completion should it ever have
        // several; the first completion (lowest seq) is its outcome.
        var current: SwitchRow?
        while let row = try rows.next() {
            if current?.requestSeq == row.requestSeq {
                if let completion = row.completion, current?.completion.map({ completion.seq < $0.seq }) ?? true {
                    current?.completion = completion
                }
                continue
            }
            if let request = current.take() { tally.add(request) }
            current = row
        }
        if let request = current.take() { tally.add(request) }

        report.totals = tally.totals
        report.timeline = tally.timeline
        report.byModel = tally.models.groups
        report.byActor = tally.actors.groups
        let failures = tally.failures.values
        let times = try reader.recordedAt(seqs: failures.map(\.group.lastRequestSeq) + [tally.firstSeq, tally.lastSeq].compactMap { $0 })
        report.failures = failures.map { failure in
            var group = failure.group
            group.models = failure.models.sorted()
            group.lastRequestedAt = times[group.lastRequestSeq] ?? ""
            return group
        }.sorted {
            ($0.count, $1.outcome.rawValue, $1.errorMessage ?? "", $1.errorCode ?? "")
                > ($1.count, $0.outcome.rawValue, $0.errorMessage ?? "", $0.errorCode ?? "")
        }
        report.periodStart = tally.firstSeq.map { times[$0] ?? "" }
        report.periodEnd = tally.lastSeq.map { times[$0] ?? "" }
        let limit = options.switchLimit
        let shown = limit == 0 ? tally.newest[...] : tally.newest.suffix(limit)
        report.switches = try shown.map { try loader.loadSwitch(request: $0.request, completion: $0.completion) }
        report.unresolved = try tally.unresolved.map { try loader.loadSwitch(request: $0, completion: nil) }
        report.conflicts = try loader.store.conflictingCompletions().compactMap { conflict -> SwitchRecord? in
            let record = try loader.loadSwitch(request: conflict.request, completion: conflict.completions.first?.seq)
            if let since = filter.since, record.requestedAt < since { return nil }
            if let until = filter.until, record.requestedAt > until { return nil }
            if let model = filter.model, record.model != model { return nil }
            if let actor = filter.actor, record.actor != actor { return nil }
            return record
        }
        if !loader.approvals.isEmpty {
            try collectApprovals(into: &report, succeededUnderPolicy: tally.succeededUnderPolicy, bound: bound)
        }
    }

    /// The approval sections: switches live without the approvals their policy required, pending
    /// proposals, overdue reviews (only for a ledger that records the approval workflow).
    private func collectApprovals(
        into report: inout LedgerReport, succeededUnderPolicy: [(request: Int64, completion: Int64?)], bound: Int64
    ) throws {
        let approvals = loader.approvals
        let filter = report.filter
        let store = loader.store
        report.approvalsInUse = true
        func inScope(model: String?, actor: String, at time: String) -> Bool {
            if let since = filter.since, time < since { return false }
            if let until = filter.until, time > until { return false }
            if let wanted = filter.model, model != wanted { return false }
            if let wanted = filter.actor, actor != wanted { return false }
            return true
        }
        for (seq, completion) in succeededUnderPolicy {
            guard let request = try store.entry(seq: seq) else { throw LedgerError.noSuchEntry(seq: seq) }
            if ApprovalIndex.RequestFacts(details: request.details).emergency { continue }
            guard let unmet = approvals.unmetApprovals(of: request) else { continue }
            let record = try loader.record(request: request, completion: try completion.flatMap { try store.entry(seq: $0) })
            report.unapproved.append(UnapprovedSwitch(record: record, policySeq: unmet.policySeq, missing: unmet.missing))
        }
        for seq in approvals.emergencyRequests where approvals.reviews(of: seq).isEmpty {
            let record = try loader.loadSwitch(request: seq, completion: try reader.firstCompletion(of: seq, bound: bound))
            if inScope(model: record.model, actor: record.actor, at: record.requestedAt) { report.overdueReviews.append(record) }
        }
        let now = Timestamp.date(report.snapshot.generatedAt) ?? Date()
        for proposal in approvals.proposals
        where approvals.declines(of: proposal.seq).isEmpty && approvals.requestsByProposal[proposal.seq] == nil
            && inScope(model: proposal.model, actor: proposal.actor, at: proposal.recordedAt)
        {
            report.pendingProposals.append(
                PendingProposal(
                    seq: proposal.seq, proposedAt: proposal.recordedAt, model: proposal.model, retrainJobID: proposal.retrainJobID,
                    actor: proposal.actor, reason: proposal.reason, approvals: approvals.approvals(of: proposal.seq).map(ApprovalFact.init),
                    missing: approvals.missing(for: proposal, now: now)))
        }
    }

    private func events(kind: EntryKind, filter: ReportFilter, bound: Int64) throws -> [LedgerEvent] {
        try reader.events(kind: kind, since: filter.since, until: filter.until, actor: filter.actor, bound: bound).map {
            LedgerEvent(
                seq: $0.seq, recordedAt: $0.recordedAt, kind: $0.kind, actor: $0.actor, reason: $0.reason,
                details: $0.details, keyID: $0.keyID)
        }
    }
}
