import EPAClient
import Foundation
import LedgerCore

/// What to switch, and who asks why: the plain input of ``SwitchService``.
public struct SwitchRequest: Sendable {
    /// The operator's name for the model (already validated by the front end).
    public var model: String
    /// The retrain job to switch to (already validated, e.g. ``RetrainJobID/validate(_:)``).
    public var retrainJobID: String
    /// Why: the justification or change-ticket reference.
    public var reason: String
    /// Who is responsible.
    public var provenance: Provenance
    /// The status words for the pre-flight check; nil skips the pre-flight (the switch is still recorded).
    public var preflightWords: JobStatusWords?
    /// The whole-call deadline the client uses (seconds): recorded as `details.deadline_at` with the grace.
    public var callTimeout: Double
    /// The approved proposal to switch (`switch.proposed` seq); nil = none named (when the policy in
    /// force requires approvals, the one open proposal for this model and job is used).
    public var proposalSeq: Int64?
    /// An emergency switch (only where the policy in force allows it): no approval, a required post-hoc review.
    public var emergency: Bool = false
    /// For a rollback: the `switch.requested` seq being rolled back (``RollbackService``).
    public var rollbackOf: Int64?
    /// The approval policy file given to this writer, if any (nil: the recorded policy, if any, is in force).
    public var policy: LoadedPolicy?
    /// Facts a front end adds to `switch.requested`'s details (the service's `request_id`); the
    /// service's own members (`deadline_at`, `writer_pid`, `preflight_seq`, the gate's) win.
    public var extraDetails: [String: JSONValue] = [:]

    /// Creates a request.
    public init(
        model: String, retrainJobID: String, reason: String, provenance: Provenance, preflightWords: JobStatusWords?,
        callTimeout: Double
    ) {
        self.model = model
        self.retrainJobID = retrainJobID
        self.reason = reason
        self.provenance = provenance
        self.preflightWords = preflightWords
        self.callTimeout = callTimeout
    }
}

/// How a switch ended.
public enum SwitchEnd: Sendable, Equatable {
    /// The service switched the model.
    case switched
    /// The switch was called and did not succeed (rejected or failed).
    case callDidNotSucceed(CallOutcome)
    /// The pre-flight status check got no usable answer; nothing was switched.
    case preflightDidNotSucceed(CallOutcome)
    /// The pre-flight answer was not a finished word (running, failed or unknown); nothing was switched.
    case preflightRefused(status: String, meaning: JobStatusClass)
}

/// What ``SwitchService`` did: the seqs it wrote and the calls it made.
public struct SwitchResult: Sendable {
    /// The model (as requested).
    public var model: String
    /// The retrain job (as requested).
    public var retrainJobID: String
    /// How it ended (set by the service on every path).
    public var end: SwitchEnd
    /// The pre-flight status call, when made.
    public var preflight: EPACall<StatusResponse>?
    /// The seq of the `job.checked` entry of the pre-flight.
    public var preflightSeq: Int64?
    /// The status word recorded by the pre-flight (`details.status`, capped as recorded).
    public var preflightStatus: String?
    /// The seq of `switch.requested`.
    public var requestedSeq: Int64?
    /// The switch call, when made.
    public var call: EPACall<SwitchResponse>?
    /// The seq of `switch.completed`.
    public var completedSeq: Int64?
    /// What the approval gate counted (proposal, approvals, policy in force).
    public var gate: SwitchGateDecision?
    /// The seq of the `policy.set` written with the request, when the policy in force changed.
    public var policySetSeq: Int64?

    /// Whether the model was switched.
    public var switched: Bool { end == .switched }
}

/// Why ``SwitchService`` stopped after the switch was sent.
public enum SwitchServiceError: Error {
    /// The call ended (`outcome`) but `switch.completed` could not be appended (`underlying`, a
    /// ledger error): `switch.requested` seq `requestSeq` stays unresolved until someone records
    /// what happened (``ResolveService``).
    case completionNotRecorded(requestSeq: Int64, outcome: CallOutcome, underlying: any Error)
}

/// The audited switch: pre-flight → durable `switch.requested` → one PUT → `switch.completed`.
///
/// In order:
/// 1. pre-flight (unless ``SwitchRequest/preflightWords`` is nil): `GET` the job's status, recorded
///    as `job.checked` (`details.purpose` = `preflight`); anything but a finished word stops here;
/// 2. takes this process's ``InFlightLock`` lease, then appends `switch.requested` with
///    `details.deadline_at` (``SwitchResolution/deadline(callTimeout:now:)``), `details.writer_pid`
///    and `details.preflight_seq`; it is durable before anything is sent;
/// 3. calls the switch API once (never retried);
/// 4. appends `switch.completed` with `ref_seq` = the request, then releases the lease.
///
/// The session must come from ``LedgerSession/openForWriting(_:)`` (fail-closed). Caller mistakes
/// the client refuses before any I/O surface as ``EPAError``; ledger errors as ``LedgerError``;
/// a completion that could not be recorded as ``SwitchServiceError``. Never prints; the API key
/// is used for the calls and its id recorded, never the key.
public struct SwitchService {
    /// The ledger, opened for writing.
    public let session: LedgerSession
    /// The vendor API client (the caller shuts it down).
    public let client: EPAClient
    /// The model's API key.
    private let apiKey: String

    /// A service writing to `session` and calling the API with `client` and `apiKey`.
    public init(session: LedgerSession, client: EPAClient, apiKey: String) {
        self.session = session
        self.client = client
        self.apiKey = apiKey
    }

    /// Runs the whole protocol for `request`.
    ///
    /// The approval gate (``SwitchGate``) runs first, before anything is written or sent, and again
    /// under the write lock when `switch.requested` is appended: a refused switch throws
    /// ``ApprovalRefusal`` with nothing written and no call made.
    public func run(_ request: SwitchRequest) async throws -> SwitchResult {
        _ = try SwitchGate.check(request, store: session.store)
        var result = SwitchResult(model: request.model, retrainJobID: request.retrainJobID, end: .switched)
        let apiKeyID = EPAClient.apiKeyID(apiKey)
        var modelID: Int64?
        func draft(_ kind: EntryKind) -> EntryDraft {
            var draft = EntryDraft(kind: kind)
            draft.model = request.model
            draft.retrainJobID = request.retrainJobID
            draft.reason = request.reason
            draft.apiKeyID = apiKeyID
            draft.modelID = modelID
            return draft
        }

        if let words = request.preflightWords {
            let status = try await client.status(retrainJobID: request.retrainJobID, apiKey: apiKey)
            result.preflight = status
            var checked = draft(EntryKind.jobChecked)
            checked.recordStatusCheck(status, cap: client.configuration.responseBodyCap, extra: ["purpose": "preflight"])
            modelID = checked.modelID
            let entry = try session.append(checked, provenance: request.provenance)
            result.preflightSeq = entry.seq
            result.preflightStatus = checked.details?["status"]?.stringValue
            guard status.succeeded, let response = status.response else {
                result.end = .preflightDidNotSucceed(status.outcome)
                return result
            }
            let meaning = words.classify(response.status)
            guard meaning == .finished else {
                result.end = .preflightRefused(status: response.status, meaning: meaning)
                return result
            }
        }

        // The request is on disk before anything is sent.
        var requested = draft(EntryKind.switchRequested)
        requested.requestMethod = "PUT"
        requested.requestURL = "\(client.baseURL)/retrain_jobs/\(request.retrainJobID)/update_model"
        // Until when this process may still record the outcome: `resolve` waits for it.
        // This process holds its in-flight lease (pid recorded) until the completion is on disk.
        let lease = try InFlightLock.acquire(
            directory: InFlightLock.directory(
                database: LedgerDatabase(session.location.databasePath), keyFilePath: session.location.keyFilePath, ledgerID: session.store.ledgerID))
        defer { lease.release() }
        var requestDetails: [String: JSONValue] = [
            "deadline_at": .string(SwitchResolution.deadline(callTimeout: request.callTimeout)),
            "writer_pid": .integer(Int64(getpid())),
        ]
        if let seq = result.preflightSeq { requestDetails["preflight_seq"] = .integer(seq) }
        requestDetails.merge(request.extraDetails) { current, _ in current }
        requested.details = requestDetails
        // The gate decides under the write lock, in the same transaction as the request.
        nonisolated(unsafe) var gate: SwitchGateDecision?
        let written = try session.store.append(contentsOf: [requested], keyRing: session.keyRing, provenance: request.provenance) {
            store, drafts in
            let decision = try SwitchGate.check(request, store: store)
            gate = decision
            var draft = drafts[0]
            draft.details?.merge(decision.details) { current, _ in current }
            return (decision.policyDraft.map { [$0] } ?? []) + [draft]
        }
        let requestEntry = written[written.count - 1]
        result.requestedSeq = requestEntry.seq
        result.gate = gate
        if written.count > 1 { result.policySetSeq = written[0].seq }

        let call = try await client.switchModel(retrainJobID: request.retrainJobID, apiKey: apiKey)
        result.call = call
        var completed = draft(EntryKind.switchCompleted)
        completed.refSeq = requestEntry.seq
        completed.record(call)
        do {
            result.completedSeq = try session.append(completed, provenance: request.provenance).seq
        } catch {
            throw SwitchServiceError.completionNotRecorded(requestSeq: requestEntry.seq, outcome: call.outcome, underlying: error)
        }
        result.end = call.succeeded ? .switched : .callDidNotSucceed(call.outcome)
        return result
    }
}
