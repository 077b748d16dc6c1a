import Foundation
import HTTPTypes
import Hummingbird
import LedgerCore
import LedgerPresentation
import NIOCore

extension HTTPField.Name {
    /// The exit code the CLI would have in local mode for this result.
    static let ledgerExitCode = HTTPField.Name("Ledger-Exit-Code")!
    /// A client-chosen id of a switch request (≤ 64 of `[A-Za-z0-9._-]`).
    static let ledgerRequestID = HTTPField.Name("Ledger-Request-ID")!
}

extension ErrorPresentation {
    /// 400 `bad_request` (exit 64).
    static func badRequest(_ message: String) -> ErrorPresentation {
        ErrorPresentation(exitCode: .usage, message: message)
    }

    /// The error as the service answers it, the message on one bounded line.
    var response: Response {
        var presentation = self
        let line = message.split(whereSeparator: \.isNewline).joined(separator: " ")
        presentation.message = line.count > 2000 ? String(line.prefix(2000)) + "…" : line
        return ServiceResponse.json(
            presentation.document, status: HTTPResponse.Status(code: httpStatus), exitCode: exitCode.rawValue)
    }
}

/// Building the service's responses.
enum ServiceResponse {
    /// A JSON document as the CLI prints it (`prettyPrinted()` and a newline), with its exit code header.
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok, exitCode: Int32?) -> Response {
        let text = value.prettyPrinted() + "\n"
        return bytes(Array(text.utf8), contentType: "application/json", status: status, exitCode: exitCode)
    }

    /// Any body with its content type and exit code header.
    static func bytes(_ body: [UInt8], contentType: String, status: HTTPResponse.Status = .ok, exitCode: Int32?) -> Response {
        var headers: HTTPFields = [.contentType: contentType, .cacheControl: "no-store"]
        if let exitCode { headers[.ledgerExitCode] = String(exitCode) }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// Text.
    static func text(_ text: String, contentType: String = "text/plain; charset=utf-8", status: HTTPResponse.Status = .ok, exitCode: Int32?)
        -> Response
    {
        bytes(Array(text.utf8), contentType: contentType, status: status, exitCode: exitCode)
    }
}
