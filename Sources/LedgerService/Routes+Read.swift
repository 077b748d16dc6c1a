import Foundation
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
        router.get("/v1/export") { _, context -> Response in
            _ = try backend.authorize(context, .export)
            throw ErrorPresentation(exitCode: .software, message: "export is not served yet")
        }
    }

    func getVkey() async throws -> Response {
        throw ErrorPresentation.notFound("this service has no --sign-key")
    }

    func getCheckpoint() async throws -> Response {
        throw ErrorPresentation.notFound("no signed checkpoint yet")
    }

    func postCheckpoint(_ request: Request, context: ServiceContext) async throws -> Response {
        _ = try authorize(context, .administer)
        throw ErrorPresentation(exitCode: .software, message: "checkpoints are not served yet")
    }
}
