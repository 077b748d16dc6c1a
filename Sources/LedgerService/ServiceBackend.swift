import EPAClient
import Foundation
import LedgerCore
import LedgerPresentation
import LedgerWorkflows
import Logging

/// What the routes share: the ledger opened once for writing (touched only on the store thread),
/// the users, the models' API clients, the switch lanes, the metrics and the limits.
final class ServiceBackend: @unchecked Sendable {
    let settings: ServiceSettings
    let storeThread: StoreThread
    let users: UserDirectory
    let models: [String: ModelEndpoint]
    let lanes: SwitchLanes
    let metrics: ServiceMetrics
    let logger: Logger
    let authLog: RateLimitedLog
    let words: JobStatusWords
    /// The open ledger: read and written only on ``storeThread``.
    private let session: LedgerSession
    /// Switch request ids recorded by this process → `switch.requested` seq (store thread only).
    private var requestIDs: [String: Int64] = [:]

    /// Opens everything, failing before anything is served: the ledger (fail-closed, as every
    /// writer), the users file, the models' key files and clients.
    init(settings: ServiceSettings, logger: Logger) async throws {
        try settings.validate()
        self.settings = settings
        self.logger = logger
        storeThread = StoreThread()
        users = try UserDirectory(path: settings.usersPath)
        models = try ModelEndpoint.load(configPath: settings.serverConfigPath, caFile: settings.caFile, callTimeout: settings.limits.callTimeout)
        lanes = SwitchLanes(maxQueued: settings.limits.maxQueuedSwitches)
        metrics = ServiceMetrics()
        authLog = RateLimitedLog(logger: logger)
        let environment = ProcessInfo.processInfo.environment
        do {
            words = try JobStatusWords(
                extraFinished: JobStatusWords.parseList(environment["EPA_FINISHED_STATUSES"] ?? ""),
                extraFailed: JobStatusWords.parseList(environment["EPA_FAILED_STATUSES"] ?? ""))
        } catch {
            throw ServiceSetupError.configuration("EPA_FINISHED_STATUSES / EPA_FAILED_STATUSES: \(error.reason)")
        }
        let location = settings.location
        let thread = storeThread
        do {
            session = try await thread.run { UncheckedBox(try LedgerSession.openForWriting(location)) }.value
        } catch {
            let presentation = ErrorPresentation.classify(error)
            thread.shutdown()
            throw ServiceSetupError.ledger(presentation.message, exitCode: presentation.exitCode.rawValue)
        }
    }

    /// Runs `body` with the session on the store thread (the caller's task prefers it).
    func withSession<T: Sendable>(_ body: @Sendable (LedgerSession) async throws -> T) async throws -> T {
        let session = UncheckedBox(self.session)
        return try await storeThread.run { try await body(session.value) }
    }

    /// Remembers a request id (store thread).
    func remember(requestID: String, seq: Int64) {
        requestIDs[requestID] = seq
    }

    /// The `switch.requested` seq of `requestID` (store thread): this process's memory, else a scan of the requests.
    func requestedSeq(requestID: String, store: LedgerStore) throws -> Int64? {
        if let seq = requestIDs[requestID] { return seq }
        var filter = EntryFilter()
        filter.kind = .switchRequested
        var found: Int64?
        try store.forEachEntry(matching: filter) { entry in
            guard let details = entry.details, details.contains(requestID),
                let value = try? JSONValue(parsing: details), value["request_id"]?.stringValue == requestID
            else { return }
            found = entry.seq
        }
        if let found { requestIDs[requestID] = found }
        return found
    }

    /// Work that must end before the service stops (switches and writes that may outlive their
    /// request's deadline), by id.
    private let running = RunningWork()

    /// Registers `task` until it ends; ``shutdown()`` waits for it.
    func track<T: Sendable>(_ task: Task<T, any Error>) -> Task<T, any Error> {
        let id = running.add { _ = await task.result }
        Task { [running] in
            _ = await task.result
            running.remove(id)
        }
        return task
    }

    /// Waits for the work in flight (a switch records its completion), then stops the API clients
    /// and the store thread (after the server stopped).
    func shutdown() async {
        await running.waitForAll()
        for model in models.values { try? await model.client.shutdown() }
        storeThread.shutdown()
    }
}

/// Work in flight, for a graceful stop.
final class RunningWork: @unchecked Sendable {
    private let lock = NSLock()
    private var next: UInt64 = 0
    private var waits: [UInt64: @Sendable () async -> Void] = [:]

    func add(_ wait: @escaping @Sendable () async -> Void) -> UInt64 {
        lock.lock()
        defer { lock.unlock() }
        next &+= 1
        waits[next] = wait
        return next
    }

    func remove(_ id: UInt64) {
        lock.lock()
        waits[id] = nil
        lock.unlock()
    }

    private func pending() -> [@Sendable () async -> Void] {
        lock.withLock { Array(waits.values) }
    }

    /// Waits until nothing is in flight.
    func waitForAll() async {
        while true {
            let pending = pending()
            guard !pending.isEmpty else { return }
            for wait in pending { await wait() }
            await Task.yield()
        }
    }
}

/// A value carried across a boundary the compiler cannot see: used only for the store's objects,
/// which are touched on the store thread alone.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

extension ServiceSetupError {
    /// The ledger cannot be opened for writing: its exit code (6, 74, 78) is kept.
    static func ledger(_ message: String, exitCode: Int32) -> ServiceSetupError {
        switch exitCode {
        case 78: .configuration(message)
        default: .ledgerRefused(message, exitCode: exitCode)
        }
    }
}
