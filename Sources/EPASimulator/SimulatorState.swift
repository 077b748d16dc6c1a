import Foundation

/// All mutable simulator state. Every API call is decided atomically inside this actor;
/// the HTTP layer only applies the returned ``Outcome`` (delay, then reply).
actor SimulatorState {
    struct ModelRecord: Sendable {
        var fixture: SimulatorFixture.Model
        var liveJob: String?
    }

    struct JobRecord: Sendable {
        var id: String
        var model: String
        var status: JobStatus
        var deleted: Bool
        var message: String?
        var finishAfterChecks: Int?
        var finishAfterSeconds: Double?
        var endStatus: JobStatus
        var faults: SimulatorFixture.Faults
        var statusWords = SimulatorFixture.StatusWords()
        var startedAt: ContinuousClock.Instant
        var filename: String?
        var checks = 0
        var statusFaultUses = 0
        var updateModelFaultUses = 0
    }

    struct PendingUpload: Sendable {
        var jobID: String
        var model: String
        var filename: String
    }

    let clock = ContinuousClock()
    let uploadDefaults: SimulatorFixture.UploadDefaults
    var keys: [String: SimulatorFixture.APIKey] = [:]
    var models: [String: ModelRecord] = [:]
    var modelOrder: [String] = []
    var jobs: [String: JobRecord] = [:]
    var jobOrder: [String] = []
    var pendingUploads: [String: PendingUpload] = [:]
    var completedUploads: Set<String> = []
    var uploadCounter = 0
    /// `http://host:port`, set once the server listens.
    var origin = ""
    private(set) var requests: [RecordedRequest] = []
    private let log: RequestLogFile?

    init(fixture: SimulatorFixture, log: RequestLogFile?) {
        self.uploadDefaults = fixture.uploadDefaults
        self.log = log
        let start = clock.now
        for key in fixture.apiKeys {
            keys[key.key] = key
        }
        for model in fixture.models {
            models[model.name] = ModelRecord(fixture: model, liveJob: model.liveJob)
            modelOrder.append(model.name)
            for job in model.jobs {
                jobs[job.id] = JobRecord(
                    id: job.id, model: model.name, status: job.status, deleted: job.deleted, message: job.message,
                    finishAfterChecks: job.finishAfterChecks, finishAfterSeconds: job.finishAfterSeconds,
                    endStatus: job.endStatus, faults: job.faults, statusWords: job.statusWords, startedAt: start)
                jobOrder.append(job.id)
            }
        }
    }

    func setOrigin(_ origin: String) {
        self.origin = origin
    }

    /// Appends to the in-memory log and, when configured, to the request-log file.
    func record(_ request: RecordedRequest) {
        requests.append(request)
        if let log {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            if let line = try? encoder.encode(request) {
                log.append(line)
            }
        }
    }

    /// Resolves an API key to the name of its model, or the documented credential error.
    func authenticate(_ key: String?) -> Authentication {
        guard let key, let entry = keys[key] else {
            return .refused(Outcome(.badRequest(.invalidAPIKey)))
        }
        switch entry.state {
        case .active: return .model(entry.model)
        case .inactive: return .refused(Outcome(.badRequest(.inactiveCredential)))
        case .notFoundCredential: return .refused(Outcome(.badRequest(.notFoundCredential)))
        }
    }

    /// Result of ``authenticate(_:)``.
    enum Authentication {
        /// The key is active and belongs to this model.
        case model(String)
        /// The documented credential error to answer.
        case refused(Outcome)
    }

    /// The job with this id if it belongs to `model`.
    func job(_ id: String, of model: String) -> JobRecord? {
        guard let job = jobs[id], job.model == model else { return nil }
        return job
    }

    /// Moves a running job to its end status once its check count or elapsed time says so.
    func advance(_ job: inout JobRecord) {
        guard job.status == .running else { return }
        var done = false
        if let limit = job.finishAfterChecks, job.checks > limit {
            done = true
        }
        if let seconds = job.finishAfterSeconds, job.startedAt.duration(to: clock.now) >= .seconds(seconds) {
            done = true
        }
        if done {
            job.status = job.endStatus
        }
    }

    /// Returns the fault to apply now, counting its use against `times`.
    func takeFault(_ fault: SimulatorFixture.Fault?, uses: inout Int) -> SimulatorFixture.Fault? {
        guard let fault else { return nil }
        if let times = fault.times, uses >= times { return nil }
        uses += 1
        return fault
    }

    /// The download URL for a finished job.
    func downloadURL(for job: JobRecord) -> String? {
        job.status == .finished ? "\(origin)/_download/\(job.id)" : nil
    }
}
