import Foundation
import HTTPTypes
import Hummingbird
import LedgerCore
import LedgerPresentation
import LedgerWorkflows

extension ServiceBackend {
    /// The reading routes (report, history, verify, log, show, export) and the checkpoint routes.
    func addReadRoutes(to router: Router<ServiceContext>) {
        let backend = self
        router.get("/v1/vkey") { _, _ in try await backend.getVkey() }
        router.get("/v1/checkpoint") { _, _ in try await backend.getCheckpoint() }
        router.post("/v1/checkpoints") { request, context in try await backend.postCheckpoint(request, context: context) }
        router.get("/v1/report") { request, context in try await backend.getReport(request, context: context, command: .report) }
        router.get("/v1/history") { request, context in try await backend.getReport(request, context: context, command: .history) }
        addDocumentRoutes(to: router)
    }

    /// Every query item of `request`, in order (percent-decoded).
    static func queryItems(_ request: Request) -> [(name: String, value: String)] {
        request.uri.queryParameters.map { (String($0.key), String($0.value)) }
    }

    // MARK: Reports

    /// `GET /v1/report?…`, `GET /v1/history?…`: the rendered report (verified first, unless `no_verify=true`).
    func getReport(_ request: Request, context: ServiceContext, command: ReportRequest.Command) async throws -> Response {
        _ = try authorize(context, .read)
        let items = Self.queryItems(request)
        let reportRequest: ReportRequest
        do {
            reportRequest = try ReportRequest(query: items, command: command)
        } catch {
            throw ErrorPresentation.classify(error)
        }
        let rendered = try await perform("the \(command.rawValue)") { session in
            try ReportRendering.render(reportRequest, store: session.store, keys: { session.keyRing })
        }
        var response = ServiceResponse.text(rendered.body, contentType: rendered.contentType, exitCode: rendered.exitCode.rawValue)
        // The notes local mode prints on stderr around the body (e.g. history's "no switches of …"),
        // one percent-encoded header each, in order: remote mode prints them the same way.
        for (name, value) in ReportNoteHeader.headers(of: rendered) {
            if let field = HTTPField.Name(name) { response.headers.append(HTTPField(name: field, value: value)) }
        }
        return response
    }

    // MARK: Checkpoints

    /// Where the service keeps the latest signed checkpoint note: beside the local checkpoint copy.
    static func notePath(_ session: LedgerSession) -> String {
        (session.location.localCheckpointPath(ledgerID: session.store.ledgerID) as NSString).deletingPathExtension + ".note"
    }

    /// `POST /v1/checkpoints` (admin) `{}` or `{"reason"}`: a `checkpoint` entry and its statement;
    /// with `--sign-key` also a signed checkpoint note (then served at `GET /v1/checkpoint`).
    func postCheckpoint(_ request: Request, context: ServiceContext) async throws -> Response {
        let user = try authorize(context, .administer)
        let body = try await JSONBody.read(request, limit: settings.limits.maxBodyBytes, allowed: ["reason"])
        let reason = try body.string("reason", required: false).map(Checks.reason)
        let signKey = settings.signKeyPath
        let created = try await perform("the checkpoint") { session in
            let note = signKey.map { _ in NoteRequest(path: Self.notePath(session)) }
            return UncheckedBox(
                try await CheckpointService.create(
                    session: session, reason: reason, provenance: Provenance(actor: user.name), signingKeyPath: signKey, out: nil, note: note))
        }
        return ServiceResponse.json(CheckpointPresentation.document(created.value), exitCode: CheckpointPresentation.exitCode(created.value).rawValue)
    }

    /// `GET /v1/checkpoint` (public): the latest signed checkpoint note (text/plain), 404 when none.
    func getCheckpoint() async throws -> Response {
        let text: String? = try await withSession { session in
            let path = Self.notePath(session)
            guard let data = FileManager.default.contents(atPath: path), data.count <= 1 << 20 else { return nil }
            return String(decoding: data, as: UTF8.self)
        }
        guard let text else { throw ErrorPresentation.notFound("no signed checkpoint yet (POST /v1/checkpoints with a --sign-key service)") }
        return ServiceResponse.text(text, exitCode: 0)
    }

    /// `GET /v1/vkey` (public): the note verifier key of the service's `--sign-key`, 404 without one.
    func getVkey() async throws -> Response {
        guard let signKey = settings.signKeyPath else { throw ErrorPresentation.notFound("this service has no --sign-key") }
        let vkey = try await perform("the vkey") { session -> String in
            var bytes = try SecretFile.read(path: signKey, what: "signing key")
            defer { Digest.wipe(&bytes) }
            let origin = TreeCheckpoint.defaultOrigin(ledgerID: session.store.ledgerID)
            return try NoteVerifierKey(name: origin, pem: String(decoding: bytes, as: UTF8.self)).vkey
        }
        return ServiceResponse.text(vkey + "\n", exitCode: 0)
    }
}
