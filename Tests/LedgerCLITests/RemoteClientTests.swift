import Foundation
import LedgerTestSupport
import Testing

#if canImport(Glibc)  // the stub server (RemoteStubSupportTests.swift) uses Linux sockets

    /// The built `ledger` in remote mode against a loopback stub of the ledger service (contract D): how
    /// answers become output and exit codes, hostile answers, and a connection lost during a switch.
    @Suite("Remote client")
    struct RemoteClientTests {
        static let switchDocument = """
            {"model":"churn","retrain_job_id":"churn-2026-11-a","outcome":"rejected","preflight_seq":2,"preflight_status":"finished",\
            "requested_seq":3,"completed_seq":4,"http_status":409,"duration_ms":12,"error_code":"E409","error_message":"model is locked",\
            "explanation":"the service rejected the switch"}
            """

        static func switchArguments(_ stub: RemoteStubServer, token: String, format: String = "text") -> [String] {
            [
                "switch", "churn-2026-11-a", "--model", "churn", "--reason", "CHG-1", "--server", stub.url, "--token-file", token,
                "--format", format,
            ]
        }

        @Test func theSwitchIsSentWithTheBearerTokenARequestIDAndNoActor() throws {
            let dir = TemporaryDirectory()
            let token = try writeTokenFile(in: dir)
            let stub = try RemoteStubServer { _ in .document(Self.switchDocument, exitCode: 3) }
            defer { stub.stop() }
            _ = try Binaries.ledger(Self.switchArguments(stub, token: token.path))
            let request = try #require(stub.requests.first)
            #expect(request.method == "POST")
            #expect(request.path == "/v1/switches")
            #expect(request.headers["authorization"] == "Bearer \(token.token)")
            let requestID = try #require(request.headers["ledger-request-id"])
            #expect(requestID.count == 32 && requestID.allSatisfy(\.isHexDigit))
            let body = try #require(request.jsonBody)
            #expect(body["retrain_job_id"] as? String == "churn-2026-11-a")
            #expect(body["model"] as? String == "churn")
            #expect(body["reason"] as? String == "CHG-1")
            #expect(body["actor"] == nil)
        }

        @Test func aDocumentWithLedgerExitCode3ExitsWith3AndPrintsTheDocument() throws {
            let dir = TemporaryDirectory()
            let token = try writeTokenFile(in: dir)
            let stub = try RemoteStubServer { _ in .document(Self.switchDocument, exitCode: 3) }
            defer { stub.stop() }
            let json = try Binaries.ledger(Self.switchArguments(stub, token: token.path, format: "json"))
            #expect(json.exitCode == 3)
            let printed = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            #expect(printed["outcome"] as? String == "rejected")
            #expect(printed["completed_seq"] as? Int == 4)

            let text = try Binaries.ledger(Self.switchArguments(stub, token: token.path))
            #expect(text.exitCode == 3)
            #expect(text.stdout.contains("NOT switched churn → churn-2026-11-a: rejected"), "\(text.stdout)")
            #expect(!text.allOutput.contains(token.token))
        }

        @Test func anErrorEnvelopeExitsWithItsExitCodeAndPrintsItsMessage() throws {
            let dir = TemporaryDirectory()
            let token = try writeTokenFile(in: dir)
            let stub = try RemoteStubServer { _ in
                .error(status: 409, code: "refused", message: "refused: proposal 42 needs 2 approvals, has 1", exitCode: 7)
            }
            defer { stub.stop() }
            let result = try Binaries.ledger(Self.switchArguments(stub, token: token.path))
            #expect(result.exitCode == 7)
            #expect(result.stderr.contains("error: refused: proposal 42 needs 2 approvals, has 1"))
            #expect(result.stdout.isEmpty)

            let unauthorized = try RemoteStubServer { _ in
                .error(status: 401, code: "unauthorized", message: "the token is unknown, expired or revoked", exitCode: 78)
            }
            defer { unauthorized.stop() }
            let log = try Binaries.ledger(["log", "--server", unauthorized.url, "--token-file", token.path])
            #expect(log.exitCode == 78)
            #expect(log.stderr.contains("error: the token is unknown, expired or revoked"))
        }

        @Test func hostileAnswersAreRefusedWithExit74NeverWith70() throws {
            let dir = TemporaryDirectory()
            let token = try writeTokenFile(in: dir)
            let answers: [(StubAction, String)] = [
                (.respond(status: 200, headers: [("Content-Type", "application/json")], body: Array(#"{"a":1}"#.utf8)), "Ledger-Exit-Code"),
                (.respond(status: 200, headers: [("Ledger-Exit-Code", "0")], body: Array("<html>\u{1B}[31mhi</html>".utf8)), "not JSON"),
                (.respond(status: 200, headers: [("Ledger-Exit-Code", "999")], body: Array("{}".utf8)), "not an exit code"),
                (.respond(status: 502, headers: [], body: Array("Bad Gateway".utf8)), "HTTP 502 without the service's error document"),
                (.respond(status: 302, headers: [("Location", "https://elsewhere.example/")], body: []), "redirect"),
                (.respond(status: 200, headers: [("Ledger-Exit-Code", "0")], body: Array(#"{"a":1,"a":2}"#.utf8)), "not JSON"),
            ]
            for (answer, expected) in answers {
                let stub = try RemoteStubServer { _ in answer }
                defer { stub.stop() }
                let result = try Binaries.ledger(["verify", "--server", stub.url, "--token-file", token.path])
                #expect(result.exitCode == 74, "\(expected): \(result.stderr)")
                #expect(result.stderr.contains(expected), "\(result.stderr)")
                #expect(!result.stderr.contains("\u{1B}"))
            }
        }

        @Test func aHundredMegabyteAnswerIsRefused() throws {
            let dir = TemporaryDirectory()
            let token = try writeTokenFile(in: dir)
            let stub = try RemoteStubServer { _ in .huge(bytes: 100 << 20) }
            defer { stub.stop() }
            let result = try Binaries.ledger(["show", "1", "--server", stub.url, "--token-file", token.path])
            #expect(result.exitCode == 74)
            #expect(result.stderr.contains("larger than \(64 << 20) bytes"))
        }

        @Test func aConnectionClosedMidSwitchIsLookedUpByRequestIDAndExits75() throws {
            let dir = TemporaryDirectory()
            let token = try writeTokenFile(in: dir)
            let stub = try RemoteStubServer { request in
                if request.method == "POST" { return .close }
                let id = request.query("request_id") ?? ""
                return .document(#"{"request_id":"\#(id)","requested_seq":17,"completed_seq":null,"outcome":null}"#)
            }
            defer { stub.stop() }
            let result = try Binaries.ledger(Self.switchArguments(stub, token: token.path))
            #expect(result.exitCode == 75)
            #expect(result.stderr.contains("connection to the ledger service lost during the switch; it recorded switch.requested seq 17"))
            let requests = stub.requests
            let sent = try #require(requests.first?.headers["ledger-request-id"])
            #expect(requests.dropFirst().first?.path == "/v1/switches")
            #expect(requests.dropFirst().first?.query("request_id") == sent)
            #expect(result.stderr.contains(sent))
        }

        @Test func aSwitchLostWithTheServiceGoneNamesTheRequestIDToLookUpLater() throws {
            let dir = TemporaryDirectory()
            let token = try writeTokenFile(in: dir)
            let box = StubBox()
            let stub = try RemoteStubServer { _ in
                box.stub?.stop()  // the service goes away with the switch in flight
                return .close
            }
            box.stub = stub
            let result = try Binaries.ledger(Self.switchArguments(stub, token: token.path), timeout: 60)
            #expect(result.exitCode == 75)
            let sent = try #require(stub.requests.first?.headers["ledger-request-id"])
            #expect(result.stderr.contains("request id \(sent): look it up with `ledger log --server \(stub.url)` when the service is back"))
        }
    }

    /// Lets a stub's handler reach the stub.
    final class StubBox: @unchecked Sendable {
        var stub: RemoteStubServer?
    }
#endif
