import LedgerCore

/// The entries the benchmarks write: a realistic mix, the same shape as real switches.
enum SampleEntries {
    /// Entry `i`: even a `switch.requested`, odd its `switch.completed` (same model; one in five rejected).
    static func draft(_ i: Int) -> EntryDraft {
        var draft = EntryDraft(kind: i % 2 == 0 ? EntryKind.switchRequested : EntryKind.switchCompleted)
        draft.model = ["churn", "fraud", "ltv", "pricing"][(i / 2) % 4]  // a request and its completion share the model
        draft.retrainJobID = "job-\(i / 2)-\(i % 7)"
        draft.reason = "CHG-\(i / 2): weekly retrain"
        draft.apiKeyID = "0123456789abcdef"
        draft.requestMethod = "PUT"
        draft.requestURL = "https://developer-api.easy-predictive-analytics.sony.com/v1/external/retrain_jobs/job-\(i / 2)/update_model"
        if i % 2 == 1 {
            draft.refSeq = Int64(i)
            draft.outcome = i % 10 == 1 ? .rejected : .succeeded
            draft.httpStatus = i % 10 == 1 ? 400 : 200
            draft.responseBody = "{\"metadata\":{\"retrain_job_id\":\"job-\(i / 2)\"}}"
            draft.durationMs = Int64(40 + i % 50)
        }
        return draft
    }
}
