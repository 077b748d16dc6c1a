import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import LedgerCore
import LedgerPresentation
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals

/// `ledger serve`: the ledger service (Hummingbird 2). It alone holds the HMAC key and the models'
/// API keys; callers authenticate with bearer tokens; every route runs a LedgerWorkflows service.
public final class LedgerServer: Sendable {
    let backend: ServiceBackend
    /// The application (for in-process tests: `application.test(.router) { … }`).
    public let application: Application<RouterResponder<ServiceContext>>

    /// Opens the ledger, the users file and the models' keys (a problem stops here: ``ServiceSetupError``),
    /// and builds the application; `onListening` gets the bound address once the server listens.
    public init(
        settings: ServiceSettings, logger: Logger = LedgerServer.defaultLogger(),
        onListening: @escaping @Sendable (String) async -> Void = { _ in }
    ) async throws {
        let backend = try await ServiceBackend(settings: settings, logger: logger)
        self.backend = backend
        let server: HTTPServerBuilder
        do {
            server = try ServiceTLS.serverBuilder(settings.tls)
        } catch {
            await backend.shutdown()
            throw error
        }
        let bindHost = settings.listen.bindHost
        application = Application(
            router: Self.router(backend),
            server: server,
            configuration: ApplicationConfiguration(address: .hostname(bindHost, port: settings.listen.port), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? settings.listen.port
                await onListening(ListenAddress.format(host: bindHost, port: port))
            },
            logger: logger)
    }

    /// Serves until SIGTERM or SIGINT (or `shutdownSignal` in tests), then stops gracefully:
    /// requests in flight finish (a switch records its completion), then the clients and the store close.
    public func run(gracefulShutdownSignals: [UnixSignal] = [.sigterm, .sigint]) async throws {
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: application)], gracefulShutdownSignals: gracefulShutdownSignals, logger: backend.logger))
        do {
            try await group.run()
        } catch {
            await backend.shutdown()
            throw error
        }
        await backend.shutdown()
    }

    /// Releases the clients and the store thread (in-process tests, after `application.test`).
    public func shutdown() async {
        await backend.shutdown()
    }

    /// Logs to stderr at `LEDGER_SERVE_LOG_LEVEL` (default info). Lines name token ids at most, never a secret.
    public static func defaultLogger() -> Logger {
        var logger = Logger(label: "ledger-serve") { label in StreamLogHandler.standardError(label: label) }
        let level = ProcessInfo.processInfo.environment["LEDGER_SERVE_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:))
        logger.logLevel = level ?? .info
        return logger
    }

    /// A logger that says only what is critical (in-process tests).
    public static func quietLogger() -> Logger {
        var logger = defaultLogger()
        logger.logLevel = .critical
        return logger
    }

    static func router(_ backend: ServiceBackend) -> Router<ServiceContext> {
        let router = Router(context: ServiceContext.self)
        router.add(middleware: EnvelopeMiddleware(metrics: backend.metrics, logger: backend.logger))
        router.add(middleware: AuthMiddleware(users: backend.users, metrics: backend.metrics, log: backend.authLog))

        router.get("/healthz") { _, _ in
            ServiceResponse.json(["status": "ok"], exitCode: nil)
        }
        router.get("/metrics") { _, _ in
            ServiceResponse.text(backend.metrics.text(), contentType: "text/plain; version=0.0.4; charset=utf-8", exitCode: nil)
        }
        router.get("/openapi.json") { _, _ in
            ServiceResponse.bytes(Array(OpenAPIDocument.text.utf8), contentType: "application/json", exitCode: nil)
        }
        router.post("/v1/switches") { request, context in try await backend.postSwitch(request, context: context) }
        router.get("/v1/switches") { request, context in try await backend.getSwitch(request, context: context) }
        backend.addRoutes(to: router)
        return router
    }
}
