import LedgerPrimitives
import Testing

@testable import EPAClient

/// A service answer whose JSON repeats a member name is malformed: "last wins" would let a proxy or
/// a hostile service show one value to a log or a person and another to the ledger.
@Suite("Service answers with a duplicated member")
struct DuplicateMemberTests {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    static func isDuplicateMalformed(_ error: EPAError?) -> Bool {
        if case .malformedResponse(let reason)? = error { return reason.contains("repeats a member name") }
        return false
    }

    @Test("a switch answer that repeats metadata.retrain_job_id is malformed, not the last job id")
    func switchAnswerWithRepeatedJobIDIsMalformed() {
        let body = #"{"metadata":{"retrain_job_id":"job-2","retrain_job_id":"job-1"}}"#
        let r = ResponseDecoding.judge(status: 200, body: Self.bytes(body), bodyComplete: true) {
            ResponseDecoding.switchResponse($0, expectedJobID: "job-1")
        }
        #expect(r.0 == .failed && r.1 == nil)
        #expect(Self.isDuplicateMalformed(r.2), "\(String(describing: r.2))")
    }

    @Test("a status answer that repeats status (at the top level) is malformed")
    func statusAnswerWithRepeatedStatusIsMalformed() {
        let body = #"{"status":"failed","model_id":7,"status":"finished","metadata":{"retrain_job_id":"j"}}"#
        let result = ResponseDecoding.statusResponse(Self.bytes(body), expectedJobID: "j")
        #expect(Self.isDuplicateMalformed(result.failure), "\(result)")
    }

    @Test(
        "a repeated member spelt with an escape, or repeated metadata objects, are malformed too",
        arguments: [
            #"{"status":"finished","st\u0061tus":"failed","metadata":{"retrain_job_id":"j"}}"#,
            #"{"status":"finished","metadata":{"retrain_job_id":"x"},"metadata":{"retrain_job_id":"j"}}"#,
        ])
    func disguisedRepetitionIsMalformed(body: String) {
        let result = ResponseDecoding.statusResponse(Self.bytes(body), expectedJobID: "j")
        #expect(Self.isDuplicateMalformed(result.failure), "\(result)")
    }

    @Test("an upload-URL answer that repeats upload_url is malformed")
    func uploadAnswerWithRepeatedURLIsMalformed() {
        let body = #"{"retrain_job_id":"a-1","upload_url":"https://a/x","upload_url":"https://b/y"}"#
        let result = ResponseDecoding.uploadURLResponse(Self.bytes(body))
        #expect(Self.isDuplicateMalformed(result.failure), "\(result)")
    }

    @Test("an error answer that repeats message is not read as either documented error")
    func errorAnswerWithRepeatedMessageIsNotDocumented() {
        let body = #"{"code":4001000204,"message":"Retrain job is not finished.","message":"Not found retrain job."}"#
        #expect(
            EPAError.fromErrorResponse(httpStatus: 400, body: Self.bytes(body))
                == .undocumented(httpStatus: 400, code: nil, error: nil, message: nil))
        // Nor does a 2xx carrying it turn into a documented error.
        let r = ResponseDecoding.judge(status: 200, body: Self.bytes(body), bodyComplete: true) {
            ResponseDecoding.switchResponse($0, expectedJobID: "job-1")
        }
        #expect(r.0 == .failed && Self.isDuplicateMalformed(r.2), "\(String(describing: r.2))")
    }

    @Test("the same answers without the repetition are still accepted")
    func answersWithoutRepetitionAreAccepted() throws {
        #expect(
            try ResponseDecoding.switchResponse(Self.bytes(#"{"metadata":{"retrain_job_id":"job-1"}}"#), expectedJobID: "job-1").get()
                == SwitchResponse(retrainJobID: "job-1"))
        #expect(
            try ResponseDecoding.uploadURLResponse(Self.bytes(#"{"retrain_job_id":"a-1","upload_url":"https://a/x"}"#)).get()
                == UploadURLResponse(retrainJobID: "a-1", uploadURL: "https://a/x"))
        // Names differing in letter case are different JSON members.
        #expect(
            try ResponseDecoding.statusResponse(
                Self.bytes(#"{"status":"finished","Status":"x","metadata":{"retrain_job_id":"j"}}"#), expectedJobID: "j"
            ).get().status
                == "finished")
    }
}

extension Result {
    fileprivate var failure: Failure? { if case .failure(let f) = self { f } else { nil } }
}
