import Foundation
import LedgerCore

/// `--format csv`: one RFC 4180 table per answer (lines end with LF, like `ledger log --format csv`), with a header row, for spreadsheets and scripts.
public enum ReportCSV {
    /// The report in long ("tidy") form: one row per fact, the `section` column says which part of
    /// the report it belongs to (verification, identity, totals, by_model, by_actor, failure, unresolved,
    /// and once the ledger records approvals not_approved, overdue_review, pending_proposal; conflict,
    /// switch, key_rotation, checkpoint); columns that do not apply to a section are empty.
    static let reportColumns = [
        "section", "model", "actor", "outcome", "count", "seq", "recorded_at", "retrain_job_id", "reason",
        "error_code", "error_message", "detail",
    ]

    public static func render(_ report: LedgerReport) -> String {
        var rows: [[String]] = []
        func row(_ section: String, _ values: [String: String]) {
            rows.append(reportColumns.map { $0 == "section" ? section : values[$0] ?? "" })
        }
        let snapshot = report.snapshot
        row(
            "verification",
            [
                "outcome": report.verification.status, "seq": String(snapshot.headSeq), "recorded_at": snapshot.headRecordedAt,
                "detail": "ledger_id \(snapshot.ledgerID); head_mac \(snapshot.headMac); \(report.verification.headline)",
            ])
        row("identity", ["detail": report.identity])
        if report.filter.includesSwitches {
            for outcome in SwitchOutcome.allCases {
                row("totals", ["outcome": outcome.rawValue, "count": String(report.totals[outcome])])
            }
            for group in report.byModel {
                for outcome in SwitchOutcome.allCases {
                    row("by_model", ["model": group.name, "outcome": outcome.rawValue, "count": String(group.counts[outcome])])
                }
            }
            for group in report.byActor {
                for outcome in SwitchOutcome.allCases {
                    row("by_actor", ["actor": group.name, "outcome": outcome.rawValue, "count": String(group.counts[outcome])])
                }
            }
            for failure in report.failures {
                row(
                    "failure",
                    [
                        "model": failure.models.joined(separator: " "), "outcome": failure.outcome.rawValue,
                        "count": String(failure.count), "seq": String(failure.lastRequestSeq), "recorded_at": failure.lastRequestedAt,
                        "error_code": failure.errorCode ?? "", "error_message": failure.errorMessage ?? "",
                    ])
            }
            for s in report.unresolved { row("unresolved", switchValues(s)) }
            if report.approvalsInUse {
                for u in report.unapproved {
                    var values = switchValues(u.record)
                    values["detail"] = "policy seq \(u.policySeq): " + u.missing.joined(separator: "; ") + " · " + (values["detail"] ?? "")
                    row("not_approved", values)
                }
                for s in report.overdueReviews { row("overdue_review", switchValues(s)) }
                for p in report.pendingProposals {
                    row(
                        "pending_proposal",
                        [
                            "model": p.model ?? "", "actor": p.actor, "seq": String(p.seq), "recorded_at": p.proposedAt,
                            "retrain_job_id": p.retrainJobID ?? "", "reason": p.reason ?? "",
                            "detail": "approvals: " + (p.approvals.isEmpty ? "none" : p.approvals.map(\.summary).joined(separator: ", "))
                                + " · still missing: " + (p.missing.isEmpty ? "nothing" : p.missing.joined(separator: "; ")),
                        ])
                }
            }
            for s in report.conflicts { row("conflict", switchValues(s)) }
            for s in report.switches { row("switch", switchValues(s)) }
        }
        for event in report.keyRotations { row("key_rotation", eventValues(event)) }
        for event in report.checkpoints { row("checkpoint", eventValues(event)) }
        return table(reportColumns, rows)
    }

    static func switchValues(_ s: SwitchRecord) -> [String: String] {
        [
            "model": s.model ?? "", "actor": s.actor, "outcome": s.outcome.rawValue, "seq": String(s.requestSeq),
            "recorded_at": s.requestedAt, "retrain_job_id": s.retrainJobID ?? "", "reason": s.reason ?? "",
            "error_code": s.errorCode ?? "", "error_message": s.errorMessage ?? "",
            "detail": ReportDocument.detail(of: s) + (s.approval.map { " · approval: " + $0.summary } ?? ""),
        ]
    }

    static func eventValues(_ e: LedgerEvent) -> [String: String] {
        ["actor": e.actor, "seq": String(e.seq), "recorded_at": e.recordedAt, "reason": e.reason ?? "", "detail": e.details ?? ""]
    }

    /// One row per model.
    static let asOfColumns = [
        "as_of", "model", "live_retrain_job_id", "request_seq", "requested_at", "actor", "reason", "completion_seq",
        "completion_kind", "completed_at", "completed_by", "resolution_reason", "pending_request_seqs",
        "conflicting_request_seqs", "verification", "approval", "identity",
    ]

    public static func render(_ report: AsOfReport) -> String {
        table(
            asOfColumns,
            report.models.map { model in
                let s = model.live
                return [
                    report.asOf, model.model, s?.retrainJobID ?? "", s.map { String($0.requestSeq) } ?? "", s?.requestedAt ?? "",
                    s?.actor ?? "", s?.reason ?? "", s?.completionSeq.map(String.init) ?? "", s?.completionKind?.rawValue ?? "",
                    s?.completedAt ?? "", s?.completedBy ?? "", s?.resolutionReason ?? "",
                    model.pending.map { String($0.requestSeq) }.joined(separator: " "),
                    model.conflicts.map { String($0.requestSeq) }.joined(separator: " "), report.verification.status,
                    s?.approval?.summary ?? "", report.identity,
                ]
            })
    }

    /// One row per switch.
    static let historyColumns = [
        "request_seq", "requested_at", "model", "retrain_job_id", "actor", "reason", "outcome", "completion_seq",
        "completion_kind", "completed_at", "completed_by", "resolution_reason", "http_status", "error_code",
        "error_message", "duration_ms", "live_now", "verification", "approval", "identity",
    ]

    public static func render(_ report: HistoryReport) -> String {
        table(
            historyColumns,
            report.switches.map { s in
                [
                    String(s.requestSeq), s.requestedAt, s.model ?? "", s.retrainJobID ?? "", s.actor, s.reason ?? "",
                    s.outcome.rawValue, s.completionSeq.map(String.init) ?? "", s.completionKind?.rawValue ?? "", s.completedAt ?? "",
                    s.completedBy ?? "", s.resolutionReason ?? "", s.httpStatus.map(String.init) ?? "", s.errorCode ?? "",
                    s.errorMessage ?? "", s.durationMs.map(String.init) ?? "", s.requestSeq == report.liveRequestSeq ? "true" : "false",
                    report.verification.status, s.approval?.summary ?? "", report.identity,
                ]
            })
    }

    /// Columns that hold integers the tool wrote (counts, seqs, HTTP status, durations): written as
    /// is when they are an integer, so a spreadsheet reads them as numbers. Every other cell goes
    /// through ``CSVCell/text(_:)``, which prefixes a would-be formula (`=`, `+`, `-`, `@`, TAB, CR, LF
    /// first) with `'`; see docs/reports.md.
    static let numericColumns: Set<String> = [
        "count", "seq", "request_seq", "completion_seq", "http_status", "duration_ms",
    ]

    static func table(_ columns: [String], _ rows: [[String]]) -> String {
        let numeric = columns.map { numericColumns.contains($0) }
        var lines = [columns.map(CSVCell.text).joined(separator: ",")]
        lines.reserveCapacity(rows.count + 1)
        for row in rows {
            lines.append(
                row.enumerated().map { i, value in
                    i < numeric.count && numeric[i] ? CSVCell.number(value) : CSVCell.text(value)
                }.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
