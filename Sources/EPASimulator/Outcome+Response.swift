import HTTPTypes
import Hummingbird
import NIOCore

extension Outcome {
    /// Waits out the delay, then turns the reply into a response (or drops the connection).
    func response(context: SimulatorContext) async throws -> Response {
        if delay > .zero {
            try await Task.sleep(for: delay)
        }
        return try await reply.response(context: context)
    }
}

extension Reply {
    /// Turns the reply into a response; `.drop` throws ``ConnectionDropped`` (the recording middleware
    /// logs the request, then closes the connection).
    func response(context: SimulatorContext) async throws -> Response {
        switch self {
        case .json(let status, let body):
            return Self.make(status: status, contentType: "application/json", bytes: body)
        case .text(let status, let contentType, let body):
            return Self.make(status: status, contentType: contentType, bytes: Array(body.utf8))
        case .raw(let status, let contentType, let body):
            return Self.make(status: status, contentType: contentType, bytes: body)
        case .drop:
            throw ConnectionDropped()
        }
    }

    private static func make(status: Int, contentType: String?, bytes: some Sequence<UInt8>) -> Response {
        var headers = HTTPFields()
        if let contentType { headers[.contentType] = contentType }
        return Response(
            status: HTTPResponse.Status(code: status), headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
