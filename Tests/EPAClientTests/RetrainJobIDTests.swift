import EPAClient
import Testing

@Suite("Retrain job id validation")
struct RetrainJobIDTests {
    @Test(
        "accepts safe ids",
        arguments: ["xxxx-xxxx-xxxx-xxxx", "a", "job_1.2~3", "0f8c1b9e-2b7a-4f35-9d55-7e0c8f3a1d2b", String(repeating: "a", count: 128)]
    )
    func accepts(_ id: String) throws {
        try RetrainJobID.validate(id)
        #expect(RetrainJobID.isValid(id))
    }

    /// (id, a fragment the refusal message must contain)
    static let refused: [(String, String)] = [
        ("", "empty"),
        ("../x", "'/'"),
        ("..", "\"..\""),
        ("a..b", "\"..\""),
        (".", "\".\""),
        ("a/b", "U+002F '/'"),
        ("a?b", "U+003F '?'"),
        ("a#b", "U+0023 '#'"),
        ("%2e%2e", "U+0025 '%'"),
        ("a\\b", "U+005C '\\'"),
        ("a b", "U+0020 (SPACE)"),
        ("a\tb", "U+0009 (TAB)"),
        ("a\nb", "U+000A (LF)"),
        ("a\rb", "U+000D (CR)"),
        ("a\u{0}b", "U+0000 (NUL)"),
        ("a\u{7F}b", "U+007F (DEL)"),
        ("a\u{1B}b", "U+001B (ESC)"),
        ("a\u{85}b", "U+0085"),
        ("a\u{A0}b", "U+00A0 (NO-BREAK SPACE)"),
        ("a\u{2003}b", "whitespace character U+2003"),
        ("a\u{3000}b", "U+3000 (IDEOGRAPHIC SPACE)"),
        ("a\u{2028}b", "U+2028 (LINE SEPARATOR)"),
        ("a\u{200B}b", "U+200B"),
        ("a\u{FEFF}b", "U+FEFF"),
        ("job-😀", "non-ASCII character U+1F600"),
        ("jöb", "non-ASCII character U+00F6"),
        ("a:b", "U+003A ':'"),
        ("a;b", "U+003B ';'"),
        ("a&b", "U+0026 '&'"),
        ("a\"b", "U+0022 '\"'"),
        (String(repeating: "a", count: 129), "129 characters"),
        (String(repeating: "x", count: 10 * 1024), "10240 characters"),
        ("e" + String(repeating: "\u{301}", count: 600), "bytes long in UTF-8"),
    ]

    @Test("refuses unsafe ids with a message naming the problem", arguments: refused)
    func refuses(_ id: String, _ fragment: String) {
        #expect(!RetrainJobID.isValid(id))
        do {
            try RetrainJobID.validate(id)
            Issue.record("accepted \(EPAError.displayEscaped(id))")
        } catch {
            guard case .invalidRetrainJobID(let reason) = error else {
                Issue.record("wrong error \(error)")
                return
            }
            #expect(reason.contains(fragment), "\(reason)")
            let description = error.errorDescription ?? ""
            #expect(description.hasPrefix("invalid retrain job id: "))
            // Never shows control characters raw.
            #expect(!description.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || (0x80...0x9F).contains($0.value) })
            #expect(!description.contains("\u{2028}") && !description.contains("\u{FEFF}"))
        }
    }

    @Test("the message names the position and never echoes the id")
    func positionAndNoEcho() {
        let id = "secret-looking-id/with-slash"
        #expect(RetrainJobID.problem(with: id)?.contains("position 18") == true)
        #expect(RetrainJobID.problem(with: id)?.contains("secret") == false)
    }

    @Test("a 10 KB id is refused by length before any character scan")
    func longID() {
        let id = String(repeating: "\u{0}", count: 10 * 1024)
        #expect(RetrainJobID.problem(with: id) == "it is 10240 characters long; at most 128 are allowed")
    }
}
