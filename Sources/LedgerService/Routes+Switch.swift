import EPAClient
import Foundation
import HTTPTypes
import Hummingbird
import LedgerCore
import LedgerPresentation
import LedgerWorkflows

/// What a caller asks of `POST /v1/switches`.
struct SwitchAsk: Sendable {
    var retrainJobID: String?
    var model: String?
    var reason: String?
    var proposal: Int64?
    var emergency: Bool
    var skipPreflight: Bool

    static let members: Set<String> = ["retrain_job_id", "model", "reason", "proposal", "emergency", "skip_preflight"]

    /// The body's members with the CLI's rules (`ledger switch`'s validate).
    init(_ body: JSONBody) throws {
        retrainJobID = try body.string("retrain_job_id", required: false).map(Checks.jobID)
        model = try body.string("model", required: false).map { try Checks.name($0, what: "model") }
        reason = try body.string("reason", required: false).map(Checks.reason)
        proposal = try body.integer("proposal", required: false).map { try Checks.seq($0, what: "proposal") }
        emergency = try body.bool("emergency")
        skipPreflight = try body.bool("skip_preflight")
        if proposal == nil {
            guard retrainJobID != nil else { throw ErrorPresentation.badRequest("missing member \"retrain_job_id\" (or \"proposal\")") }
            guard model != nil else { throw ErrorPresentation.badRequest("missing member \"model\"") }
            guard reason != nil else { throw ErrorPresentation.badRequest("missing member \"reason\"") }
        }
        if emergency && proposal != nil { throw ErrorPresentation.badRequest("\"emergency\" and \"proposal\" cannot be combined") }
        if emergency && reason == nil { throw ErrorPresentation.badRequest("\"emergency\" needs \"reason\"") }
    }

    /// Model, job and reason: as given, or from the proposal (which must agree with what was given), as `ledger switch` does.
    func target(_ store: LedgerStore) throws -> (model: String, job: String, reason: String) {
        guard let proposal else { return (model ?? "", retrainJobID ?? "", reason ?? "") }
        let entry = try ApprovalLedger.proposal(seq: proposal, in: store)
        let proposedModel = entry.model ?? "", proposedJob = entry.retrainJobID ?? ""
        if let model, model != proposedModel {
            throw ErrorPresentation.badRequest("proposal \(proposal) is for model \(proposedModel), not \(model)")
        }
        if let retrainJobID, retrainJobID != proposedJob {
            throw ErrorPresentation.badRequest("proposal \(proposal) is for job \(proposedJob), not \(retrainJobID)")
        }
        return (proposedModel, proposedJob, reason ?? entry.reason ?? "proposal \(proposal)")
    }
}

/// A switch's answer: its document and exit code.
struct SwitchAnswer: Sendable {
    var document: JSONValue
    var exitCode: LedgerExitCode
    var outcome: String
}

extension ServiceBackend {
    /// `POST /v1/switches`: the library's switch (pre-flight → durable request → one PUT →
    /// completion) for the authenticated user, one at a time per model.
    ///
    /// Until the model's lane is free nothing is written; a request whose deadline passes while
    /// waiting leaves the queue (504, nothing written). Once it runs, the switch runs to its end in
    /// its own task even if the deadline passes (504 to the caller, who finds it with
    /// `GET /v1/switches?request_id=`): a switch is never torn between its request and its completion.
    func postSwitch(_ request: Request, context: ServiceContext) async throws -> Response {
        let user = try authorize(context, .operate)
        let requestID = try request.headers[.ledgerRequestID].map(Checks.requestID)
        let ask = try SwitchAsk(try await JSONBody.read(request, limit: settings.limits.maxBodyBytes, allowed: SwitchAsk.members))
        let started = ContinuousClock.now
        let backend = self
        let work = storeThread.detached { () async throws -> SwitchAnswer in
            let (model, job, reason) = try await backend.withSession { session in
                let target = try ask.target(session.store)
                return (target.model, target.job, target.reason)
            }
            guard let endpoint = backend.models[model] else { throw Self.unknownModel(model) }
            do {
                try await backend.lanes.acquire(model)
            } catch is SwitchLanes.QueueFull {
                throw ErrorPresentation.tooManyRequests(
                    "\(backend.lanes.maxQueued) switches of model \(model) are waiting already; try again later")
            }
            // From here the switch runs to its end, whatever happens to the caller.
            let run = backend.track(
                backend.storeThread.detached { () async throws -> SwitchAnswer in
                    try await backend.runSwitch(
                        user: user, endpoint: endpoint, model: model, job: job, reason: reason, ask: ask, requestID: requestID)
                })
            let result = await run.result
            await backend.lanes.release(model)
            return try result.get()
        }
        do {
            let answer = try await awaitWithDeadline(work, seconds: settings.limits.requestTimeout, what: "the switch", cancel: true)
            metrics.switchFinished(outcome: answer.outcome, duration: ContinuousClock.now - started)
            return ServiceResponse.json(answer.document, exitCode: answer.exitCode.rawValue)
        } catch {
            let presentation = ErrorPresentation.classify(Self.mapClientError(error))
            metrics.switchFinished(outcome: presentation.code, duration: ContinuousClock.now - started)
            throw presentation
        }
    }

    /// One switch through ``SwitchService`` (on the store thread; the PUT awaits the client's own loop).
    private func runSwitch(
        user: AuthenticatedUser, endpoint: ModelEndpoint, model: String, job: String, reason: String, ask: SwitchAsk, requestID: String?
    ) async throws -> SwitchAnswer {
        let words: JobStatusWords? = ask.skipPreflight ? nil : self.words
        var switchRequest = SwitchRequest(
            model: model, retrainJobID: job, reason: reason, provenance: Provenance(actor: user.name), preflightWords: words,
            callTimeout: settings.limits.callTimeout)
        switchRequest.proposalSeq = ask.proposal
        switchRequest.emergency = ask.emergency
        if let requestID { switchRequest.extraDetails["request_id"] = .string(requestID) }
        let request = switchRequest
        let result: UncheckedBox<SwitchResult> = try await withSession { session in
            do {
                let result = try await SwitchService(session: session, client: endpoint.client, apiKey: endpoint.apiKey).run(request)
                return UncheckedBox(result)
            } catch SwitchServiceError.completionNotRecorded(let seq, let outcome, let underlying) {
                let presentation = ErrorPresentation.classify(underlying)
                throw ErrorPresentation(
                    exitCode: presentation.exitCode,
                    message: SwitchPresentation.completionNotRecorded(requestSeq: seq, outcome: outcome) + " (" + presentation.message + ")")
            }
        }
        if let requestID, let seq = result.value.requestedSeq {
            let backend = self
            try await withSession { _ in backend.remember(requestID: requestID, seq: seq) }
        }
        return SwitchAnswer(
            document: SwitchPresentation.document(result.value, words: words), exitCode: SwitchPresentation.exitCode(result.value),
            outcome: SwitchPresentation.outcome(result.value))
    }

    /// `GET /v1/switches?request_id=ID`: the seqs and outcome of the switch a client asked for.
    func getSwitch(_ request: Request, context: ServiceContext) async throws -> Response {
        _ = try authorize(context, .read)
        guard let raw = request.uri.queryParameters.get("request_id") else {
            throw ErrorPresentation.badRequest("missing query item request_id")
        }
        let requestID = try Checks.requestID(raw)
        let backend = self
        let document: JSONValue? = try await withSession { session in
            guard let seq = try backend.requestedSeq(requestID: requestID, store: session.store) else { return nil }
            let completion = try session.store.completions(of: seq).first
            return .object([
                "request_id": .string(requestID), "requested_seq": .integer(seq),
                "completed_seq": completion.map { .integer($0.seq) } ?? .null,
                "outcome": .string(completion?.outcome?.rawValue ?? "unresolved"),
            ])
        }
        guard let document else { throw ErrorPresentation.notFound("no switch carries request id \(requestID)") }
        return ServiceResponse.json(document, exitCode: 0)
    }

    /// The vendor client's refusals before any I/O, as `ledger` maps them (64, 78, 4).
    static func mapClientError(_ error: any Error) -> any Error {
        guard let error = error as? EPAError else { return error }
        let code: LedgerExitCode =
            switch error {
            case .invalidRetrainJobID, .invalidFilename, .fileUnreadable: .usage
            case .malformedAPIKey, .insecureBaseURL, .invalidBaseURL, .invalidConfiguration: .configError
            default: .serviceFailed
            }
        // A client failure that is not a caller mistake is not a 200 outcome here: no document was made.
        return code == .serviceFailed
            ? ErrorPresentation(exitCode: code, message: error.localizedDescription, code: "service_failed", httpStatus: 502)
            : ErrorPresentation(exitCode: code, message: error.localizedDescription)
    }
}
