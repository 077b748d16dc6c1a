import ArgumentParser
import Foundation
import LedgerCore
import LedgerPresentation
import NIOHTTP1

/// `ledger switch` in remote mode: `POST /v1/switches` with a fresh `Ledger-Request-ID`; when the
/// connection is lost before the answer, the switch is looked up by that id (`GET /v1/switches?request_id=`)
/// and the seqs the service recorded are printed, or the id to look up later; exit 75 either way.
enum RemoteSwitch {
    /// How often and how long to look a lost switch up.
    struct Lookup: Sendable {
        var attempts = 5
        var pause: Duration = .seconds(2)
        var timeout: Double = 5
    }

    /// A new request id: 32 lowercase hex digits (random).
    static func newRequestID() -> String {
        let bytes = (try? Digest.randomBytes(16)) ?? Array(UUID().uuidString.utf8.prefix(16))
        return Hex.encode(bytes)
    }

    /// Sends the switch and renders its document; a lost connection ends in ``lost(_:requestID:lookup:)``.
    static func run(_ client: RemoteLedgerClient, body: JSONValue, lookup: Lookup = Lookup(), render: (JSONValue) throws -> Void) async throws {
        try await RemoteLedgerClient.with(client) { client in
            let requestID = newRequestID()
            let (document, exitCode): (JSONValue, LedgerExitCode)
            do throws(RemoteCallError) {
                let response = try await client.send(
                    .POST, "/v1/switches", json: body, headers: [(RemoteLedgerClient.requestIDHeader, requestID)],
                    timeout: RemoteLedgerClient.defaultTimeout)
                (document, exitCode) = try RemoteAnswer.document(response)
            } catch .lost {
                throw await lost(client, requestID: requestID, lookup: lookup)
            } catch {
                throw error.cliError
            }
            try render(document)
            if exitCode != .ok { throw ExitCode(exitCode.rawValue) }
        }
    }

    /// What the service recorded for `requestID` (a few tries), as the error to report (exit 75).
    static func lost(_ client: RemoteLedgerClient, requestID: String, lookup: Lookup) async -> CLIError {
        let prefix = "connection to the ledger service lost during the switch"
        var answered = false
        for attempt in 1...max(1, lookup.attempts) {
            if attempt > 1 { try? await Task.sleep(for: lookup.pause) }
            let response: RemoteResponse
            do {
                response = try await client.send(.GET, "/v1/switches", query: [("request_id", requestID)], timeout: lookup.timeout, bodyLimit: 1 << 20)
            } catch {
                continue
            }
            answered = true
            guard response.status == 200, let found = try? JSONValue(parsing: response.body),
                let requested = found["requested_seq"]?.integerValue
            else { continue }
            let completed = found["completed_seq"]?.integerValue
            let outcome = found["outcome"]?.stringValue.map { DisplayText.terminal(String($0.prefix(64))) }
            let completion =
                completed.map { " and switch.completed seq \($0) (outcome: \(outcome ?? "unknown"))" }
                ?? " (outcome: \(outcome ?? "unresolved, no switch.completed yet"))"
            return CLIError(
                message: "\(prefix); it recorded switch.requested seq \(requested)\(completion). Request id \(requestID).",
                exitCode: .tryLater)
        }
        let logCommand = "`ledger log --server \(client.baseURL)`"
        if answered {
            return CLIError(
                message: "\(prefix); the service has recorded no switch with request id \(requestID) so far: look it up with \(logCommand)",
                exitCode: .tryLater)
        }
        return CLIError(message: "\(prefix); request id \(requestID): look it up with \(logCommand) when the service is back", exitCode: .tryLater)
    }
}
