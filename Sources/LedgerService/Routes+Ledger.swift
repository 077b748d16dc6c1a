import EPAClient
import Foundation
import Hummingbird
import LedgerCore
import LedgerPresentation
import LedgerWorkflows
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension ServiceBackend {
    /// The routes of contract D besides the switch's.
    func addRoutes(to router: Router<ServiceContext>) {
        let backend = self
        router.post("/v1/uploads") { request, context in try await backend.postUpload(request, context: context) }
        router.get("/v1/retrain-jobs/:id/status") { request, context in try await backend.getStatus(request, context: context) }
        router.post("/v1/resolutions") { request, context in try await backend.postResolution(request, context: context) }
        router.post("/v1/proposals") { request, context in try await backend.postProposal(request, context: context) }
        router.post("/v1/proposals/:seq/approvals") { request, context in
            try await backend.postApprovalAction(request, context: context, action: .approve)
        }
        router.post("/v1/proposals/:seq/declines") { request, context in
            try await backend.postApprovalAction(request, context: context, action: .decline)
        }
        router.post("/v1/reviews") { request, context in try await backend.postApprovalAction(request, context: context, action: .review) }
        addReadRoutes(to: router)
    }

    /// Runs a write `body` on the store thread within the request's deadline (a 504 leaves the
    /// work running to its end: an entry is never half-written).
    func perform<T: Sendable>(_ what: String, _ body: @escaping @Sendable (LedgerSession) async throws -> T) async throws -> T {
        let backend = self
        let work = track(storeThread.detached { try await backend.withSession(body) })
        do {
            return try await awaitWithDeadline(work, seconds: settings.limits.requestTimeout, what: what)
        } catch {
            throw ErrorPresentation.classify(Self.mapClientError(Self.mapWorkflowError(error)))
        }
    }

    /// Workflow errors the one classifier does not know, as the CLI maps them.
    static func mapWorkflowError(_ error: any Error) -> any Error {
        if let error = error as? ResolutionError {
            return ErrorPresentation(exitCode: error.isTemporary ? .tryLater : .usage, message: error.localizedDescription)
        }
        if let error = error as? UserServiceError { return ErrorPresentation.badRequest(error.localizedDescription) }
        return error
    }

    /// The model's endpoint, or a 400 naming the server config.
    func endpoint(_ model: String) throws -> ModelEndpoint {
        guard let endpoint = models[model] else { throw Self.unknownModel(model) }
        return endpoint
    }

    /// A model the service has no `[models.NAME]` table for: the caller named it (400, exit 64).
    static func unknownModel(_ model: String) -> ErrorPresentation {
        .badRequest("model \(model) is not served here: the service's --server-config has no [models.\(model)] table")
    }

    /// A query item, required.
    static func query(_ request: Request, _ name: String) throws -> String {
        guard let value = request.uri.queryParameters.get(name) else { throw ErrorPresentation.badRequest("missing query item \(name)") }
        return value
    }

    // MARK: Uploads, status, resolve

    /// `POST /v1/uploads?model=M&reason=R[&filename=F]`: the body (the file's bytes, at most
    /// `--max-upload-bytes`) is written to a private temporary file, then `UploadService` runs.
    func postUpload(_ request: Request, context: ServiceContext) async throws -> Response {
        let user = try authorize(context, .operate)
        let model = try Checks.name(try Self.query(request, "model"), what: "model")
        let reason = try Checks.reason(try Self.query(request, "reason"))
        let filename: String = request.uri.queryParameters.get("filename") ?? "upload.bin"
        do {
            try EPAClient.checkFilename(filename)
        } catch {
            throw ErrorPresentation.badRequest(error.localizedDescription)
        }
        let endpoint = try endpoint(model)
        let directory = try Self.privateDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/" + filename
        try await Self.stream(request, to: path, limit: settings.limits.maxUploadBytes)
        let provenance = Provenance(actor: user.name)
        let answer = try await perform("the upload") { session -> UncheckedBox<UploadResult> in
            let file = try UploadFile(path: path)
            return UncheckedBox(
                try await UploadService(session: session, client: endpoint.client, apiKey: endpoint.apiKey)
                    .run(file: file, model: model, reason: reason, provenance: provenance))
        }
        return ServiceResponse.json(UploadPresentation.document(answer.value), exitCode: UploadPresentation.exitCode(answer.value).rawValue)
    }

    /// A new directory of mode 0700 under the system's temporary directory.
    static func privateDirectory() throws -> String {
        var template = Array((NSTemporaryDirectory() + "/ledger-upload-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }) else {
            throw ErrorPresentation(exitCode: .ledgerError, message: "cannot create a temporary directory for the upload")
        }
        return String(cString: made)
    }

    /// Streams the request body to a new file (0600), refusing it beyond `limit` bytes (413).
    static func stream(_ request: Request, to path: String, limit: Int) async throws {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw ErrorPresentation.payloadTooLarge("the upload is larger than \(limit) bytes")
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ErrorPresentation(exitCode: .ledgerError, message: "cannot create the upload's temporary file") }
        defer { close(fd) }
        var total = 0
        for try await buffer in request.body {
            total += buffer.readableBytes
            guard total <= limit else { throw ErrorPresentation.payloadTooLarge("the upload is larger than \(limit) bytes") }
            let ok = buffer.withUnsafeReadableBytes { bytes -> Bool in
                var offset = 0
                while offset < bytes.count {
                    let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                    if n < 0 {
                        if errno == EINTR { continue }
                        return false
                    }
                    offset += n
                }
                return true
            }
            guard ok else { throw ErrorPresentation(exitCode: .ledgerError, message: "cannot write the upload's temporary file") }
        }
    }

    /// `GET /v1/retrain-jobs/{id}/status?model=M`: one status check, recorded as `job.checked`.
    func getStatus(_ request: Request, context: ServiceContext) async throws -> Response {
        let user = try authorize(context, .operate)
        let job = try Checks.jobID(try context.parameters.require("id"))
        let model = try Checks.name(try Self.query(request, "model"), what: "model")
        let endpoint = try endpoint(model)
        let statusRequest = StatusRequest(
            retrainJobID: job, model: model, provenance: Provenance(actor: user.name), words: words, wait: false, interval: 2, waitTimeout: 1)
        let result = try await perform("the status check") { session in
            UncheckedBox(try await StatusService(session: session, client: endpoint.client, apiKey: endpoint.apiKey).run(statusRequest))
        }
        return ServiceResponse.json(
            StatusPresentation.document(result.value, retrainJobID: job, model: model), exitCode: StatusPresentation.exitCode(result.value).rawValue)
    }

    /// `POST /v1/resolutions` `{"seq","outcome","reason"}`.
    func postResolution(_ request: Request, context: ServiceContext) async throws -> Response {
        let user = try authorize(context, .operate)
        let body = try await JSONBody.read(request, limit: settings.limits.maxBodyBytes, allowed: ["seq", "outcome", "reason"])
        let seq = try Checks.seq(try body.integer("seq") ?? 0)
        let word = try body.string("outcome") ?? ""
        guard let outcome = Outcome(known: word) else {
            throw ErrorPresentation.badRequest("outcome must be one of \(Outcome.known.map(\.rawValue).joined(separator: ", "))")
        }
        let reason = try Checks.reason(try body.string("reason") ?? "")
        let resolve = ResolveRequest(requestSeq: seq, outcome: outcome, reason: reason, provenance: Provenance(actor: user.name))
        let result = try await perform("the resolution") { session in UncheckedBox(try ResolveService(session: session).run(resolve)) }
        return ServiceResponse.json(ResolvePresentation.document(result.value), exitCode: ResolvePresentation.exitCode(result.value).rawValue)
    }

    // MARK: Approvals

    /// How the service knows who acted (the `identity` of approval documents).
    static func identity(_ user: AuthenticatedUser) -> String {
        "authenticated by the ledger service as \(user.name) (role \(user.role.rawValue), token id \(user.tokenID))"
    }

    /// `POST /v1/proposals` `{"model","retrain_job_id","reason"}`.
    func postProposal(_ request: Request, context: ServiceContext) async throws -> Response {
        let user = try authorize(context, .operate)
        let body = try await JSONBody.read(request, limit: settings.limits.maxBodyBytes, allowed: ["model", "retrain_job_id", "reason"])
        let propose = ProposeRequest(
            model: try Checks.name(try body.string("model") ?? "", what: "model"), retrainJobID: try Checks.jobID(try body.string("retrain_job_id") ?? ""),
            reason: try Checks.reason(try body.string("reason") ?? ""), provenance: Provenance(actor: user.name), policy: nil)
        let result = try await perform("the proposal") { session in UncheckedBox(try ProposeService(session: session).run(propose)) }
        return ServiceResponse.json(
            ApprovalPresentation.document(result.value, identity: Self.identity(user)), exitCode: ApprovalPresentation.exitCode(result.value).rawValue)
    }

    enum ApprovalAction: Sendable { case approve, decline, review }

    /// `POST /v1/proposals/{seq}/approvals`, `/declines` `{"reason"}`; `POST /v1/reviews` `{"seq","reason"}`.
    func postApprovalAction(_ request: Request, context: ServiceContext, action: ApprovalAction) async throws -> Response {
        let user = try authorize(context, .approve)
        let seq: Int64
        let body: JSONBody
        if action == .review {
            body = try await JSONBody.read(request, limit: settings.limits.maxBodyBytes, allowed: ["seq", "reason"])
            seq = try Checks.seq(try body.integer("seq") ?? 0)
        } else {
            let text = try context.parameters.require("seq")
            guard text.count <= 19, text.allSatisfy(\.isASCII), let value = Int64(text) else {
                throw ErrorPresentation.badRequest("the proposal must be a positive integer")
            }
            seq = try Checks.seq(value, what: "the proposal")
            body = try await JSONBody.read(request, limit: settings.limits.maxBodyBytes, allowed: ["reason"])
        }
        let actionRequest = ApprovalActionRequest(
            seq: seq, reason: try Checks.reason(try body.string("reason") ?? ""), provenance: Provenance(actor: user.name), policy: nil)
        let result = try await perform("the \(action)") { session in
            switch action {
            case .approve: UncheckedBox(try ApproveService(session: session).run(actionRequest))
            case .decline: UncheckedBox(try DeclineService(session: session).run(actionRequest))
            case .review: UncheckedBox(try ReviewService(session: session).run(actionRequest))
            }
        }
        return ServiceResponse.json(
            ApprovalPresentation.document(result.value, identity: Self.identity(user)), exitCode: ApprovalPresentation.exitCode(result.value).rawValue)
    }
}
