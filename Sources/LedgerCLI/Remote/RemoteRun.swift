import ArgumentParser
import AsyncHTTPClient
import EPAClient
import Foundation
import LedgerCore
import LedgerPresentation
import NIOCore
import NIOHTTP1

/// The remote path of a command: one call to the ledger service, the returned document rendered by the
/// same presentation as local mode, and the exit code the service named.
enum RemoteRun {
    /// Calls the service, renders the 200 document with `render`, and exits with its `Ledger-Exit-Code`.
    /// An error answer prints `error: <message>` and exits with its `exit_code`, as local mode would.
    static func document(
        _ client: RemoteLedgerClient, _ method: RemoteMethod, _ path: String, query: [(String, String)] = [], json: JSONValue? = nil,
        render: (JSONValue) throws -> Void
    ) async throws {
        try await RemoteLedgerClient.with(client) { client in
            let (document, exitCode): (JSONValue, LedgerExitCode)
            do throws(RemoteCallError) {
                let response = try await client.send(method.http, path, query: query, json: json)
                (document, exitCode) = try RemoteAnswer.document(response)
            } catch {
                throw error.cliError
            }
            try render(document)
            if exitCode != .ok { throw ExitCode(exitCode.rawValue) }
        }
    }

    /// Runs `body` with a client when a server is in force (errors reported as local mode reports them) and
    /// returns true; returns false in local mode, without doing anything.
    static func ifRemote(
        _ remote: RemoteOptions, caFile: String?, localOnly: [(flag: String, given: Bool)], _ body: (RemoteLedgerClient) async throws -> Void
    ) async throws -> Bool {
        guard remote.isRemote else { return false }
        try await runReportingErrors {
            guard let client = try remote.client(caFile: caFile, localOnly: localOnly) else { return }
            try await body(client)
        }
        return true
    }

    /// `approve`, `decline` and `review` in remote mode (POST `path` with `body`); false in local mode.
    static func approvalAction(
        _ remote: RemoteOptions, ca: RemoteCAFileOption, action: ApprovalActionOptions, verb: String, path: String, body: [String: JSONValue]
    ) async throws -> Bool {
        let refused = localOnly(action.options) + [("--actor", action.who.actor != nil), ("--policy", action.policy.policyFile != nil)]
        return try await ifRemote(remote, caFile: ca.caFile, localOnly: refused) { client in
            try await document(client, .post, path, json: .object(body)) { document in
                ApprovalOutput.print(document: document, verb: verb, format: action.format)
            }
        }
    }

    /// `retrain upload` in remote mode: `POST /v1/uploads?model=M&reason=R` with the file's bytes, streamed.
    static func upload(_ client: RemoteLedgerClient, file: String, model: String, reason: String, render: (JSONValue) throws -> Void) async throws {
        let (chunks, size) = try RemoteFileChunks.open(file)
        try await RemoteLedgerClient.with(client) { client in
            let (document, exitCode): (JSONValue, LedgerExitCode)
            do throws(RemoteCallError) {
                let response = try await client.send(
                    .POST, "/v1/uploads", query: [("model", model), ("reason", reason)], body: .stream(chunks, length: .known(size)),
                    contentType: "application/octet-stream", timeout: uploadTimeout)
                (document, exitCode) = try RemoteAnswer.document(response)
            } catch {
                throw error.cliError
            }
            try render(document)
            if exitCode != .ok { throw ExitCode(exitCode.rawValue) }
        }
    }

    /// The query items every report and history request carries: format, period, `no_verify`.
    static func reportQuery(_ output: ReportOutputOptions, _ period: PeriodOptions) -> [(String, String)] {
        query([("format", output.format.rawValue), ("since", period.since), ("until", period.until), ("no_verify", output.noVerify ? "true" : nil)])
    }

    /// `report` and `history` in remote mode: the service renders; the body is printed or written (`--out`) as is.
    static func report(_ client: RemoteLedgerClient, _ path: String, query: [(String, String)], out: String?, what: String) async throws {
        try await RemoteLedgerClient.with(client) { client in
            let body: [UInt8], exitCode: LedgerExitCode, headers: HTTPHeaders
            do throws(RemoteCallError) {
                let response = try await client.send(.GET, path, query: query, timeout: uploadTimeout)
                exitCode = try RemoteAnswer.successExitCode(response)
                (body, headers) = (response.body, response.headers)
            } catch {
                throw error.cliError
            }
            // The notes local mode prints on stderr around the body, as the service sent them.
            for note in reportNotes(headers, ReportNoteHeader.leading) { Console.note(note) }
            try ReportOutput.write(String(decoding: body, as: UTF8.self), to: out)
            for note in reportNotes(headers, ReportNoteHeader.trailing) { Console.note(note) }
            if exitCode == .tampered {
                Console.error(
                    "the ledger does not verify: the \(what) was written, but \(what == "report" ? "its figures" : "it") cannot be trusted. Run `ledger verify --server \(client.baseURL)`."
                )
            }
            if exitCode != .ok { throw ExitCode(exitCode.rawValue) }
        }
    }

    /// The report notes an answer carries in the header `name` (``ReportNoteHeader``), in order; values
    /// that are not well-formed notes are skipped. `Console.note` escapes what they hold.
    static func reportNotes(_ headers: HTTPHeaders, _ name: String) -> [String] {
        headers[name].prefix(ReportNoteHeader.maxNotes).compactMap(ReportNoteHeader.decode)
    }

    /// The deadline of an upload or an export (they move whole files).
    static let uploadTimeout: Double = 3600

    /// The flags of ``LedgerOptions`` that only local mode uses.
    static func localOnly(_ options: LedgerOptions) -> [(flag: String, given: Bool)] {
        [("--db", options.db != nil), ("--key-file", options.keyFile != nil)]
    }

    /// Query items: `name=value` for each value given.
    static func query(_ items: [(String, String?)]) -> [(String, String)] {
        items.compactMap { name, value in value.map { (name, $0) } }
    }
}

/// An upload's body: the file as 64 KiB buffers (the vendor client's own reader).
enum RemoteFileChunks {
    /// Opens a regular file (exit 64 when it cannot be read, before any network I/O).
    static func open(_ path: String) throws -> (FileChunks, Int64) {
        do {
            return try FileChunks.open(path)
        } catch {
            throw CLIError(message: "cannot read \(DisplayText.terminal(path)): \(Self.reason(error))", exitCode: .usage)
        }
    }

    private static func reason(_ error: EPAError) -> String {
        if case .fileUnreadable(_, let reason) = error { return reason }
        return error.localizedDescription
    }
}

/// The HTTP methods the remote commands use.
enum RemoteMethod: Sendable {
    case get, post

    var http: HTTPMethod {
        switch self {
        case .get: .GET
        case .post: .POST
        }
    }
}
