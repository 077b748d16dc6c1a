/// A read-only view of the simulator's models and jobs (`GET /_simulator/state`).
public struct SimulatorSnapshot: Codable, Sendable, Equatable {
    /// One model.
    public struct Model: Codable, Sendable, Equatable {
        /// Fixture name.
        public var name: String
        /// The `model_id`.
        public var modelID: Int
        /// The job the model currently serves (changed by a successful switch).
        public var liveJob: String?

        enum CodingKeys: String, CodingKey {
            case name
            case modelID = "model_id"
            case liveJob = "live_job"
        }
    }

    /// One job.
    public struct Job: Codable, Sendable, Equatable {
        /// The `retrain_job_id`.
        public var id: String
        /// Owning model name.
        public var model: String
        /// Current status.
        public var status: JobStatus
        /// Whether the job is deleted.
        public var deleted: Bool
        /// Status checks received so far.
        public var checks: Int
        /// Upload filename, for jobs created by upload.
        public var filename: String?
    }

    /// Models in fixture order.
    public var models: [Model]
    /// Jobs in fixture order, then uploaded jobs in upload order.
    public var jobs: [Job]
}

extension SimulatorState {
    func snapshot() -> SimulatorSnapshot {
        SimulatorSnapshot(
            models: modelOrder.compactMap { name in
                models[name].map { .init(name: name, modelID: $0.fixture.modelID, liveJob: $0.liveJob) }
            },
            jobs: jobOrder.compactMap { id in
                jobs[id].map {
                    .init(
                        id: $0.id, model: $0.model, status: $0.status, deleted: $0.deleted, checks: $0.checks,
                        filename: $0.filename)
                }
            })
    }
}
