extension SimulatorState {
    /// `GET /v1/external/retrain_jobs/{id}`
    func status(apiKey: String?, jobID: String) -> Outcome {
        let model: String
        switch authenticate(apiKey) {
        case .model(let name): model = name
        case .refused(let outcome): return outcome
        }
        guard var job = job(jobID, of: model) else {
            return Outcome(.badRequest(.notFoundRetrainJob))
        }
        if job.deleted {
            return Outcome(.badRequest(.jobDeleted))
        }
        job.checks += 1
        advance(&job)
        let fault = takeFault(job.faults.status, uses: &job.statusFaultUses)
        jobs[jobID] = job

        let bare = fault?.omitOptionalFields == true
        let body = StatusBody(
            status: job.statusWords.word(for: job.status),
            modelID: bare ? nil : models[model]?.fixture.modelID,
            message: bare ? nil : job.message,
            downloadURL: bare ? nil : downloadURL(for: job),
            metadata: JobMetadata(retrainJobID: fault?.wrongJobID == true ? Self.wrongID(jobID) : jobID))
        let success = Reply.encoded(body)
        guard let fault else { return Outcome(success) }
        return Outcome(Self.faultReply(fault) ?? success, delay: .milliseconds(fault.delayMS))
    }

    /// `PUT /v1/external/retrain_jobs/{id}/update_model`
    func updateModel(apiKey: String?, jobID: String) -> Outcome {
        let model: String
        switch authenticate(apiKey) {
        case .model(let name): model = name
        case .refused(let outcome): return outcome
        }
        guard var job = job(jobID, of: model), !job.deleted else {
            return Outcome(.badRequest(.notFoundRetrainJob))
        }
        advance(&job)
        let fault = takeFault(job.faults.updateModel, uses: &job.updateModelFaultUses)
        jobs[jobID] = job

        let refusal: Reply?
        if models[model]?.fixture.deleted ?? true {
            refusal = .badRequest(.notFoundClassifier)
        } else if job.status != .finished {
            refusal = .badRequest(.jobNotFinished)
        } else {
            refusal = nil
        }
        let delay = Duration.milliseconds(fault?.delayMS ?? 0)
        if let fault, let faulty = Self.faultReply(fault) {
            if refusal == nil && fault.switchTakesEffect {
                models[model]?.liveJob = jobID
            }
            return Outcome(faulty, delay: delay)
        }
        if let refusal {
            return Outcome(refusal, delay: delay)
        }
        models[model]?.liveJob = jobID
        let echoed = fault?.wrongJobID == true ? Self.wrongID(jobID) : jobID
        return Outcome(.encoded(SwitchBody(metadata: JobMetadata(retrainJobID: echoed))), delay: delay)
    }

    /// `GET /_download/{id}`: a small CSV for finished jobs.
    func download(jobID: String) -> Reply {
        guard let job = jobs[jobID], job.status == .finished, !job.deleted else {
            return .text(status: 404, contentType: "text/plain; charset=utf-8", body: "no results for this job\n")
        }
        return .text(
            status: 200, contentType: "text/csv; charset=utf-8",
            body: "retrain_job_id,metric,value\n\(job.id),accuracy,0.9\n")
    }

    /// The replacement answer for faults that replace the answer; `nil` for delay-only / wrong_job_id /
    /// omit_optional_fields.
    static func faultReply(_ fault: SimulatorFixture.Fault) -> Reply? {
        if fault.http500 { return .internalError(.internalServerError) }
        if fault.nonJSON200 { return .nonJSON }
        if fault.dropConnection { return .drop }
        if let status = fault.httpStatus {
            return .gateway(status: status, body: fault.body ?? .html, contentType: fault.contentType, message: fault.errorMessage)
        }
        return nil
    }

    /// The id echoed by the `wrong_job_id` fault.
    static func wrongID(_ id: String) -> String {
        "\(id)-wrong"
    }
}
