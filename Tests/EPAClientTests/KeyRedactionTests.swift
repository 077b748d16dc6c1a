import Foundation
import Testing

@testable import EPAClient

/// The API key and handed-out URLs are removed from recorded text in every form a service may echo them in.
@Suite("secret redaction: every form of the API key and of presigned URLs")
struct KeyRedactionTests {
    static let key = #"a/b"c\d-KEY9"#

    @Test("a key echoed raw, JSON-escaped (\\/ \\\" \\\\ and \\uXXXX in either case) or percent-encoded is redacted")
    func everyEncodingOfTheKeyIsRedacted() {
        let forms = [
            #"a/b"c\d-KEY9"#,  // raw
            #"a\/b\"c\\d-KEY9"#,  // JSON with \/
            #"a/b\"c\\d-KEY9"#,  // JSON without \/
            #"\u0061\u002Fb\u0022c\u005cd-\u004bEY9"#,  // \u escapes, both hex cases
            #"a%2Fb%22c%5Cd-KEY9"#,  // percent-encoded
            #"a%2fb%22c%5cd%2DKEY9"#,  // lowercase hex, an unreserved character encoded too
        ]
        for form in forms {
            let body = #"{"message":"key "# + form + #" is inactive","echo":""# + form + #""}"#
            let redacted = EPAClient.redact(body, key: Self.key)
            #expect(!redacted.contains("KEY9") && !redacted.contains("EY9"), "\(form) survived: \(redacted)")
            #expect(redacted.contains("[REDACTED]"), "\(form)")
        }
        // A key beyond the BMP, echoed as a surrogate pair.
        #expect(!EPAClient.redact(#"x \uD83D\uDE00-secret-key y"#, key: "\u{1F600}-secret-key").contains("secret-key"))
    }

    @Test("redaction keeps the rest of the body intact and valid JSON")
    func restOfTheBodyIsKept() throws {
        let body = #"{"code":"4001000204","message":"invalid key a\/b\"c\\d-KEY9","retrain_job_id":"job-1"}"#
        let redacted = EPAClient.redact(body, key: Self.key)
        #expect(redacted == #"{"code":"4001000204","message":"invalid key [REDACTED]","retrain_job_id":"job-1"}"#)
    }

    @Test("keys of any length are redacted; keys shorter than 8 characters are refused before use")
    func shortKeys() {
        #expect(EPAClient.redact("short k", key: "k") == "short [REDACTED]")
        for key in ["Q", "zQx", "1234567"] {
            do {
                try EPAClient.checkAPIKey(key)
                Issue.record("accepted the \(key.count)-character key")
            } catch {
                #expect((error.errorDescription ?? "").contains("too short"))
                #expect(!(error.errorDescription ?? "").contains(key))
            }
        }
        #expect((try? EPAClient.checkAPIKey("12345678")) != nil)
    }

    @Test("the values of upload_url and download_url members, in any encoding, and their token parts are found")
    func urlMembersAndTheirParts() {
        let body =
            #"{"retrain_job_id":"up-1","upload\u005furl":"https:\/\/bucket.example\/data\/tok-0123456789abcdef?X-Sig=abcdef0123456789","note":"PUT to \/data\/tok-0123456789abcdef"}"#
        let secrets = EPAClient.bodySecrets(body)
        let redacted = SecretRedaction.redact(body, secrets: secrets)
        #expect(!redacted.contains("tok-0123456789abcdef") && !redacted.contains("abcdef0123456789"), "\(redacted)")
        #expect(redacted.contains(#""upload\u005furl":"[redacted: presigned upload URL]""#), "\(redacted)")
        #expect(redacted.contains(#""retrain_job_id":"up-1""#))
        // Cut short and not JSON at all: still found.
        let cut = #"{"upload_url": "https://b.example/p/tok-0123456789abcdef"#
        #expect(!SecretRedaction.redact(cut, secrets: EPAClient.bodySecrets(cut)).contains("tok-0123456789abcdef"))
        // Duplicated members: every value is a secret.
        let twice = #"{"upload_url":"https://a.example/one-secret-token","upload_url":"https://a.example/two-secret-token"}"#
        let both = SecretRedaction.redact(twice, secrets: EPAClient.bodySecrets(twice))
        #expect(!both.contains("secret-token"))
        #expect(
            !SecretRedaction.redact(
                #"{"download_url":"https://d.example/m/dl-secret-0123456789"}"#,
                secrets: EPAClient.bodySecrets(#"{"download_url":"https://d.example/m/dl-secret-0123456789"}"#)
            ).contains("dl-secret"))
    }

    @Test("a retrain job id inside a handed-out URL's path stays readable elsewhere; the URL itself does not")
    func jobIDsAreNotSecrets() {
        let body = #"{"status":"finished","download_url":"http://h.example/_download/job-wrongid-0001","metadata":{"retrain_job_id":"job-wrongid-0001-wrong"}}"#
        let redacted = SecretRedaction.redact(body, secrets: EPAClient.bodySecrets(body))
        #expect(redacted.contains(#""retrain_job_id":"job-wrongid-0001-wrong""#), "\(redacted)")
        #expect(redacted.contains(#""download_url":"[redacted: download URL]""#), "\(redacted)")
    }

    @Test("the recorded URL of the upload PUT keeps only the origin")
    func uploadRecordURL() {
        #expect(EPAClient.redactUploadURL("https://bucket.example:8443/p/tok-0123?X-Sig=abc") == "https://bucket.example:8443/[redacted: presigned upload URL]")
        #expect(EPAClient.redactUploadURL("http://127.0.0.1:9/_upload/0f1e2d3c") == "http://127.0.0.1:9/[redacted: presigned upload URL]")
    }

    @Test("an error carrying the upload URL loses it")
    func errorsAreRedacted() {
        let url = "https://bucket.example/p/tok-0123456789abcdef"
        let error = EPAClient.redact(
            .undocumented(httpStatus: 403, code: nil, error: nil, message: "signature for \(url) expired"),
            secrets: SecretRedaction.urlSecrets(url, marker: SecretRedaction.uploadURLMarker))
        #expect(!(error.errorDescription ?? "").contains("tok-0123456789abcdef"))
    }
}
