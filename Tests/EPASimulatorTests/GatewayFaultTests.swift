import EPASimulator
import Foundation
import Testing

/// The answers a gateway in front of the real service produces (`http_status` with an HTML,
/// `{"message":…}`, error-shaped or empty body, a content type of the fixture's choice, a status answer
/// without its optional fields), and status words of the fixture's choice (`status_words`).
@Suite("Gateway faults and status words")
struct GatewayFaultTests {
    typealias Job = SimulatorFixture.Job

    static func fixture(_ jobs: [Job]) -> SimulatorFixture {
        SimulatorFixture(apiKeys: [.init(key: TestFixture.activeKey, model: "alpha")], models: [.init(name: "alpha", modelID: 1, jobs: jobs)])
    }

    static func gateway(_ id: String, status: Fault? = nil, update: Fault? = nil) -> Job {
        Job(id: id, status: .finished, faults: .init(status: status, updateModel: update))
    }

    @Test("http_status answers the chosen status with the chosen body and content type, on both endpoints")
    func gatewayBodies() async throws {
        let jobs = [
            Self.gateway("h401", status: Fault(httpStatus: 401), update: Fault(httpStatus: 401)),
            Self.gateway("m403", status: Fault(httpStatus: 403, body: .messageJSON), update: Fault(httpStatus: 403, body: .messageJSON)),
            Self.gateway("m429", update: Fault(httpStatus: 429, body: .messageJSON, errorMessage: "Slow down")),
            Self.gateway("e200", status: Fault(httpStatus: 200, body: .errorJSON, errorMessage: "Quota exceeded.")),
            Self.gateway("e503", update: Fault(httpStatus: 503, body: .errorJSON)),
            Self.gateway("x504", update: Fault(httpStatus: 504, body: .empty)),
            Self.gateway("j200", status: Fault(httpStatus: 200, body: .html, contentType: "application/json")),
        ]
        try await withSimulator(Self.fixture(jobs)) { simulator async throws in
            for response in [try await simulator.status("h401"), try await simulator.switchTo("h401")] {
                #expect(response.status == 401)
                #expect(response.headers["content-type"] == "text/html; charset=utf-8")
                #expect(response.text.contains("<title>401 Unauthorized</title>"))
            }
            for response in [try await simulator.status("m403"), try await simulator.switchTo("m403")] {
                #expect(response.status == 403 && response.headers["content-type"] == "application/json")
                #expect(response.text == #"{"message":"Forbidden"}"#)
            }
            let throttled = try await simulator.switchTo("m429")
            #expect(throttled.status == 429 && throttled.text == #"{"message":"Slow down"}"#)
            let errorUnder200 = try await simulator.status("e200")
            #expect(errorUnder200.status == 200)
            #expect(try errorUnder200.decode(ErrorReply.self) == .bad("Quota exceeded."))
            let errorUnder503 = try await simulator.switchTo("e503")
            #expect(errorUnder503.status == 503)
            #expect(try errorUnder503.decode(ErrorReply.self) == .internalError("Request could not be processed."))
            let empty = try await simulator.switchTo("x504")
            #expect(empty.status == 504 && empty.body.isEmpty && empty.headers["content-type"] == nil)
            let lying = try await simulator.status("j200")
            #expect(lying.status == 200 && lying.headers["content-type"] == "application/json")
            #expect(lying.text.hasPrefix("<html>") && lying.jsonKeys == nil)
        }
    }

    @Test("a gateway answer hides the switch's real effect only with switch_takes_effect; the request log records the gateway's status")
    func gatewayAnswerAndTheSwitch() async throws {
        let log = temporaryPath("requests.jsonl")
        defer { try? FileManager.default.removeItem(atPath: log) }
        let jobs = [
            Self.gateway("lost", update: Fault(switchTakesEffect: true, httpStatus: 504)),
            Self.gateway("refused", update: Fault(httpStatus: 403, body: .messageJSON)),
        ]
        try await withSimulator(Self.fixture(jobs), requestLogPath: log) { simulator async throws in
            #expect(try await simulator.switchTo("refused").status == 403)
            #expect(await simulator.liveJob(model: "alpha") == nil)
            #expect(try await simulator.switchTo("lost").status == 504)
            #expect(await simulator.liveJob(model: "alpha") == "lost")
            #expect(await simulator.requests().map(\.status) == [403, 504])
        }
    }

    @Test("omit_optional_fields: the status answer carries only status and metadata")
    func optionalFieldsOmitted() async throws {
        let job = Job(id: "bare", status: .finished, message: "done", faults: .init(status: Fault(omitOptionalFields: true)))
        try await withSimulator(Self.fixture([job, Job(id: "full", status: .finished, message: "done")])) { simulator async throws in
            #expect(try await simulator.status("bare").jsonKeys == ["status", "metadata"])
            #expect(try await simulator.status("full").jsonKeys == ["status", "model_id", "message", "download_url", "metadata"])
        }
    }

    @Test("status_words: the status call reports any word while the state decides the behaviour (a running job is not switched, whatever it is called)")
    func statusWords() async throws {
        let words = SimulatorFixture.StatusWords(running: "training", finished: "Completed", failed: "\u{1B}[31mERROR")
        let jobs = [
            Job(id: "t", status: .running, finishAfterChecks: 1, statusWords: words),
            Job(id: "f", status: .failed, statusWords: words),
        ]
        try await withSimulator(Self.fixture(jobs)) { simulator async throws in
            #expect(try await simulator.status("t").decode(StatusReply.self).status == "training")
            #expect(try await simulator.switchTo("t").status == 400)
            #expect(try await simulator.status("t").decode(StatusReply.self).status == "Completed")
            #expect(try await simulator.switchTo("t").status == 200)
            #expect(try await simulator.status("f").decode(StatusReply.self).status == "\u{1B}[31mERROR")
            #expect(await simulator.snapshot().jobs.map(\.status) == [.finished, .failed])
        }
    }

    @Test("status_words decodes from JSON, also in upload_defaults; an unknown key is an error naming the field")
    func statusWordsDecoding() throws {
        let fixture = try SimulatorFixture.decode(
            Data(
                #"""
                {"models":[{"name":"a","model_id":1,"jobs":[{"id":"x","status":"finished","status_words":{"finished":"  FINISHED \n"}}]}],
                 "upload_defaults":{"finish_after_checks":1,"status_words":{"running":"queued"}}}
                """#.utf8))
        #expect(fixture.models[0].jobs[0].statusWords.word(for: .finished) == "  FINISHED \n")
        #expect(fixture.uploadDefaults.statusWords.word(for: .running) == "queued")
        #expect(fixture.uploadDefaults.statusWords.word(for: .finished) == "finished")
        #expect(throws: SimulatorError.self) {
            try SimulatorFixture.decode(
                Data(#"{"models":[{"name":"a","model_id":1,"jobs":[{"id":"x","status":"finished","status_words":{"done":"x"}}]}]}"#.utf8))
        }
    }

    @Test(
        "invalid gateway faults are refused with the field named",
        arguments: [
            (#"{"http_status":700}"#, "faults.update_model.http_status: must be 200-599"),
            (#"{"http_status":199}"#, "faults.update_model.http_status: must be 200-599"),
            (#"{"body":"html"}"#, "faults.update_model.body: only applies with http_status"),
            (#"{"error_message":"x"}"#, "faults.update_model.error_message: only applies with http_status"),
            (#"{"http_status":502,"content_type":"text/html\r\nx-evil: 1"}"#, "faults.update_model.content_type: must be 1-200 printable ASCII"),
            (#"{"http_status":502,"http_500":true}"#, "at most one of http_500, non_json_200, drop_connection, wrong_job_id, http_status"),
            (#"{"omit_optional_fields":true}"#, "faults.update_model.omit_optional_fields: only applies to status faults"),
            (#"{"http_status":502,"body":"xml"}"#, "unknown value 'xml' (allowed: html, message_json, error_json, empty)"),
        ])
    func invalidGatewayFaults(fault: String, expected: String) {
        let json = #"{"models":[{"name":"a","model_id":1,"jobs":[{"id":"x","status":"finished","faults":{"update_model":"# + fault + "}}]}]}"
        do {
            _ = try SimulatorFixture.decode(Data(json.utf8))
            Issue.record("accepted: \(fault)")
        } catch {
            let message = (error as? SimulatorError)?.errorDescription ?? "\(error)"
            #expect(message.contains(expected), "got: \(message)")
        }
    }
}
