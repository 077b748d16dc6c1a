import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// Entry point: starts a loopback simulator of the Easy Predictive Analytics retrain API.
public enum Simulator {
    /// Starts the simulator and returns once it is listening.
    ///
    /// - Parameters:
    ///   - fixture: The scenario to play (validated again here).
    ///   - host: Loopback host to bind: 127.0.0.0/8, `::1` or `localhost`. Anything else is refused.
    ///   - port: TCP port; `0` picks a free one (read it back from ``RunningSimulator/port``).
    ///   - requestLogPath: When set, every request is appended to this file as one JSON line.
    ///   - tls: When set, the listener speaks HTTPS with this certificate and key (URLs become `https://`).
    /// - Throws: ``SimulatorError``.
    public static func start(
        fixture: SimulatorFixture, host: String = "127.0.0.1", port: Int = 0, requestLogPath: String? = nil,
        tls: SimulatorTLS? = nil
    ) async throws -> RunningSimulator {
        let loopback = try LoopbackHost(host)
        guard (0...65_535).contains(port) else { throw SimulatorError.invalidPort(port) }
        try fixture.validate()
        let log = try requestLogPath.map { try RequestLogFile(path: $0) }
        let state = SimulatorState(fixture: fixture, log: log)
        let logger = makeLogger()

        let scheme = tls == nil ? "http" : "https"
        let server = try SimulatorTLS.serverBuilder(tls)
        let (started, continuation) = AsyncStream.makeStream(of: Result<Int, SimulatorError>.self)
        let app = Application(
            router: router(state: state),
            server: server,
            configuration: ApplicationConfiguration(address: .hostname(loopback.bindAddress, port: port)),
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? port
                await state.setOrigin("\(scheme)://\(loopback.urlHost):\(bound)")
                continuation.yield(.success(bound))
            },
            logger: logger)
        let group = ServiceGroup(services: [app], logger: logger)
        let task = Task {
            do {
                try await group.run()
                continuation.yield(.failure(.serverFailedToStart("server stopped before listening")))
            } catch {
                continuation.yield(.failure(.serverFailedToStart("\(error)")))
            }
            continuation.finish()
        }
        var iterator = started.makeAsyncIterator()
        switch await iterator.next() {
        case .success(let bound):
            return RunningSimulator(
                port: bound, scheme: scheme, urlHost: loopback.urlHost, state: state, group: group, task: task)
        case .failure(let error):
            throw error
        case nil:
            throw SimulatorError.serverFailedToStart("server stopped before listening")
        }
    }

    /// Checks that `host` is a loopback host the simulator would bind.
    /// - Throws: ``SimulatorError/nonLoopbackHost(_:)``.
    public static func validateHost(_ host: String) throws {
        _ = try LoopbackHost(host)
    }

    /// Quiet by default; `EPA_SIMULATOR_LOG_LEVEL=debug|info|...` turns server logging (stderr) on.
    private static func makeLogger() -> Logger {
        var logger = Logger(label: "epa-simulator")
        let level = ProcessInfo.processInfo.environment["EPA_SIMULATOR_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:))
        logger.logLevel = level ?? .critical
        return logger
    }
}
