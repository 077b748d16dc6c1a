import EPASimulator
import Testing

@Suite("Credential errors on every endpoint")
struct CredentialTests {
    enum Endpoint: String, CaseIterable, Sendable {
        case uploadURL, status, updateModel

        func call(_ simulator: RunningSimulator, key: String?) async throws -> RawResponse {
            switch self {
            case .uploadURL: return try await simulator.uploadURL(key: key)
            case .status: return try await simulator.status("a-done", key: key)
            case .updateModel: return try await simulator.switchTo("a-done", key: key)
            }
        }
    }

    static let cases: [(key: String?, message: String)] = [
        (nil, "invalid_api_key."),
        ("no-such-key", "invalid_api_key."),
        ("", "invalid_api_key."),
        (TestFixture.inactiveKey, "Inactive_credential."),
        (TestFixture.goneKey, "Not_found_credential."),
    ]

    @Test(arguments: Endpoint.allCases, cases)
    func credentialError(endpoint: Endpoint, credential: (key: String?, message: String)) async throws {
        try await withSimulator { simulator in
            let response = try await endpoint.call(simulator, key: credential.key)
            #expect(response.status == 400)
            #expect(response.headers["content-type"] == "application/json")
            #expect(try response.decode(ErrorReply.self) == .bad(credential.message))
            #expect(response.jsonKeys == ["code", "error", "message"])
            // A refused switch changes nothing.
            #expect(await simulator.liveJob(model: "alpha") == "a-done")
        }
    }

    @Test func headerNameIsCaseInsensitiveAndSpaceIsOptional() async throws {
        try await withSimulator { simulator in
            for line in ["X-API-KEY: \(TestFixture.activeKey)", "x-api-key:\(TestFixture.activeKey)"] {
                let result = try await RawHTTP.send(
                    port: simulator.port, method: "PUT", target: "/v1/external/retrain_jobs/a-other/update_model",
                    headerLines: [line])
                guard case .response(let response) = result else {
                    Issue.record("no response")
                    return
                }
                #expect(response.status == 200)
            }
        }
    }
}
