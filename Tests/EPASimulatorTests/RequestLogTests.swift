import EPASimulator
import Foundation
import Testing

@Suite("Request log")
struct RequestLogTests {
    @Test func recordsPresenceButNeverTheKey() async throws {
        let logPath = temporaryPath("requests.jsonl")
        defer { try? FileManager.default.removeItem(atPath: logPath) }
        let secret = TestFixture.activeKey
        let memory = try await withSimulator(requestLogPath: logPath) { simulator in
            _ = try await simulator.switchTo("a-other")
            _ = try await simulator.status("a-done", key: nil)
            _ = try await simulator.uploadURL(filename: "x.csv")
            _ = try await simulator.status("a-done", key: TestFixture.inactiveKey)
            _ = try await RawHTTP.send(
                port: simulator.port, method: "GET", target: "/v1/external/retrain_jobs/f-drop",
                headerLines: ["x-api-key:\(secret)"])
            _ = try await simulator.get("/v1/external/nowhere")
            return await simulator.requests()
        }

        let expected: [(String, String, String?, Bool, Int)] = [
            ("PUT", "/v1/external/retrain_jobs/a-other/update_model", nil, true, 200),
            ("GET", "/v1/external/retrain_jobs/a-done", nil, false, 400),
            ("GET", "/v1/external/retrain_jobs/upload_url", "filename=x.csv", true, 200),
            ("GET", "/v1/external/retrain_jobs/a-done", nil, true, 400),
            ("GET", "/v1/external/retrain_jobs/f-drop", nil, true, 0),
            ("GET", "/v1/external/nowhere", nil, true, 404),
        ]
        #expect(memory.count == expected.count)
        for (record, want) in zip(memory, expected) {
            #expect(record.method == want.0)
            #expect(record.path == want.1)
            #expect(record.query == want.2)
            #expect(record.apiKeyPresent == want.3)
            #expect(record.status == want.4)
            #expect(record.time.hasSuffix("Z") && record.time.count == 24)
        }

        let bytes = try Data(contentsOf: URL(fileURLWithPath: logPath))
        #expect(bytes.range(of: Data(secret.utf8)) == nil)
        #expect(bytes.range(of: Data(TestFixture.inactiveKey.utf8)) == nil)
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n")
        let fromFile = try lines.map { try JSONDecoder().decode(RecordedRequest.self, from: Data($0.utf8)) }
        #expect(fromFile == memory)
        #expect(lines.first?.contains("\"api_key_present\":true") == true)
    }

    @Test func logFileIsAppendedAndFlushedPerRequest() async throws {
        let logPath = temporaryPath("append.jsonl")
        defer { try? FileManager.default.removeItem(atPath: logPath) }
        try Data("{\"earlier\":true}\n".utf8).write(to: URL(fileURLWithPath: logPath))
        try await withSimulator(requestLogPath: logPath) { simulator in
            _ = try await simulator.status("a-done")
            // Visible to another reader while the simulator still runs.
            let lines = try String(contentsOfFile: logPath, encoding: .utf8).split(separator: "\n")
            #expect(lines.count == 2)
            #expect(lines.first == "{\"earlier\":true}")
        }
    }

    @Test func requestsEndpointServesTheLogAndIsNotRecorded() async throws {
        try await withSimulator { simulator in
            _ = try await simulator.status("a-done")
            let response = try await simulator.get("/_simulator/requests", key: nil)
            #expect(response.status == 200)
            let served = try response.decode([RecordedRequest].self)
            #expect(served == (await simulator.requests()))
            #expect(served.count == 1)
            _ = try await simulator.get("/_simulator/state", key: nil)
            #expect(await simulator.requests().count == 1)
            let raw = response.text
            #expect(!raw.contains(TestFixture.activeKey))
        }
    }

    @Test func unwritableLogIsAnError() async {
        await #expect(throws: SimulatorError.self) {
            _ = try await Simulator.start(fixture: TestFixture.make(), requestLogPath: "/nonexistent/dir/log.jsonl")
        }
    }
}
