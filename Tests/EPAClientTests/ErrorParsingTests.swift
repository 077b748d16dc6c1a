import LedgerPrimitives
import Testing

@testable import EPAClient

@Suite("Error bodies and response judgement")
struct ErrorParsingTests {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test("every documented message maps to its case", arguments: EPAError.documentedErrors)
    func documented(_ error: EPAError) throws {
        let message = try #require(error.serviceMessage)
        let code = try #require(error.code)
        let status = error.isServerSide ? 500 : 400
        let body = #"{"code": \#(code), "error": "\#(error.serviceErrorName ?? "")", "message": "\#(message)"}"#
        #expect(EPAError.fromErrorResponse(httpStatus: status, body: Self.bytes(body)) == error)
        // Tolerant matching: case, trailing period, whitespace.
        #expect(EPAError.documented(matchingMessage: "  " + String(message.uppercased().dropLast()) + " ") == error)
        #expect(error.isDocumented)
        #expect(error.errorDescription?.hasPrefix(message) == true)
    }

    @Test("codes and messages of documented errors")
    func codes() {
        #expect(EPAError.retrainJobNotFound.code == "4001000204")
        #expect(EPAError.retrainJobNotFound.serviceMessage == "Not found retrain job.")
        #expect(
            EPAError.retrainJobNotFound.errorDescription
                == "Not found retrain job.: retrain_job_id is incorrect — check the id returned by the upload step")
        #expect(EPAError.configurationFileNotFound.code == "5001000201")
        #expect(EPAError.configurationFileNotFound.serviceMessage == "Not found configuration_file.")
        #expect(EPAError.documentedErrors.count == 10)
        #expect(EPAError.timeout(seconds: 3).code == nil)
    }

    @Test(
        "tolerant error-body parsing",
        arguments: [
            // code as number
            (
                #"{"code": 4001000204, "error": "PREDA_EXTERNAL_BAD_REQUEST", "message": "Not found retrain job."}"#,
                ServiceErrorBody(code: "4001000204", error: "PREDA_EXTERNAL_BAD_REQUEST", message: "Not found retrain job.")
            ),
            // code as string, extra fields, other key case
            (
                #"{"Code": "4001000204", "Message": "Not found classifier.", "extra": [1, 2], "trace": {"id": 7}}"#,
                ServiceErrorBody(code: "4001000204", error: nil, message: "Not found classifier.")
            ),
            // missing fields
            (
                #"{"message": "Retrain job is not finished."}"#,
                ServiceErrorBody(code: nil, error: nil, message: "Retrain job is not finished.")
            ),
            (#"{}"#, ServiceErrorBody(code: nil, error: nil, message: nil)),
            // nested
            (
                #"{"error": {"code": 4001000204, "message": "invalid_api_key."}}"#,
                ServiceErrorBody(code: "4001000204", error: nil, message: "invalid_api_key.")
            ),
            (
                #"{"errors": [{"code": "X1", "detail": "This job may be deleted."}]}"#,
                ServiceErrorBody(code: "X1", error: nil, message: "This job may be deleted.")
            ),
            // bare JSON string
            (#""Not_found_credential.""#, ServiceErrorBody(code: nil, error: nil, message: "Not_found_credential.")),
            // non-JSON
            ("<html><body>Bad Gateway</body></html>", ServiceErrorBody(code: nil, error: nil, message: nil)),
            ("Inactive_credential.\n", ServiceErrorBody(code: nil, error: nil, message: "Inactive_credential.")),
            ("", ServiceErrorBody(code: nil, error: nil, message: nil)),
            // object-store XML
            (
                "<?xml version=\"1.0\"?><Error><Code>SignatureDoesNotMatch</Code><Message>bad sig</Message></Error>",
                ServiceErrorBody(code: "SignatureDoesNotMatch", error: nil, message: "bad sig")
            ),
            // wrong types are ignored
            (#"{"code": true, "message": 12}"#, ServiceErrorBody(code: nil, error: nil, message: "12")),
        ])
    func parsing(_ body: String, _ expected: ServiceErrorBody) {
        #expect(ServiceErrorBody(parsing: Self.bytes(body)) == expected)
    }

    @Test("undocumented and server errors keep what was received")
    func undocumented() {
        #expect(
            EPAError.fromErrorResponse(httpStatus: 403, body: Self.bytes(#"{"message":"Forbidden"}"#))
                == .undocumented(httpStatus: 403, code: nil, error: nil, message: "Forbidden"))
        #expect(
            EPAError.fromErrorResponse(
                httpStatus: 500,
                body: Self.bytes(#"{"code":5001000201,"error":"PREDA_EXTERNAL_INTERNAL_SERVER_ERROR","message":"Internal server error."}"#))
                == .serverError(
                    httpStatus: 500, code: "5001000201", error: "PREDA_EXTERNAL_INTERNAL_SERVER_ERROR",
                    message: "Internal server error."))
        #expect(
            EPAError.fromErrorResponse(httpStatus: 502, body: Self.bytes("<html>bad gateway</html>"))
                == .serverError(httpStatus: 502, code: nil, error: nil, message: nil))
        let odd = EPAError.undocumented(httpStatus: 418, code: "1\u{0}", error: nil, message: "line\nbreak")
        #expect(odd.errorDescription?.contains("\n") == false)
        #expect(odd.errorDescription?.contains("\\u{A}") == true)
    }

    @Test("judging answers")
    func judge() {
        let decode = { (body: [UInt8]) in ResponseDecoding.switchResponse(body, expectedJobID: "job-1") }
        func judge(_ status: Int, _ body: String, complete: Bool = true) -> (CallOutcome, SwitchResponse?, EPAError?) {
            ResponseDecoding.judge(status: status, body: Self.bytes(body), bodyComplete: complete, decode: decode)
        }
        var r = judge(200, #"{"metadata":{"retrain_job_id":"job-1"}}"#)
        #expect(r.0 == .succeeded && r.1 == SwitchResponse(retrainJobID: "job-1") && r.2 == nil)
        r = judge(200, #"{"metadata":{"retrain_job_id":"job-1","extra":1},"more":true}"#)
        #expect(r.0 == .succeeded)
        r = judge(200, #"{"metadata":{"retrain_job_id":"job-2"}}"#)
        #expect(r.0 == .failed && r.2 == .jobIDMismatch(expected: "job-1", received: "job-2"))
        r = judge(200, "not json")
        #expect(r.0 == .failed)
        if case .malformedResponse(let reason)? = r.2 { #expect(reason.contains("not JSON")) } else { Issue.record("\(r)") }
        r = judge(200, "{}")
        #expect(r.0 == .failed && r.2 == .malformedResponse(reason: "metadata.retrain_job_id is missing"))
        r = judge(200, #"{"metadata":{"retrain_job_id":7}}"#)
        #expect(r.0 == .failed && r.2 == .malformedResponse(reason: "metadata.retrain_job_id is not a string"))
        r = judge(200, #"{"metadata":{"retrain_job_id":"job-1"}}"#, complete: false)
        #expect(r.0 == .failed)
        // A 2xx carrying a documented error is that error.
        r = judge(200, #"{"code":4001000204,"message":"Retrain job is not finished."}"#)
        #expect(r.0 == .rejected && r.2 == .retrainJobNotFinished)
        r = judge(400, #"{"code":4001000204,"message":"Not found retrain job."}"#)
        #expect(r.0 == .rejected && r.2 == .retrainJobNotFound)
        r = judge(404, "nope")
        #expect(r.0 == .rejected && r.2 == .undocumented(httpStatus: 404, code: nil, error: nil, message: nil))
        r = judge(500, #"{"code":5001000201,"error":"PREDA_EXTERNAL_INTERNAL_SERVER_ERROR","message":"Not found configuration_file."}"#)
        #expect(r.0 == .failed && r.2 == .configurationFileNotFound && r.2?.code == "5001000201")
        r = judge(302, "")
        #expect(r.0 == .failed && r.2 == .undocumented(httpStatus: 302, code: nil, error: nil, message: nil))
    }

    @Test("status bodies")
    func status() throws {
        func decode(_ body: String) -> Result<StatusResponse, EPAError> {
            ResponseDecoding.statusResponse(Self.bytes(body), expectedJobID: "j")
        }
        #expect(
            try decode(#"{"status":"finished","model_id":42,"message":"ok","download_url":"https://x/y","metadata":{"retrain_job_id":"j"}}"#).get()
                == StatusResponse(status: "finished", modelID: 42, message: "ok", downloadURL: "https://x/y", retrainJobID: "j"))
        #expect(
            try decode(#"{"status":"running","metadata":{"retrain_job_id":"j"}}"#).get()
                == StatusResponse(status: "running", modelID: nil, message: nil, downloadURL: nil, retrainJobID: "j"))
        #expect(try decode(#"{"status":"x","model_id":"17","metadata":{"retrain_job_id":"j"}}"#).get().modelID == 17)
        #expect(throws: EPAError.malformedResponse(reason: "model_id is not an integer")) {
            try decode(#"{"status":"x","model_id":1.5,"metadata":{"retrain_job_id":"j"}}"#).get()
        }
        #expect(throws: EPAError.malformedResponse(reason: "status is missing")) {
            try decode(#"{"metadata":{"retrain_job_id":"j"}}"#).get()
        }
        #expect(throws: EPAError.jobIDMismatch(expected: "j", received: "k")) {
            try decode(#"{"status":"x","metadata":{"retrain_job_id":"k"}}"#).get()
        }
    }

    @Test("upload-URL bodies")
    func uploadURL() throws {
        #expect(
            try ResponseDecoding.uploadURLResponse(Self.bytes(#"{"retrain_job_id":"a-1","upload_url":"https://u/x?s=1"}"#)).get()
                == UploadURLResponse(retrainJobID: "a-1", uploadURL: "https://u/x?s=1"))
        #expect(throws: EPAError.self) {
            try ResponseDecoding.uploadURLResponse(Self.bytes(#"{"retrain_job_id":"../a","upload_url":"https://u"}"#)).get()
        }
        #expect(throws: EPAError.malformedResponse(reason: "upload_url is missing")) {
            try ResponseDecoding.uploadURLResponse(Self.bytes(#"{"retrain_job_id":"a"}"#)).get()
        }
    }

    @Test("transport errors map to timeout / connection failures")
    func transport() {
        #expect(EPAClient.transportError(CancellationError(), timeout: 1, connectTimeout: 2) == .cancelled)
        #expect(EPAClient.redact("key=abcdefgh123 and abcdefgh123", key: "abcdefgh123") == "key=[REDACTED] and [REDACTED]")
        #expect(EPAClient.redact("short k", key: "k") == "short [REDACTED]")  // any length (keys < 8 are refused before use)
    }
}
