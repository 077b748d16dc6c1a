import EPAClient
import Foundation
import LedgerCore

extension EntryDraft {
    /// Copies what a service call returned into the columns that record it.
    mutating func record<Response>(_ call: EPACall<Response>) {
        requestMethod = call.method
        requestURL = call.url
        apiKeyID = call.apiKeyID ?? apiKeyID
        httpStatus = call.httpStatus.map(Int64.init)
        responseBody = call.responseBody
        durationMs = call.durationMs
        outcome = Outcome(call.outcome)
        if let error = call.error {
            errorCode = error.code
            errorMessage = error.serviceMessage ?? error.localizedDescription
        }
    }
}

extension Outcome {
    /// The ledger's outcome for a client outcome.
    init(_ outcome: CallOutcome) {
        switch outcome {
        case .succeeded: self = .succeeded
        case .rejected: self = .rejected
        case .failed: self = .failed
        }
    }
}

extension LedgerExitCode {
    /// The exit code for a call that did not succeed.
    init(failed outcome: CallOutcome) {
        self = outcome == .rejected ? .rejected : .serviceFailed
    }
}
