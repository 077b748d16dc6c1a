import Foundation

extension SimulatorState {
    /// `GET /v1/external/retrain_jobs/upload_url?filename=NAME`
    func uploadURL(apiKey: String?, filename: String?) -> Outcome {
        let modelName: String
        switch authenticate(apiKey) {
        case .model(let name): modelName = name
        case .refused(let outcome): return outcome
        }
        guard let model = models[modelName]?.fixture else {
            return Outcome(.badRequest(.notFoundCredential))
        }
        if model.userDeleted { return Outcome(.badRequest(.userDeleted)) }
        if model.deleted { return Outcome(.badRequest(.modelDeleted)) }
        if uploadDefaults.jobDeleted { return Outcome(.badRequest(.jobDeleted)) }
        if model.configurationFileMissing { return Outcome(.internalError(.configurationFileMissing)) }
        guard let filename, !filename.isEmpty else {
            return Outcome(.badRequest(.filenameRequired))
        }
        let jobID = nextUploadJobID()
        let token = UUID().uuidString.lowercased()
        pendingUploads[token] = PendingUpload(jobID: jobID, model: modelName, filename: filename)
        return Outcome(.encoded(UploadURLBody(retrainJobID: jobID, uploadURL: "\(origin)/_upload/\(token)")))
    }

    /// `PUT /_upload/{token}`: the upload completes and the job starts `running`.
    func completeUpload(token: String) -> Reply {
        guard let pending = pendingUploads.removeValue(forKey: token) else {
            if completedUploads.contains(token) {
                return .text(status: 409, contentType: "text/plain; charset=utf-8", body: "upload already completed\n")
            }
            return .text(status: 404, contentType: "text/plain; charset=utf-8", body: "unknown upload url\n")
        }
        completedUploads.insert(token)
        let defaults = uploadDefaults
        jobs[pending.jobID] = JobRecord(
            id: pending.jobID, model: pending.model, status: .running, deleted: false, message: defaults.message,
            finishAfterChecks: defaults.finishAfterChecks, finishAfterSeconds: defaults.finishAfterSeconds,
            endStatus: defaults.endStatus, faults: defaults.faults, statusWords: defaults.statusWords,
            startedAt: clock.now, filename: pending.filename)
        jobOrder.append(pending.jobID)
        return .text(status: 200, contentType: "text/plain; charset=utf-8", body: "")
    }

    private func nextUploadJobID() -> String {
        while true {
            uploadCounter += 1
            let number = String(uploadCounter)
            let id = uploadDefaults.jobIDPrefix + String(repeating: "0", count: max(0, 4 - number.count)) + number
            if jobs[id] == nil && !pendingUploads.values.contains(where: { $0.jobID == id }) {
                return id
            }
        }
    }
}
