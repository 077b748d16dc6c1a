import EPAClient
import Foundation
import LedgerCore

extension EntryDraft {
    /// Copies what a service call returned into the columns that record it.
    ///
    /// The error message, like the response body, is cut at `cap` UTF-8 bytes at a character boundary
    /// (the client's cap, 16 KiB by default) and then flagged `details.error_message_truncated` = `true`;
    /// `details.response_body_truncated` = `true` when the body was cut. Both are merged into `details`.
    public mutating func record<Response>(_ call: EPACall<Response>, cap: Int = EPAConfiguration.defaultResponseBodyCap) {
        requestMethod = call.method
        requestURL = call.url
        apiKeyID = call.apiKeyID ?? apiKeyID
        httpStatus = call.httpStatus.map(Int64.init)
        responseBody = call.responseBody
        durationMs = call.durationMs
        outcome = call.outcome
        if call.responseBodyTruncated { details = (details ?? [:]).merging(["response_body_truncated": true]) { _, new in new } }
        if let error = call.error {
            errorCode = error.code
            let (kept, truncated) = ServiceText.capped(error.serviceMessage ?? error.localizedDescription, bytes: cap)
            errorMessage = kept
            if truncated { details = (details ?? [:]).merging(["error_message_truncated": true]) { _, new in new } }
        }
    }
}

extension EntryDraft {
    /// Records a status check (a `job.checked` entry): the call's columns (``record(_:)``), the answer's
    /// `model_id`, and in `details` what the answer said plus `extra`.
    ///
    /// The service's words are capped like the response body: `details.status` and `details.message` are
    /// cut at `cap` UTF-8 bytes (at a character boundary; the client's `responseBodyCap`, 16 KiB by
    /// default) and flagged `details.status_truncated` / `details.message_truncated` = `true`;
    /// `details.response_body_truncated` = `true` when the body was cut. Without an answer (and no cut
    /// body) `details` stays empty, as before.
    public mutating func recordStatusCheck(_ call: EPACall<StatusResponse>, cap: Int, extra: [String: JSONValue]) {
        record(call, cap: cap)
        guard call.response != nil || call.responseBodyTruncated || details != nil else { return }
        var details = (self.details ?? [:]).merging(extra) { _, new in new }
        if let response = call.response {
            modelID = response.modelID
            Self.putCapped(response.status, as: "status", cap: cap, into: &details)
            if let message = response.message { Self.putCapped(message, as: "message", cap: cap, into: &details) }
        }
        self.details = details
    }

    /// Stores `text` under `name`, cut at `cap` bytes, with `<name>_truncated: true` when it was cut.
    private static func putCapped(_ text: String, as name: String, cap: Int, into details: inout [String: JSONValue]) {
        let (kept, truncated) = ServiceText.capped(text, bytes: cap)
        details[name] = .string(kept)
        if truncated { details["\(name)_truncated"] = true }
    }

}
