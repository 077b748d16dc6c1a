import ServiceLifecycle

/// A simulator that is listening. Stop it with ``stop()``.
public final class RunningSimulator: Sendable {
    /// The TCP port it listens on.
    public let port: Int
    /// `http`, or `https` when started with a TLS certificate.
    public let scheme: String
    private let urlHost: String
    private let state: SimulatorState
    private let group: ServiceGroup
    private let task: Task<Void, Never>

    init(
        port: Int, scheme: String = "http", urlHost: String, state: SimulatorState, group: ServiceGroup,
        task: Task<Void, Never>
    ) {
        self.port = port
        self.scheme = scheme
        self.urlHost = urlHost
        self.state = state
        self.group = group
        self.task = task
    }

    /// The API base URL, e.g. `http://127.0.0.1:PORT/v1/external` (`https://` with TLS).
    public var baseURL: String { "\(scheme)://\(urlHost):\(port)/v1/external" }

    /// Every request received so far (except `/_simulator/...`), in completion order.
    public func requests() async -> [RecordedRequest] {
        await state.requests
    }

    /// Models (with their live job) and jobs (with status and check counts) as they are now.
    public func snapshot() async -> SimulatorSnapshot {
        await state.snapshot()
    }

    /// The job `model` currently serves, or `nil`.
    public func liveJob(model: String) async -> String? {
        await state.snapshot().models.first { $0.name == model }?.liveJob
    }

    /// Stops listening and waits for the server to shut down (at most about 5 s; then it is cancelled).
    /// Safe to call more than once.
    public func stop() async {
        await group.triggerGracefulShutdown()
        let task = self.task
        await withTaskGroup(of: Void.self) { waiters in
            waiters.addTask { await task.value }
            waiters.addTask {
                try? await Task.sleep(for: .seconds(5))
                task.cancel()
            }
            await waiters.next()
            waiters.cancelAll()
        }
        await task.value
    }
}
