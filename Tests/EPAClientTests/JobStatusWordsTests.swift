import Foundation
import LedgerPrimitives
import Testing

@testable import EPAClient

@Suite("Job status words")
struct JobStatusWordsTests {
    @Test("built-in words match ignoring letter case and surrounding whitespace; anything else is unknown, as received")
    func defaults() {
        let words = JobStatusWords()
        #expect(words.classify("finished") == .finished)
        #expect(words.classify("Finished") == .finished)
        #expect(words.classify("  FINISHED\n") == .finished)
        #expect(words.classify("failed") == .failed && words.classify("FAILED ") == .failed)
        #expect(words.classify("Running") == .running)
        #expect(words.classify("completed") == .unknown("completed"))
        #expect(words.classify(" training ") == .unknown(" training "))
        #expect(words.classify("") == .unknown(""))
        #expect(words.classify("finished.") == .unknown("finished."))
        #expect(words.summary == #"finished: "finished"; failed: "failed"; running: "running""#)
        #expect(words.finishedPhrase == #""finished""#)
    }

    @Test("configured words add to the built-in ones, normalised, duplicates dropped")
    func configured() throws {
        let words = try JobStatusWords(extraFinished: ["Completed", " done ", "FINISHED", "completed"], extraFailed: ["ERROR"])
        #expect(words.finished == ["finished", "completed", "done"])
        #expect(words.failed == ["failed", "error"])
        #expect(words.classify("COMPLETED") == .finished && words.classify("Error") == .failed)
        #expect(words.finishedPhrase == #"one of "finished", "completed", "done""#)
    }

    @Test(
        "a word that would mean two things, an empty word, an over-long one or one with a control character is refused",
        arguments: [
            (["failed"], [String](), "it already means failed"),
            (["running"], [], "it already means running"),
            ([], ["Finished"], "it already means finished"),
            (["done"], ["done"], "it already means finished"),
            ([" "], [], "is empty"),
            ([String(repeating: "x", count: 65)], [], "longer than 64 bytes"),
            (["done\u{1B}[2J"], [], "control or invisible character"),
            (["do\u{200B}ne"], [], "control or invisible character"),
        ])
    func refused(finished: [String], failed: [String], reason: String) {
        do {
            _ = try JobStatusWords(extraFinished: finished, extraFailed: failed)
            Issue.record("accepted \(finished) / \(failed)")
        } catch {
            #expect(error.reason.contains(reason), "\(error.reason)")
        }
    }

    @Test("comma-separated lists skip empty items")
    func lists() {
        #expect(JobStatusWords.parseList("completed, done,,") == ["completed", " done"])
        #expect(JobStatusWords.parseList("") == [])
    }

    @Test("service text is capped in bytes at a character boundary, never with a U+FFFD made by the cut")
    func capping() {
        #expect(ServiceText.capped("abc", bytes: 3) == ("abc", false))
        #expect(ServiceText.capped("abcd", bytes: 3) == ("abc", true))
        #expect(ServiceText.capped("aé", bytes: 2) == ("a", true))
        #expect(ServiceText.capped("a😀", bytes: 4) == ("a", true))
        let long = "a" + String(repeating: "é", count: 12_000)
        let (kept, cut) = ServiceText.capped(long, bytes: 16_384)
        #expect(cut && kept.utf8.count == 16_383 && long.hasPrefix(kept) && !kept.contains("\u{FFFD}"))
    }
}

@Suite("Gateway answers judged")
struct GatewayJudgementTests {
    static func judge(_ status: Int, _ body: String) -> (CallOutcome, SwitchResponse?, EPAError?) {
        ResponseDecoding.judge(status: status, body: Array(body.utf8), bodyComplete: true) {
            ResponseDecoding.switchResponse($0, expectedJobID: "job-1")
        }
    }

    @Test("401 and 403 are refusals (exit 3) whose message points at the key and the base URL")
    func unauthorised() {
        for status in [401, 403] {
            let r = Self.judge(status, #"{"message":"Forbidden"}"#)
            #expect(r.0 == .rejected && r.2 == .undocumented(httpStatus: status, code: nil, error: nil, message: "Forbidden"))
            #expect(r.2?.localizedDescription.contains("check the API key and the base URL") == true)
        }
    }

    @Test("429 and 408 are failures (the request was not taken up), with the gateway's message kept")
    func throttled() {
        var r = Self.judge(429, #"{"message":"Too Many Requests"}"#)
        #expect(r.0 == .failed && r.2 == .serverError(httpStatus: 429, code: nil, error: nil, message: "Too Many Requests"))
        r = Self.judge(408, "<html>timeout</html>")
        #expect(r.0 == .failed && r.2 == .serverError(httpStatus: 408, code: nil, error: nil, message: nil))
    }

    @Test("a 200 carrying an error body is never a success: bad-request code rejected, other codes failed, with the fields kept")
    func errorBodyUnder200() {
        var r = Self.judge(200, #"{"code":4001000204,"error":"PREDA_EXTERNAL_BAD_REQUEST","message":"Quota exceeded."}"#)
        #expect(r.0 == .rejected)
        #expect(r.2 == .undocumented(httpStatus: 200, code: "4001000204", error: "PREDA_EXTERNAL_BAD_REQUEST", message: "Quota exceeded."))
        r = Self.judge(200, #"{"code":5001000201,"error":"PREDA_EXTERNAL_INTERNAL_SERVER_ERROR","message":"busy"}"#)
        #expect(r.0 == .failed && r.2?.code == "5001000201" && r.2?.isServerSide == true)
        // Success fields next to an error are not a success either.
        r = Self.judge(200, #"{"metadata":{"retrain_job_id":"job-1"},"code":4001000204,"message":"Quota exceeded."}"#)
        #expect(r.0 == .rejected && r.1 == nil && r.2?.serviceMessage == "Quota exceeded.")
        r = Self.judge(200, #"{"metadata":{"retrain_job_id":"job-1"},"error":{"detail":"x"}}"#)
        #expect(r.0 == .failed && r.1 == nil)
        // A null error member is no error.
        r = Self.judge(200, #"{"metadata":{"retrain_job_id":"job-1"},"error":null}"#)
        #expect(r.0 == .succeeded)
        // A message alone is not an error body: the answer stays malformed.
        r = Self.judge(200, #"{"message":"Forbidden"}"#)
        #expect(r.0 == .failed && r.2 == .malformedResponse(reason: "metadata.retrain_job_id is missing"))
    }
}
