import Testing

@testable import EPAClient

@Suite("Configuration and caller input")
struct ConfigurationTests {
    @Test("default configuration")
    func defaults() throws {
        let configuration = EPAConfiguration()
        #expect(configuration.baseURL == "https://developer-api.easy-predictive-analytics.sony.com/v1/external")
        #expect(configuration.connectTimeout == 10)
        #expect(configuration.requestTimeout == 60)
        #expect(configuration.responseBodyCap == 16_384)
        #expect(EPAConfiguration.defaultResponseBodyCap == 16_384)
        #expect(try configuration.validate() == EPAConfiguration.defaultBaseURL)
    }

    @Test(
        "accepted base URLs",
        arguments: [
            ("https://example.com/v1/external", "https://example.com/v1/external"),
            ("https://example.com/v1/external/", "https://example.com/v1/external"),
            ("http://127.0.0.1:8080/v1/external", "http://127.0.0.1:8080/v1/external"),
            ("http://127.255.0.9/v1/external", "http://127.255.0.9/v1/external"),
            ("http://localhost:9/v1", "http://localhost:9/v1"),
            ("http://LOCALHOST:9/v1", "http://LOCALHOST:9/v1"),
            ("http://[::1]:8080/v1/external", "http://[::1]:8080/v1/external"),
            ("HTTPS://Example.com", "HTTPS://Example.com"),
        ])
    func acceptedBaseURL(_ url: String, _ normalized: String) throws {
        #expect(try EPAConfiguration.checkBaseURL(url) == normalized)
    }

    @Test(
        "plain http to a non-loopback host is insecure",
        arguments: [
            "http://example.com/v1/external", "http://128.0.0.1/v1", "http://127.0.0.1.evil.example/v1",
            "http://10.0.0.1/v1", "http://[::2]/v1", "http://localhost.evil.example/v1", "http://1270.0.0.1/v1",
        ])
    func insecure(_ url: String) {
        #expect(throws: EPAError.insecureBaseURL(url: url)) { try EPAConfiguration.checkBaseURL(url) }
        #expect(throws: EPAError.insecureBaseURL(url: url)) { try EPAClient(configuration: EPAConfiguration(baseURL: url)) }
    }

    @Test(
        "invalid base URLs",
        arguments: [
            ("", "empty"), ("example.com/v1", "scheme"), ("ftp://example.com/v1", "not http or https"),
            ("https:///v1", "no host"), ("https://user:pw@example.com/v1", "user information"),
            ("https://example.com/v1?x=1", "query"), ("https://example.com/v1#x", "fragment"),
            ("https://exa mple.com/v1", "U+0020"), ("https://example.com/v1\n", "U+000A"),
        ])
    func invalid(_ url: String, _ fragment: String) {
        do {
            _ = try EPAConfiguration.checkBaseURL(url)
            Issue.record("accepted \(url)")
        } catch {
            guard case .invalidBaseURL(let reason) = error else {
                Issue.record("wrong error \(error)")
                return
            }
            #expect(reason.contains(fragment), "\(reason)")
        }
    }

    @Test("loopback host rules")
    func loopback() {
        for host in ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]", "0:0:0:0:0:0:0:1", "localhost."] {
            #expect(EPAConfiguration.isLoopbackHost(host), "\(host)")
        }
        for host in ["128.0.0.1", "127.0.0", "127.0.0.256", "example.com", "::2", "127.0.0.1.nip.io", "", "127.0.0.-1"] {
            #expect(!EPAConfiguration.isLoopbackHost(host), "\(host)")
        }
    }

    @Test("out-of-range settings are refused")
    func settings() {
        for configuration in [
            EPAConfiguration(connectTimeout: 0), EPAConfiguration(requestTimeout: -1),
            EPAConfiguration(requestTimeout: .infinity), EPAConfiguration(uploadTimeout: .nan),
            EPAConfiguration(responseBodyCap: -1),
        ] {
            #expect {
                try configuration.validate()
            } throws: { error in
                if case EPAError.invalidConfiguration = error { true } else { false }
            }
        }
    }

    @Test("upload URL rules")
    func uploadURLRules() throws {
        try EPAConfiguration.checkUploadURL("https://bucket.example.com/key?X-Amz-Signature=abc")
        try EPAConfiguration.checkUploadURL("http://127.0.0.1:9/_upload/t")
        #expect(throws: EPAError.self) { try EPAConfiguration.checkUploadURL("http://bucket.example.com/key") }
        #expect(throws: EPAError.self) { try EPAConfiguration.checkUploadURL("file:///etc/passwd") }
        // What is recorded of an upload URL: the origin only (path and query carry the token).
        #expect(EPAClient.redactUploadURL("https://b.example/k?X-Amz-Signature=s3cr3t") == "https://b.example/[redacted: presigned upload URL]")
        #expect(EPAClient.redactUploadURL("https://b.example/k") == "https://b.example/[redacted: presigned upload URL]")
    }

    @Test("apiKeyID is the first 16 hex digits of SHA-256")
    func apiKeyID() {
        #expect(EPAClient.apiKeyID("abc") == "ba7816bf8f01cfea")
        #expect(EPAClient.apiKeyID("") == "e3b0c44298fc1c14")
        #expect(EPAClient.apiKeyID("xxxx-xxx-xxx-xxxx").count == 16)
    }

    @Test("API key checks never show the key")
    func apiKeyChecks() throws {
        try EPAClient.checkAPIKey("xxxx-xxx-xxx-xxxx")
        for key in ["", "has space-secret", "line\nbreak-secret", "nul\u{0}-secret", "ключ-secret", String(repeating: "k", count: 5000)] {
            do {
                try EPAClient.checkAPIKey(key)
                Issue.record("accepted a bad key")
            } catch {
                guard case .malformedAPIKey = error else {
                    Issue.record("wrong error")
                    continue
                }
                #expect(!(error.errorDescription ?? "").contains("secret"))
            }
        }
    }

    @Test("file names: refused and percent-encoded")
    func filenames() throws {
        try EPAClient.checkFilename("train data.csv")
        for name in ["", ".", "..", "dir/train.csv", "dir\\train.csv", "a\u{0}.csv", "a\n.csv"] {
            #expect(throws: EPAError.self) { try EPAClient.checkFilename(name) }
        }
        #expect(EPAClient.percentEncode("train data&x=1#.csv") == "train%20data%26x%3D1%23.csv")
        #expect(EPAClient.percentEncode("データ.csv") == "%E3%83%87%E3%83%BC%E3%82%BF.csv")
    }

    @Test("display escaping shows control characters escaped")
    func escaping() {
        #expect(EPAError.displayEscaped("a\u{0}b\nc\u{7F}😀\\") == "a\\u{0}b\\u{A}c\\u{7F}\\u{1F600}\\\\")
        #expect(EPAError.displayEscaped(String(repeating: "x", count: 300)).count == 201)
    }
}
