import Foundation
import LedgerCore

/// Lays out the three answers (`report`, `report --as-of`, `history`) as documents.
extension ReportDocument {
    // MARK: report

    public init(report: LedgerReport) {
        let filter = report.filter
        self.init(
            title: "Switch report",
            subtitle: "ledger \(report.snapshot.ledgerID) · generated \(report.snapshot.generatedAt)")
        alerts = Self.alerts(for: report.verification)
        let period = "\(report.periodStart ?? "(start of ledger)") → \(report.periodEnd ?? "(head)")"
        summary = [
            ("Verification", report.verification.headline),
            ("Period", period),
            ("Filters", filter.summary),
        ]
        if filter.includesSwitches {
            let t = report.totals
            summary.append(("Switches", "\(t.total) (\(t.succeeded) succeeded, \(t.rejected) rejected, \(t.failed) failed, \(t.unresolved) unresolved)"))
            summary.append(("Models", report.byModel.isEmpty ? "none" : report.byModel.map(\.name).joined(separator: ", ")))
            summary.append(("Actors", report.byActor.isEmpty ? "none" : report.byActor.map(\.name).joined(separator: ", ")))
        }
        if filter.includesKeyRotations { summary.append(("Key rotations", String(report.keyRotations.count))) }
        if filter.includesCheckpoints { summary.append(("Checkpoints", String(report.checkpoints.count))) }
        if report.approvalsInUse {
            summary.append(
                (
                    "Approvals",
                    "\(report.unapproved.count) live without required approvals, \(report.overdueReviews.count) overdue review(s), \(report.pendingProposals.count) pending proposal(s)"
                ))
        }
        summary.append(("Identity", report.identity + ": actor names are self-declared"))
        summary.append(("Ledger", "\(report.snapshot.ledgerID), head seq \(report.snapshot.headSeq)"))

        if filter.includesSwitches {
            timeline = Self.timeline(
                points: report.timeline, start: report.periodStart, end: report.periodEnd,
                caption:
                    "Each switch at the time it was requested (UTC), one lane per model. Markers that would overlap are merged and counted; hover for details.")
            sections.append(Self.countsSection(id: "by-model", title: "Switches per model", label: "MODEL", groups: report.byModel, totals: report.totals))
            sections.append(Self.countsSection(id: "by-actor", title: "Switches per actor", label: "ACTOR", groups: report.byActor, totals: report.totals))
            sections.append(
                Section(
                    id: "failures", title: "Failures by reason",
                    note: "Rejected (the service said no) and failed (no usable answer) switches, grouped by the recorded error.",
                    table: Table(
                        columns: ["OUTCOME", "ERROR CODE", "ERROR MESSAGE", "COUNT", "MODELS", "LAST SEQ", "LAST REQUESTED AT"],
                        rows: report.failures.map {
                            [
                                $0.outcome.rawValue, cell($0.errorCode), cell($0.errorMessage), String($0.count),
                                $0.models.joined(separator: ", "), String($0.lastRequestSeq), $0.lastRequestedAt,
                            ]
                        }, numeric: [3, 5]),
                    emptyText: "No rejected or failed switches."))
            sections.append(
                Section(
                    id: "unresolved", title: "Unresolved switches",
                    note:
                        "A switch.requested with no switch.completed or switch.resolved: the process died mid-call and the outcome is unknown. Find out, then record it with `ledger resolve SEQ`.",
                    table: Table(
                        columns: ["SEQ", "REQUESTED AT", "MODEL", "RETRAIN JOB", "ACTOR", "REASON"],
                        rows: report.unresolved.map {
                            [String($0.requestSeq), $0.requestedAt, cell($0.model), cell($0.retrainJobID), $0.actor, cell($0.reason)]
                        }, numeric: [0]),
                    emptyText: "No unresolved switches."))
            if !report.conflicts.isEmpty {
                sections.append(
                    Section(
                        id: "conflicts", title: "Conflicting completions",
                        note:
                            "Switches whose completions disagree (e.g. resolved as failed by an operator, then recorded as succeeded by the switch itself). The first completion gives the outcome counted above; investigate and record what really happened.",
                        table: Self.switchTable(report.conflicts)))
            }
            if report.approvalsInUse { sections += Self.approvalSections(report) }
            let shown = report.switches.count
            let total = report.totals.total
            sections.append(
                Section(
                    id: "switches", title: "Switches",
                    note: shown < total ? "The newest \(shown) of \(total) switches (--limit 0 lists all)." : "All \(total) switches in scope, oldest first.",
                    table: Self.switchTable(report.switches),
                    emptyText: "No switches in scope."))
        }
        if filter.includesKeyRotations {
            sections.append(
                Section(
                    id: "key-rotations", title: "Key rotations",
                    note: "key.rotated entries in the period: entries after each one are signed by the new key.",
                    table: Table(
                        columns: ["SEQ", "RECORDED AT", "ACTOR", "OLD KEY", "NEW KEY", "REASON"],
                        rows: report.keyRotations.map { event in
                            let details = event.details.flatMap { try? JSONValue(parsing: $0) }
                            return [
                                String(event.seq), event.recordedAt, event.actor,
                                details?["old_key_id"]?.stringValue ?? event.keyID, cell(details?["new_key_id"]?.stringValue),
                                cell(event.reason),
                            ]
                        }, numeric: [0]),
                    emptyText: "No key rotations in the period."))
        }
        if filter.includesCheckpoints {
            sections.append(
                Section(
                    id: "checkpoints", title: "Checkpoints",
                    note: "checkpoint entries in the period.",
                    table: Table(
                        columns: ["SEQ", "RECORDED AT", "ACTOR", "DETAILS", "REASON"],
                        rows: report.checkpoints.map { [String($0.seq), $0.recordedAt, $0.actor, cell($0.details), cell($0.reason)] },
                        numeric: [0]),
                    emptyText: "No checkpoints in the period."))
        }
        sections.append(Self.verificationSection(report.snapshot, report.verification))
    }

    // MARK: as-of

    public init(asOf report: AsOfReport) {
        self.init(
            title: "Live retrain jobs as of \(report.asOf)",
            subtitle: "ledger \(report.snapshot.ledgerID) · generated \(report.snapshot.generatedAt)")
        alerts = Self.alerts(for: report.verification)
        let live = report.models.filter { $0.live != nil }.count
        summary = [
            ("Verification", report.verification.headline),
            ("As of", report.asOf),
            ("Models", "\(report.models.count) (\(live) with a live switch)"),
            ("Rule", AsOfReport.rule),
            ("Identity", report.identity + ": actor names are self-declared"),
            ("Ledger", "\(report.snapshot.ledgerID), head seq \(report.snapshot.headSeq)"),
        ]
        var liveTable = Table(
            columns: ["MODEL", "LIVE RETRAIN JOB", "SWITCHED BY", "REQUESTED AT", "SUCCESS RECORDED AT", "REQUEST SEQ", "REASON", "NOTE"],
            rows: report.models.map { model in
                guard let s = model.live else {
                    return [
                        model.model, "-", "-", "-", "-", "-", "-",
                        "no succeeded switch recorded at or before this time" + (model.pending.isEmpty ? "" : "; \(model.pending.count) pending")
                            + (model.conflicts.isEmpty ? "" : "; \(model.conflicts.count) switch(es) with conflicting completions: uncertain"),
                    ]
                }
                var note = s.isResolvedByOperator ? "outcome recorded by \(s.completedBy ?? "?") with ledger resolve: \(cell(s.resolutionReason))" : ""
                if !model.pending.isEmpty {
                    note += (note.isEmpty ? "" : "; ") + "\(model.pending.count) later switch(es) pending: uncertain"
                }
                if !model.conflicts.isEmpty {
                    note += (note.isEmpty ? "" : "; ") + "\(model.conflicts.count) switch(es) with conflicting completions: uncertain"
                }
                return [
                    model.model, cell(s.retrainJobID), s.actor, s.requestedAt, cell(s.completedAt), String(s.requestSeq),
                    cell(s.reason), cell(note),
                ]
            }, numeric: [5])
        if report.models.contains(where: { $0.live?.approval != nil }) {
            // Who approved the live job: the approvals its request counted, with seqs and times.
            liveTable.columns.insert("APPROVED BY", at: 3)
            for (i, model) in report.models.enumerated() {
                liveTable.rows[i].insert(model.live.map { Self.approvers(of: $0) } ?? "-", at: 3)
            }
            liveTable.numeric = [6]
        }
        sections.append(
            Section(
                id: "live", title: "Live at \(report.asOf)",
                note: "Who switched each model to its live job, when, and why.",
                table: liveTable,
                emptyText: "The ledger records no switch requests."))
        let pending = report.models.flatMap(\.pending)
        if !pending.isEmpty {
            sections.append(
                Section(
                    id: "pending", title: "Pending at \(report.asOf)",
                    note: "Requested at or before this time, outcome not yet recorded then: what was live is uncertain until they are.",
                    table: Table(
                        columns: ["SEQ", "REQUESTED AT", "MODEL", "RETRAIN JOB", "ACTOR", "REASON", "OUTCOME RECORDED LATER"],
                        rows: pending.map { s in
                            [
                                String(s.requestSeq), s.requestedAt, cell(s.model), cell(s.retrainJobID), s.actor, cell(s.reason),
                                s.completedAt.map { "\(s.outcome.rawValue) at \($0)" } ?? "still unresolved",
                            ]
                        }, numeric: [0])))
        }
        let conflicts = report.models.flatMap(\.conflicts)
        if !conflicts.isEmpty {
            sections.append(
                Section(
                    id: "conflicts", title: "Conflicting completions",
                    note:
                        "Switches whose completions disagree: the ledger contradicts itself about them, so what was live is uncertain until someone investigates.",
                    table: Self.switchTable(conflicts)))
        }
        sections.append(Self.verificationSection(report.snapshot, report.verification))
    }

    // MARK: history

    public init(history report: HistoryReport) {
        self.init(
            title: "Switch history of \(report.model)",
            subtitle: "ledger \(report.snapshot.ledgerID) · generated \(report.snapshot.generatedAt)")
        alerts = Self.alerts(for: report.verification)
        let t = report.totals
        let live = report.switches.first { $0.requestSeq == report.liveRequestSeq }
        summary = [
            ("Verification", report.verification.headline),
            ("Model", report.model),
            (
                "Period",
                "\(report.filter.since ?? report.switches.first?.requestedAt ?? "-") → \(report.filter.until ?? report.switches.last?.requestedAt ?? "-")"
            ),
            ("Switches", "\(t.total) (\(t.succeeded) succeeded, \(t.rejected) rejected, \(t.failed) failed, \(t.unresolved) unresolved)"),
            ("Live now", report.liveRequestSeq.map { seq in "\(live?.retrainJobID ?? "see seq \(seq)") (switch seq \(seq))" } ?? "no succeeded switch"),
            ("Identity", report.identity + ": actor names are self-declared"),
            ("Ledger", "\(report.snapshot.ledgerID), head seq \(report.snapshot.headSeq)"),
        ]
        timeline = Self.timeline(
            points: report.switches.compactMap { s in
                ReportTime.epochMilliseconds(s.requestedAt).map {
                    TimelinePoint(model: report.model, epochMilliseconds: $0, outcome: s.outcome, requestSeq: s.requestSeq)
                }
            },
            start: report.filter.since ?? report.switches.first?.requestedAt,
            end: report.filter.until ?? report.switches.last?.requestedAt,
            caption: "Each switch of \(report.model) at the time it was requested (UTC); hover for details.")
        var table = Self.switchTable(report.switches)
        table.columns.append("LIVE")
        for (i, s) in report.switches.enumerated() {
            table.rows[i].append(s.requestSeq == report.liveRequestSeq ? "live now" : "")
        }
        sections.append(
            Section(
                id: "history", title: "Switches of \(report.model)",
                note: "Every switch, oldest first, with its outcome and reason. \"live now\" marks the switch whose job is live at the ledger's head.",
                table: table, emptyText: "No switches of \(report.model) in the period."))
        sections.append(Self.verificationSection(report.snapshot, report.verification))
    }

    // MARK: Shared parts

    static func switchTable(_ switches: [SwitchRecord]) -> Table {
        var table = Table(
            columns: ["SEQ", "REQUESTED AT", "MODEL", "RETRAIN JOB", "ACTOR", "OUTCOME", "REASON", "DETAIL"],
            rows: switches.map { s in
                [
                    String(s.requestSeq), s.requestedAt, cell(s.model), cell(s.retrainJobID), s.actor, s.outcome.rawValue,
                    cell(s.reason), detail(of: s),
                ]
            }, numeric: [0])
        // The approval column only once the ledger records approvals: older reports read as before.
        if switches.contains(where: { $0.approval != nil }) {
            table.columns.insert("APPROVAL", at: 7)
            for (i, s) in switches.enumerated() { table.rows[i].insert(s.approval?.summary ?? "-", at: 7) }
        }
        return table
    }

    /// The approvers a switch's request counted, `carol (seq 13, …), dave (seq 14, …)`, or why there are none.
    static func approvers(of s: SwitchRecord) -> String {
        guard let approval = s.approval else { return "-" }
        if !approval.approvals.isEmpty { return approval.approvals.map(\.summary).joined(separator: ", ") }
        if approval.emergency { return "none: EMERGENCY switch" + (approval.review.map { ", reviewed by \($0.summary)" } ?? ", review overdue") }
        return "none recorded"
    }

    /// The three sections of the approval workflow (`report`, once the ledger records approvals).
    static func approvalSections(_ report: LedgerReport) -> [Section] {
        var unapproved = switchTable(report.unapproved.map(\.record))
        unapproved.columns.append("MISSING")
        for (i, s) in report.unapproved.enumerated() {
            unapproved.rows[i].append("policy seq \(s.policySeq): " + s.missing.joined(separator: "; "))
        }
        let pending = Table(
            columns: ["PROPOSAL", "PROPOSED AT", "MODEL", "RETRAIN JOB", "PROPOSED BY", "REASON", "APPROVALS", "STILL MISSING"],
            rows: report.pendingProposals.map { p in
                [
                    String(p.seq), p.proposedAt, cell(p.model), cell(p.retrainJobID), p.actor, cell(p.reason),
                    p.approvals.isEmpty ? "none" : p.approvals.map(\.summary).joined(separator: ", "),
                    p.missing.isEmpty ? "nothing: ready to switch" : p.missing.joined(separator: "; "),
                ]
            }, numeric: [0])
        return [
            Section(
                id: "not-approved", title: "Went live without required approvals",
                note:
                    "Succeeded switches (not emergency ones) whose approvals, re-evaluated against the policy recorded before their request, do not satisfy it. Must be empty: every entry here bypassed the approval gate.",
                table: unapproved, emptyText: "None: every switch that went live had the approvals its policy required."),
            Section(
                id: "overdue-reviews", title: "Overdue reviews",
                note: "Emergency switches (switch --emergency) with no post-hoc review yet: record it with `ledger review SEQ`.",
                table: switchTable(report.overdueReviews), emptyText: "No emergency switch awaits review."),
            Section(
                id: "pending-proposals", title: "Pending proposals",
                note:
                    "Proposals neither declined nor used by a switch, with what the policy in force still requires before `ledger switch --proposal ID` runs them.",
                table: pending, emptyText: "No pending proposals."),
        ]
    }

    /// What happened to a switch, in a few words.
    static func detail(of s: SwitchRecord) -> String {
        var parts: [String] = []
        if s.hasConflict {
            // Shown first, in every view that lists the switch: the ledger contradicts itself here.
            parts.append("CONFLICTING COMPLETIONS: " + s.conflictingCompletions.map(\.summary).joined(separator: "; "))
        }
        if s.outcome == .unresolved {
            return "outcome unknown: record it with `ledger resolve \(s.requestSeq)`"
        }
        if s.isResolvedByOperator {
            parts.append("resolved by \(s.completedBy ?? "?") at \(s.completedAt ?? "?") (seq \(cell(s.completionSeq))): \(cell(s.resolutionReason))")
        } else if let completion = s.completionSeq {
            parts.append("seq \(completion)")
        }
        if let status = s.httpStatus { parts.append("status \(status)") }
        if let code = s.errorCode { parts.append(code) }
        if let message = s.errorMessage { parts.append(message) }
        if let ms = s.durationMs { parts.append("\(ms) ms") }
        return parts.joined(separator: " · ")
    }

    static func countsSection(id: String, title: String, label: String, groups: [GroupCounts], totals: OutcomeCounts) -> Section {
        var rows = groups.map { g in
            [
                g.name, String(g.counts.succeeded), String(g.counts.rejected), String(g.counts.failed), String(g.counts.unresolved),
                String(g.counts.total),
            ]
        }
        if groups.count > 1 {
            rows.append([
                "all", String(totals.succeeded), String(totals.rejected), String(totals.failed), String(totals.unresolved),
                String(totals.total),
            ])
        }
        return Section(
            id: id, title: title, note: nil,
            table: Table(
                columns: [label, "SUCCEEDED", "REJECTED", "FAILED", "UNRESOLVED", "TOTAL"], rows: rows, numeric: [1, 2, 3, 4, 5],
                compact: true),
            emptyText: "No switches in scope.")
    }

    static func alerts(for verification: ReportVerification) -> [Alert] {
        switch verification {
        case .verified(let report) where !report.isIntact:
            var lines = [
                "Verification found \(report.findingCount) finding(s) in ledger \(report.ledgerID ?? "?"): entries were altered, inserted, removed or reordered.",
                "Every figure in this report comes from a ledger that no longer verifies. Run `ledger verify` for the full list and investigate before relying on it.",
            ]
            lines += report.findings.prefix(10).map { "seq \($0.seq.map(String.init) ?? "?"): \($0.kind.rawValue): \($0.message)" }
            if report.findingCount > 10 { lines.append("… and \(report.findingCount - 10) more") }
            return [Alert(level: .danger, title: "LEDGER TAMPERED: DO NOT TRUST THIS REPORT", lines: lines)]
        case .verified(let report):
            return report.warnings.map { Alert(level: .warning, title: "Warning", lines: [$0]) }
        case .notVerified(let reason):
            return [
                Alert(
                    level: .warning, title: "NOT VERIFIED",
                    lines: [reason, "Nothing proves that the figures below were not altered. Run the report with the ledger's key file to verify it."])
            ]
        }
    }

    static func verificationSection(_ snapshot: LedgerSnapshot, _ verification: ReportVerification) -> Section {
        var facts: [(String, String)] = [
            ("Result", verification.headline),
            ("ledger_id", snapshot.ledgerID),
            ("Database", snapshot.path),
            ("Head seq", String(snapshot.headSeq)),
            ("Head mac", snapshot.headMac),
            ("Head recorded at", snapshot.headRecordedAt),
        ]
        if let report = verification.report {
            facts.append(("Entries verified", report.entries.formatted()))
            facts.append(("Keys", report.keyUsage.map { "\($0.keyID) (\($0.rows.formatted()) entries)" }.joined(separator: ", ")))
            facts.append(
                ("Unresolved (whole ledger)", report.unresolvedSwitches.isEmpty ? "none" : report.unresolvedSwitches.map(String.init).joined(separator: ", ")))
            facts.append(("Verification time", String(format: "%.2f s", report.seconds)))
        }
        facts.append(("Report generated at", snapshot.generatedAt))
        return Section(
            id: "verification", title: "Verification",
            note: "The figures above cover entries 1…\(snapshot.headSeq). Check this head against a copy of the ledger or a checkpoint kept elsewhere.",
            facts: facts)
    }

    static func timeline(points: [TimelinePoint], start: String?, end: String?, caption: String) -> Timeline {
        let times = points.map(\.epochMilliseconds)
        var low = start.flatMap(ReportTime.epochMilliseconds) ?? times.min() ?? 0
        var high = end.flatMap(ReportTime.epochMilliseconds) ?? times.max() ?? 0
        if let min = times.min() { low = Swift.min(low, min) }
        if let max = times.max() { high = Swift.max(high, max) }
        if high <= low {
            low -= 30 * 60_000
            high += 30 * 60_000
        } else if start == nil || end == nil {
            let pad = Swift.max((high - low) / 40, 1_000)
            if start == nil { low -= pad }
            if end == nil { high += pad }
        }
        let lanes = Array(Set(points.map(\.model))).sorted()
        return Timeline(start: low, end: high, lanes: lanes, points: points, caption: caption)
    }
}
