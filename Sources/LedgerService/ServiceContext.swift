import Foundation
import HTTPTypes
import Hummingbird
import LedgerPresentation
import Logging
import NIOCore

/// The request context of the service: the authenticated user, once the auth middleware found one.
public struct ServiceContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Who is calling (nil on the public routes).
    public var user: AuthenticatedUser?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }

    /// Bodies are read by the routes with their own limits (`--max-body-bytes`, `--max-upload-bytes`).
    public var maxUploadSize: Int { 64 * 1024 }
}

/// The outermost middleware: every error becomes the JSON error envelope (an unknown route a 404,
/// a body over the limit a 413, anything unexpected a 500 naming no detail), and every finished
/// request is counted by route pattern and status.
struct EnvelopeMiddleware: RouterMiddleware {
    typealias Context = ServiceContext
    let metrics: ServiceMetrics
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPError {
            let presentation: ErrorPresentation =
                switch error.status {
                case .notFound: .notFound("no such endpoint")
                case .contentTooLarge: .payloadTooLarge("the request body is too large")
                case .methodNotAllowed: .badRequest("method not allowed")
                default: .badRequest("request refused (HTTP \(error.status.code))")
                }
            response = presentation.response
        } catch {
            let presentation = ErrorPresentation.classify(error)
            if presentation.exitCode == .software {
                logger.error("unexpected error", metadata: ["type": .string(String(describing: type(of: error)))])
                response = ErrorPresentation(exitCode: .software, message: "internal error").response
            } else {
                response = presentation.response
            }
        }
        metrics.request(route: context.endpointPath ?? "unmatched", status: response.status.code)
        return response
    }
}

/// Authentication: every `/v1/` route except the public checkpoint and vkey needs
/// `Authorization: Bearer <token>` of a user that is neither revoked nor expired (401 otherwise,
/// with nothing written or sent). Failures are counted and logged (rate-limited, the token id at most).
struct AuthMiddleware: RouterMiddleware {
    typealias Context = ServiceContext
    let users: UserDirectory
    let metrics: ServiceMetrics
    let log: RateLimitedLog

    static let publicPaths: Set<String> = ["/v1/checkpoint", "/v1/vkey"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard path.hasPrefix("/v1/") || path == "/v1", !Self.publicPaths.contains(path) else {
            return try await next(request, context)
        }
        let header = request.headers[.authorization]
        switch users.authenticate(authorization: header) {
        case .success(let user):
            var context = context
            context.user = user
            return try await next(request, context)
        case .failure(let failure):
            metrics.authFailure(reason: failure.rawValue)
            var metadata: Logger.Metadata = ["status": "401"]
            if let id = UserDirectory.tokenID(authorization: header) { metadata["token_id"] = .string(id) }
            log.warning(reason: failure.rawValue, "request refused: \(failure.message)", metadata: metadata)
            throw ErrorPresentation.unauthorized(failure.message)
        }
    }
}
