extension SimulatorFixture {
    /// Checks cross-references and value ranges that JSON decoding cannot express.
    /// - Throws: ``SimulatorError/fixtureInvalid(_:)`` naming the offending field.
    public func validate() throws {
        var modelNames = Set<String>()
        var modelIDs = Set<Int>()
        var jobIDs = Set<String>()
        for (m, model) in models.enumerated() {
            let at = "models[\(m)]"
            try Self.require(!model.name.isEmpty, "\(at).name: must not be empty")
            try Self.require(modelNames.insert(model.name).inserted, "\(at).name: duplicate model name '\(model.name)'")
            try Self.require(modelIDs.insert(model.modelID).inserted, "\(at).model_id: duplicate model_id \(model.modelID)")
            for (j, job) in model.jobs.enumerated() {
                let jobAt = "\(at).jobs[\(j)]"
                try Self.require(jobIDs.insert(job.id).inserted, "\(jobAt).id: duplicate job id '\(job.id)'")
                try Self.validateJobID(job.id, at: "\(jobAt).id")
                try Self.validateFinish(
                    checks: job.finishAfterChecks, seconds: job.finishAfterSeconds, end: job.endStatus, at: jobAt)
                if job.status != .running {
                    try Self.require(
                        job.finishAfterChecks == nil && job.finishAfterSeconds == nil,
                        "\(jobAt): finish_after_checks/finish_after_seconds only apply to a job whose status is running")
                }
                try Self.validate(job.faults, at: "\(jobAt).faults")
            }
            if let live = model.liveJob {
                try Self.require(
                    model.jobs.contains { $0.id == live }, "\(at).live_job: '\(live)' is not one of this model's jobs")
            }
        }
        var keys = Set<String>()
        for (k, apiKey) in apiKeys.enumerated() {
            let at = "api_keys[\(k)]"
            try Self.require(!apiKey.key.isEmpty, "\(at).key: must not be empty")
            try Self.require(keys.insert(apiKey.key).inserted, "\(at).key: duplicate key")
            try Self.require(modelNames.contains(apiKey.model), "\(at).model: no model named '\(apiKey.model)'")
        }
        let defaults = uploadDefaults
        try Self.validateFinish(
            checks: defaults.finishAfterChecks, seconds: defaults.finishAfterSeconds, end: defaults.endStatus,
            at: "upload_defaults")
        try Self.validateJobID(defaults.jobIDPrefix + "0001", at: "upload_defaults.job_id_prefix")
        try Self.validate(defaults.faults, at: "upload_defaults.faults")
    }

    private static func validateFinish(checks: Int?, seconds: Double?, end: JobStatus, at: String) throws {
        if let checks {
            try require(checks >= 0, "\(at).finish_after_checks: must be >= 0")
        }
        if let seconds {
            try require(seconds >= 0 && seconds.isFinite, "\(at).finish_after_seconds: must be >= 0")
        }
        try require(end != .running, "\(at).end_status: must be finished or failed")
    }

    private static func validateJobID(_ id: String, at: String) throws {
        let forbidden = Set("/?#%\\")
        let ok =
            !id.isEmpty && id != "." && !id.contains("..")
            && !id.contains { forbidden.contains($0) || $0.isWhitespace || ($0.asciiValue.map { $0 < 0x20 || $0 == 0x7f } ?? false) }
        try require(ok, "\(at): '\(id)' cannot be a URL path segment (no / ? # % \\ .. whitespace or control characters)")
    }

    private static func validate(_ faults: Faults, at: String) throws {
        for (name, fault) in [("status", faults.status), ("update_model", faults.updateModel)] {
            guard let fault else { continue }
            let faultAt = "\(at).\(name)"
            try require(fault.delayMS >= 0, "\(faultAt).delay_ms: must be >= 0")
            if let times = fault.times {
                try require(times >= 0, "\(faultAt).times: must be >= 0")
            }
            let answers = [
                fault.http500, fault.nonJSON200, fault.dropConnection, fault.wrongJobID, fault.httpStatus != nil,
            ].filter { $0 }
            try require(
                answers.count <= 1,
                "\(faultAt): at most one of http_500, non_json_200, drop_connection, wrong_job_id, http_status may be set")
            if let status = fault.httpStatus {
                try require((200...599).contains(status), "\(faultAt).http_status: must be 200-599, not \(status)")
            } else {
                try require(fault.body == nil, "\(faultAt).body: only applies with http_status")
                try require(fault.contentType == nil, "\(faultAt).content_type: only applies with http_status")
                try require(fault.errorMessage == nil, "\(faultAt).error_message: only applies with http_status")
            }
            if let contentType = fault.contentType {
                try require(
                    !contentType.isEmpty && contentType.utf8.count <= 200
                        && contentType.unicodeScalars.allSatisfy { (0x20...0x7E).contains($0.value) },
                    "\(faultAt).content_type: must be 1-200 printable ASCII characters")
            }
            if fault.omitOptionalFields {
                try require(name == "status", "\(faultAt).omit_optional_fields: only applies to status faults")
            }
        }
    }

    private static func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        if !condition {
            throw SimulatorError.fixtureInvalid(message())
        }
    }
}
