/// The state of a retrain job as reported by the status endpoint.
public enum JobStatus: String, Codable, Sendable, CaseIterable {
    /// Retraining is in progress.
    case running
    /// Retraining completed; the job can be switched to.
    case finished
    /// Retraining failed.
    case failed
}

/// The state of an API key.
public enum KeyState: String, Codable, Sendable, CaseIterable {
    /// The key works.
    case active
    /// Every call answers `Inactive_credential.`
    case inactive
    /// Every call answers `Not_found_credential.`
    case notFoundCredential = "not_found_credential"
}

extension SimulatorFixture {
    /// One API key. A key belongs to exactly one model.
    public struct APIKey: Codable, Sendable, Equatable {
        /// The value sent in the `x-api-key` header.
        public var key: String
        /// The `name` of the model this key is for.
        public var model: String
        /// Whether the key is usable.
        public var state: KeyState

        /// Creates an API key entry.
        public init(key: String, model: String, state: KeyState = .active) {
            self.key = key
            self.model = model
            self.state = state
        }
    }

    /// A published model (the "classifier" behind an API key).
    public struct Model: Codable, Sendable, Equatable {
        /// Fixture-local name, referenced by API keys.
        public var name: String
        /// The integer `model_id` reported by the status endpoint.
        public var modelID: Int
        /// The model API (classifier) was deleted: switch answers `Not found classifier.`,
        /// upload_url answers `This model may be deleted.`
        public var deleted: Bool
        /// The owning user was deleted: upload_url answers `This user may be deleted.`
        public var userDeleted: Bool
        /// upload_url answers HTTP 500 `Not found configuration_file.`
        public var configurationFileMissing: Bool
        /// The job the model currently serves, if any (must be one of `jobs`).
        public var liveJob: String?
        /// Retrain jobs known at start.
        public var jobs: [Job]

        /// Creates a model entry.
        public init(
            name: String, modelID: Int, deleted: Bool = false, userDeleted: Bool = false,
            configurationFileMissing: Bool = false, liveJob: String? = nil, jobs: [Job] = []
        ) {
            self.name = name
            self.modelID = modelID
            self.deleted = deleted
            self.userDeleted = userDeleted
            self.configurationFileMissing = configurationFileMissing
            self.liveJob = liveJob
            self.jobs = jobs
        }
    }

    /// A retrain job present when the simulator starts.
    public struct Job: Codable, Sendable, Equatable {
        /// The `retrain_job_id`.
        public var id: String
        /// Initial status.
        public var status: JobStatus
        /// The job was deleted: status answers `This job may be deleted.`, switch `Not found retrain job.`
        public var deleted: Bool
        /// Optional `message` in status responses.
        public var message: String?
        /// A `running` job reports `running` to this many status checks, then `endStatus`.
        public var finishAfterChecks: Int?
        /// A `running` job turns `endStatus` this many seconds after the simulator started.
        public var finishAfterSeconds: Double?
        /// What a running job ends as (`finished` or `failed`).
        public var endStatus: JobStatus
        /// Fault injection for this job's status and switch calls.
        public var faults: Faults

        /// Creates a job entry. A running job without `finishAfterChecks`/`finishAfterSeconds` never finishes.
        public init(
            id: String, status: JobStatus, deleted: Bool = false, message: String? = nil,
            finishAfterChecks: Int? = nil, finishAfterSeconds: Double? = nil,
            endStatus: JobStatus = .finished, faults: Faults = Faults()
        ) {
            self.id = id
            self.status = status
            self.deleted = deleted
            self.message = message
            self.finishAfterChecks = finishAfterChecks
            self.finishAfterSeconds = finishAfterSeconds
            self.endStatus = endStatus
            self.faults = faults
        }
    }

    /// Faults for the two per-job endpoints.
    public struct Faults: Codable, Sendable, Equatable {
        /// Applied to `GET /retrain_jobs/{id}`.
        public var status: Fault?
        /// Applied to `PUT /retrain_jobs/{id}/update_model`.
        public var updateModel: Fault?

        /// Creates a fault set.
        public init(status: Fault? = nil, updateModel: Fault? = nil) {
            self.status = status
            self.updateModel = updateModel
        }
    }

    /// One fault. At most one of `http500`, `nonJSON200`, `dropConnection`, `wrongJobID` may be set;
    /// `delayMS` combines with any of them.
    public struct Fault: Codable, Sendable, Equatable {
        /// Hold the answer back this many milliseconds.
        public var delayMS: Int
        /// Answer HTTP 500 with the documented 5001000201 body.
        public var http500: Bool
        /// Answer HTTP 200 with a body that is not JSON.
        public var nonJSON200: Bool
        /// Close the TCP connection without any HTTP response.
        public var dropConnection: Bool
        /// Answer success, but with a different `retrain_job_id` in `metadata`.
        public var wrongJobID: Bool
        /// The fault applies to this many calls, then the job behaves normally. `nil`: every call.
        public var times: Int?
        /// For `update_model` with `http500`/`nonJSON200`/`dropConnection`: the switch still takes
        /// effect server-side (the answer is lost, not the work). Ignored elsewhere.
        public var switchTakesEffect: Bool

        /// Creates a fault.
        public init(
            delayMS: Int = 0, http500: Bool = false, nonJSON200: Bool = false, dropConnection: Bool = false,
            wrongJobID: Bool = false, times: Int? = nil, switchTakesEffect: Bool = false
        ) {
            self.delayMS = delayMS
            self.http500 = http500
            self.nonJSON200 = nonJSON200
            self.dropConnection = dropConnection
            self.wrongJobID = wrongJobID
            self.times = times
            self.switchTakesEffect = switchTakesEffect
        }
    }

    /// How jobs created by the upload flow behave.
    public struct UploadDefaults: Codable, Sendable, Equatable {
        /// See ``Job/finishAfterChecks``.
        public var finishAfterChecks: Int?
        /// See ``Job/finishAfterSeconds``; counted from the upload `PUT`.
        public var finishAfterSeconds: Double?
        /// What an uploaded job ends as.
        public var endStatus: JobStatus
        /// Optional `message` in status responses.
        public var message: String?
        /// Uploaded jobs get ids `<prefix>0001`, `<prefix>0002`, ...
        public var jobIDPrefix: String
        /// upload_url answers `This job may be deleted.` (the issued job is gone at once).
        public var jobDeleted: Bool
        /// Faults applied to every uploaded job.
        public var faults: Faults

        /// Creates upload defaults. The default finishes uploaded jobs after 2 status checks.
        public init(
            finishAfterChecks: Int? = 2, finishAfterSeconds: Double? = nil, endStatus: JobStatus = .finished,
            message: String? = nil, jobIDPrefix: String = "upload-", jobDeleted: Bool = false,
            faults: Faults = Faults()
        ) {
            self.finishAfterChecks = finishAfterChecks
            self.finishAfterSeconds = finishAfterSeconds
            self.endStatus = endStatus
            self.message = message
            self.jobIDPrefix = jobIDPrefix
            self.jobDeleted = jobDeleted
            self.faults = faults
        }
    }
}

extension JobStatus {
    /// Decodes a status, naming the allowed values when the value is unknown.
    public init(from decoder: any Decoder) throws {
        self = try decoder.decodeEnumeration(JobStatus.self)
    }
}

extension KeyState {
    /// Decodes a key state, naming the allowed values when the value is unknown.
    public init(from decoder: any Decoder) throws {
        self = try decoder.decodeEnumeration(KeyState.self)
    }
}
