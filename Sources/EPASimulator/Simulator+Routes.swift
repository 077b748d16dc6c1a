import Foundation
import Hummingbird

extension Simulator {
    /// All routes: the three API endpoints, the upload/download URLs they hand out, and `/_simulator/...`.
    static func router(state: SimulatorState) -> Router<SimulatorContext> {
        let router = Router(context: SimulatorContext.self)
        router.add(middleware: RecordingMiddleware(state: state))

        let jobs = "/v1/external/retrain_jobs"
        router.get("\(jobs)/upload_url") { request, context in
            let filename = request.queryValue("filename")
            return try await state.uploadURL(apiKey: request.apiKey, filename: filename).response(context: context)
        }
        router.get("\(jobs)/:job") { request, context in
            let id = try context.parameters.require("job")
            return try await state.status(apiKey: request.apiKey, jobID: id).response(context: context)
        }
        router.put("\(jobs)/:job/update_model") { request, context in
            let id = try context.parameters.require("job")
            return try await state.updateModel(apiKey: request.apiKey, jobID: id).response(context: context)
        }
        router.put("/_upload/:token") { request, context in
            var request = request
            _ = try await request.collectBody(upTo: context.maxUploadSize)
            let token = try context.parameters.require("token")
            return try await state.completeUpload(token: token).response(context: context)
        }
        router.get("/_download/:job") { _, context in
            let id = try context.parameters.require("job")
            return try await state.download(jobID: id).response(context: context)
        }
        router.get("/_simulator/requests") { _, context in
            try await Reply.encoded(state.requests).response(context: context)
        }
        router.get("/_simulator/state") { _, context in
            try await Reply.encoded(state.snapshot()).response(context: context)
        }
        return router
    }
}
