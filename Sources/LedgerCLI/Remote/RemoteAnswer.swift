import Foundation
import LedgerCore
import LedgerPresentation
import NIOHTTP1

/// How the CLI reads the ledger service's answers (contract D): a 200 carries the command's JSON
/// document and `Ledger-Exit-Code`; any other status carries `{"error": {"code", "message", "exit_code"}}`.
/// Whatever else a server sends is refused with a clear message and exit 74, never 70.
enum RemoteAnswer {
    /// The document and exit code of a 200 answer, or the error the answer stands for.
    static func document(_ response: RemoteResponse) throws(RemoteCallError) -> (document: JSONValue, exitCode: LedgerExitCode) {
        let exitCode = try successExitCode(response)
        guard let document = try? JSONValue(parsing: response.body) else {
            throw .hostile(reason: "HTTP 200 with a body that is not JSON (\(preview(response.body)))")
        }
        return (document, exitCode)
    }

    /// The exit code of a 200 answer (its body used as is), or the error the answer stands for.
    static func successExitCode(_ response: RemoteResponse) throws(RemoteCallError) -> LedgerExitCode {
        guard response.status == 200 else { throw failure(response) }
        guard let text = response.headers.first(name: RemoteLedgerClient.exitCodeHeader) else {
            throw .hostile(reason: "HTTP 200 without the \(RemoteLedgerClient.exitCodeHeader) header; is --server a ledger service?")
        }
        guard let value = Int32(text), let code = LedgerExitCode(rawValue: value) else {
            throw .hostile(
                reason:
                    "its \(RemoteLedgerClient.exitCodeHeader) header \"\(DisplayText.terminal(String(text.prefix(40))))\" is not an exit code ledger documents")
        }
        return code
    }

    /// The error an answer other than 200 stands for: the service's envelope, or a hostile answer.
    static func failure(_ response: RemoteResponse) -> RemoteCallError {
        if let envelope = try? JSONValue(parsing: response.body), let error = envelope["error"]?.objectValue,
            let code = error["code"]?.stringValue, let message = error["message"]?.stringValue,
            let number = error["exit_code"]?.integerValue, let value = Int32(exactly: number),
            let exitCode = LedgerExitCode(rawValue: value), exitCode != .ok
        {
            // One line, as local mode prints it (Console.error escapes control characters).
            let line = message.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).joined(separator: " ")
            return .service(code: code, message: String(line.prefix(4096)), exitCode: exitCode)
        }
        return .hostile(reason: "HTTP \(response.status) without the service's error document (\(preview(response.body)))")
    }

    /// The first bytes of a body, escaped, for messages.
    static func preview(_ body: [UInt8]) -> String {
        if body.isEmpty { return "empty body" }
        let head = String(decoding: body.prefix(120), as: UTF8.self)
        return "\(body.count) bytes: \"\(DisplayText.terminal(head))\(body.count > 120 ? "…" : "")\""
    }
}
