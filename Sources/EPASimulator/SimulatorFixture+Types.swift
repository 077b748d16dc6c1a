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
        /// The words the status call reports for each state (any string; default: the state's own name).
        public var statusWords: StatusWords

        /// Creates a job entry. A running job without `finishAfterChecks`/`finishAfterSeconds` never finishes.
        public init(
            id: String, status: JobStatus, deleted: Bool = false, message: String? = nil,
            finishAfterChecks: Int? = nil, finishAfterSeconds: Double? = nil,
            endStatus: JobStatus = .finished, faults: Faults = Faults(), statusWords: StatusWords = StatusWords()
        ) {
            self.id = id
            self.status = status
            self.deleted = deleted
            self.message = message
            self.finishAfterChecks = finishAfterChecks
            self.finishAfterSeconds = finishAfterSeconds
            self.endStatus = endStatus
            self.faults = faults
            self.statusWords = statusWords
        }
    }

    /// What the status call says for each state of a job. The state decides what the simulator does
    /// (only a `finished` job can be switched to); the word is only what it reports, so tests can play
    /// a service that says `Finished`, `completed` or `training`. Any string is accepted, hostile ones
    /// included; an absent word is the state's own name.
    public struct StatusWords: Codable, Sendable, Equatable {
        /// Reported while the job is `running`.
        public var running: String?
        /// Reported once the job is `finished`.
        public var finished: String?
        /// Reported once the job is `failed`.
        public var failed: String?

        /// Creates a word set; `nil` keeps the state's own name.
        public init(running: String? = nil, finished: String? = nil, failed: String? = nil) {
            self.running = running
            self.finished = finished
            self.failed = failed
        }

        /// The word reported for `status`.
        public func word(for status: JobStatus) -> String {
            switch status {
            case .running: running ?? status.rawValue
            case .finished: finished ?? status.rawValue
            case .failed: failed ?? status.rawValue
            }
        }
    }

    /// The body of a ``Fault/httpStatus`` answer: what a gateway in front of the service sends.
    public enum GatewayBody: String, Codable, Sendable, CaseIterable {
        /// An HTML error page naming the status (`<title>502 Bad Gateway</title>`), `text/html`.
        case html
        /// `{"message":"Forbidden"}`: the status's reason phrase (or ``Fault/errorMessage``), `application/json`.
        case messageJSON = "message_json"
        /// The service's error shape `{"code":4001000204,"error":"PREDA_EXTERNAL_BAD_REQUEST","message":…}`
        /// (code 5001000201 for a 5xx status), `application/json`; the message is ``Fault/errorMessage``.
        case errorJSON = "error_json"
        /// No body at all, and no content type unless ``Fault/contentType`` names one.
        case empty
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

    /// One fault. At most one of `http500`, `nonJSON200`, `dropConnection`, `wrongJobID`, `httpStatus` may be
    /// set; `delayMS` combines with any of them.
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
        /// Answer this HTTP status (200–599) with ``body`` instead of the normal answer: what a gateway in
        /// front of the real service sends (401, 403, 429, 502, 504, or a 200 carrying an error body).
        public var httpStatus: Int?
        /// The body of an ``httpStatus`` answer; `nil` means ``GatewayBody/html``.
        public var body: GatewayBody?
        /// The `content-type` of an ``httpStatus`` answer instead of the body's own (e.g. `application/json`
        /// on an HTML page): printable ASCII.
        public var contentType: String?
        /// The message in a `message_json` or `error_json` body.
        public var errorMessage: String?
        /// `status` only: answer without the optional fields `model_id`, `message` and `download_url`.
        public var omitOptionalFields: Bool

        /// Creates a fault.
        public init(
            delayMS: Int = 0, http500: Bool = false, nonJSON200: Bool = false, dropConnection: Bool = false,
            wrongJobID: Bool = false, times: Int? = nil, switchTakesEffect: Bool = false, httpStatus: Int? = nil,
            body: GatewayBody? = nil, contentType: String? = nil, errorMessage: String? = nil,
            omitOptionalFields: Bool = false
        ) {
            self.delayMS = delayMS
            self.http500 = http500
            self.nonJSON200 = nonJSON200
            self.dropConnection = dropConnection
            self.wrongJobID = wrongJobID
            self.times = times
            self.switchTakesEffect = switchTakesEffect
            self.httpStatus = httpStatus
            self.body = body
            self.contentType = contentType
            self.errorMessage = errorMessage
            self.omitOptionalFields = omitOptionalFields
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
        /// The words the status call reports for uploaded jobs (see ``StatusWords``).
        public var statusWords: StatusWords

        /// Creates upload defaults. The default finishes uploaded jobs after 2 status checks.
        public init(
            finishAfterChecks: Int? = 2, finishAfterSeconds: Double? = nil, endStatus: JobStatus = .finished,
            message: String? = nil, jobIDPrefix: String = "upload-", jobDeleted: Bool = false,
            faults: Faults = Faults(), statusWords: StatusWords = StatusWords()
        ) {
            self.finishAfterChecks = finishAfterChecks
            self.finishAfterSeconds = finishAfterSeconds
            self.endStatus = endStatus
            self.message = message
            self.jobIDPrefix = jobIDPrefix
            self.jobDeleted = jobDeleted
            self.faults = faults
            self.statusWords = statusWords
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

extension SimulatorFixture.GatewayBody {
    /// Decodes a gateway body kind, naming the allowed values when the value is unknown.
    public init(from decoder: any Decoder) throws {
        self = try decoder.decodeEnumeration(SimulatorFixture.GatewayBody.self)
    }
}
