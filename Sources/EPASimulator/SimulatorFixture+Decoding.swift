// Strict decoders: every type rejects fields it does not know, so typos in a fixture fail loudly.

extension SimulatorFixture {
    /// Decodes a fixture, rejecting unknown fields.
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownFields(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            apiKeys: try c.value(.apiKeys, default: []),
            models: try c.value(.models, default: []),
            uploadDefaults: try c.value(.uploadDefaults, default: UploadDefaults())
        )
    }
}

extension SimulatorFixture.APIKey {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case key, model, state
    }

    /// Decodes an API key, rejecting unknown fields.
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownFields(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            key: try c.decode(String.self, forKey: .key),
            model: try c.decode(String.self, forKey: .model),
            state: try c.value(.state, default: .active)
        )
    }
}

extension SimulatorFixture.Model {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case name
        case modelID = "model_id"
        case deleted
        case userDeleted = "user_deleted"
        case configurationFileMissing = "configuration_file_missing"
        case liveJob = "live_job"
        case jobs
    }

    /// Decodes a model, rejecting unknown fields.
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownFields(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            name: try c.decode(String.self, forKey: .name),
            modelID: try c.decode(Int.self, forKey: .modelID),
            deleted: try c.value(.deleted, default: false),
            userDeleted: try c.value(.userDeleted, default: false),
            configurationFileMissing: try c.value(.configurationFileMissing, default: false),
            liveJob: try c.decodeIfPresent(String.self, forKey: .liveJob),
            jobs: try c.value(.jobs, default: [])
        )
    }
}

extension SimulatorFixture.Job {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, status, deleted, message
        case finishAfterChecks = "finish_after_checks"
        case finishAfterSeconds = "finish_after_seconds"
        case endStatus = "end_status"
        case faults
        case statusWords = "status_words"
    }

    /// Decodes a job, rejecting unknown fields.
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownFields(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            id: try c.decode(String.self, forKey: .id),
            status: try c.decode(JobStatus.self, forKey: .status),
            deleted: try c.value(.deleted, default: false),
            message: try c.decodeIfPresent(String.self, forKey: .message),
            finishAfterChecks: try c.decodeIfPresent(Int.self, forKey: .finishAfterChecks),
            finishAfterSeconds: try c.decodeIfPresent(Double.self, forKey: .finishAfterSeconds),
            endStatus: try c.value(.endStatus, default: .finished),
            faults: try c.value(.faults, default: SimulatorFixture.Faults()),
            statusWords: try c.value(.statusWords, default: SimulatorFixture.StatusWords())
        )
    }
}

extension SimulatorFixture.StatusWords {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case running, finished, failed
    }

    /// Decodes a word set, rejecting unknown fields (any string is a word).
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownFields(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            running: try c.decodeIfPresent(String.self, forKey: .running),
            finished: try c.decodeIfPresent(String.self, forKey: .finished),
            failed: try c.decodeIfPresent(String.self, forKey: .failed)
        )
    }
}

extension SimulatorFixture.Faults {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case status
        case updateModel = "update_model"
    }

    /// Decodes a fault set, rejecting unknown fields.
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownFields(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            status: try c.decodeIfPresent(SimulatorFixture.Fault.self, forKey: .status),
            updateModel: try c.decodeIfPresent(SimulatorFixture.Fault.self, forKey: .updateModel)
        )
    }
}

extension SimulatorFixture.Fault {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case delayMS = "delay_ms"
        case http500 = "http_500"
        case nonJSON200 = "non_json_200"
        case dropConnection = "drop_connection"
        case wrongJobID = "wrong_job_id"
        case times
        case switchTakesEffect = "switch_takes_effect"
        case httpStatus = "http_status"
        case body
        case contentType = "content_type"
        case errorMessage = "error_message"
        case omitOptionalFields = "omit_optional_fields"
    }

    /// Decodes a fault, rejecting unknown fields.
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownFields(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            delayMS: try c.value(.delayMS, default: 0),
            http500: try c.value(.http500, default: false),
            nonJSON200: try c.value(.nonJSON200, default: false),
            dropConnection: try c.value(.dropConnection, default: false),
            wrongJobID: try c.value(.wrongJobID, default: false),
            times: try c.decodeIfPresent(Int.self, forKey: .times),
            switchTakesEffect: try c.value(.switchTakesEffect, default: false),
            httpStatus: try c.decodeIfPresent(Int.self, forKey: .httpStatus),
            body: try c.decodeIfPresent(SimulatorFixture.GatewayBody.self, forKey: .body),
            contentType: try c.decodeIfPresent(String.self, forKey: .contentType),
            errorMessage: try c.decodeIfPresent(String.self, forKey: .errorMessage),
            omitOptionalFields: try c.value(.omitOptionalFields, default: false)
        )
    }
}

extension SimulatorFixture.UploadDefaults {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case finishAfterChecks = "finish_after_checks"
        case finishAfterSeconds = "finish_after_seconds"
        case endStatus = "end_status"
        case message
        case jobIDPrefix = "job_id_prefix"
        case jobDeleted = "job_deleted"
        case faults
        case statusWords = "status_words"
    }

    /// Decodes upload defaults, rejecting unknown fields. When the object is present, a job finishes only
    /// if `finish_after_checks` or `finish_after_seconds` is given (exactly like fixture jobs).
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownFields(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            finishAfterChecks: try c.decodeIfPresent(Int.self, forKey: .finishAfterChecks),
            finishAfterSeconds: try c.decodeIfPresent(Double.self, forKey: .finishAfterSeconds),
            endStatus: try c.value(.endStatus, default: .finished),
            message: try c.decodeIfPresent(String.self, forKey: .message),
            jobIDPrefix: try c.value(.jobIDPrefix, default: "upload-"),
            jobDeleted: try c.value(.jobDeleted, default: false),
            faults: try c.value(.faults, default: SimulatorFixture.Faults()),
            statusWords: try c.value(.statusWords, default: SimulatorFixture.StatusWords())
        )
    }
}
