import HTTPTypes
import Hummingbird
import NIOCore

/// Records every request (except `/_simulator/...`) with the status it was answered with.
struct RecordingMiddleware: RouterMiddleware {
    typealias Context = SimulatorContext

    let state: SimulatorState

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let path = request.uri.path
        if path.hasPrefix("/_simulator/") {
            return try await next(request, context)
        }
        let time = RecordedRequest.now()
        let status: Int
        let result: Result<Response, any Error>
        do {
            let response = try await next(request, context)
            status = response.status.code
            result = .success(response)
        } catch is ConnectionDropped {
            status = 0
            result = .failure(ConnectionDropped())
        } catch let error as any HTTPResponseError {
            status = error.status.code
            result = .failure(error)
        } catch {
            status = 500
            result = .failure(error)
        }
        await state.record(
            RecordedRequest(
                method: request.method.rawValue, path: path, query: request.uri.query,
                apiKeyPresent: request.apiKey != nil, status: status, time: time))
        if status == 0 {
            // Recorded first, so a client that sees the close can already read the log entry.
            try? await context.channel.close()
        }
        return try result.get()
    }
}
