import LedgerCore
import Testing

@Suite("RFC 8785 canonical JSON")
struct CanonicalJSONTests {
    @Test("members are sorted by UTF-16 code units, with no whitespace")
    func keyOrder() {
        let value: JSONValue = ["b": 1, "a": "x", "A": true, "aa": nil, "€": 2, "😀": 3, "\u{FB33}": 4]
        // UTF-16 order: "A" < "a" < "aa" < "b" < "€" (U+20AC) < "😀" (D83D …) < "שׁ" (U+FB33)
        #expect(CanonicalJSON.string(value) == #"{"A":true,"a":"x","aa":null,"b":1,"€":2,"😀":3,"דּ":4}"#)
    }

    @Test("quotes, backslashes and control characters are escaped minimally")
    func escaping() {
        #expect(CanonicalJSON.string(.string("a\"b\\c")) == #""a\"b\\c""#)
        #expect(CanonicalJSON.string(.string("\u{08}\u{0C}\n\r\t")) == #""\b\f\n\r\t""#)
        #expect(CanonicalJSON.string(.string("\u{00}\u{01}\u{1F}")) == #""\u0000\u0001\u001f""#)
        // DEL, '/', non-ASCII and astral characters are not escaped.
        #expect(CanonicalJSON.string(.string("\u{7F}/é✓😀")) == "\"\u{7F}/é✓😀\"")
    }

    @Test("long strings escape correctly on both sides of the 16-byte fast path")
    func longStrings() {
        let plain = String(repeating: "abcdefghij", count: 5)  // 50 bytes, nothing to escape
        #expect(CanonicalJSON.string(.string(plain)) == "\"\(plain)\"")
        let tricky = String(repeating: "x", count: 20) + "\u{01}" + String(repeating: "y", count: 14) + "\"" + "zz\\"
        #expect(
            CanonicalJSON.string(.string(tricky))
                == "\"" + String(repeating: "x", count: 20) + "\\u0001" + String(repeating: "y", count: 14) + "\\\"zz\\\\\"")
        let accents = String(repeating: "é✓", count: 10) + "\n"
        #expect(CanonicalJSON.string(.string(accents)) == "\"" + String(repeating: "é✓", count: 10) + "\\n\"")
    }

    @Test("integers are plain decimal")
    func integers() {
        #expect(
            CanonicalJSON.string([0, -1, 42, .integer(Int64.max), .integer(Int64.min)])
                == "[0,-1,42,9223372036854775807,-9223372036854775808]")
    }

    @Test("null, booleans, nested arrays and objects")
    func nested() {
        let value: JSONValue = ["z": [1, ["y": nil, "x": false]], "a": [:], "m": []]
        #expect(CanonicalJSON.string(value) == #"{"a":{},"m":[],"z":[1,{"x":false,"y":null}]}"#)
    }

    @Test("parsing then canonicalising normalises whitespace, order and escapes")
    func roundTrip() throws {
        let text = #" { "b" : [ 1 , 2 ] , "a" : "\u00e9\/\u0001\ud83d\ude00" } "#
        #expect(CanonicalJSON.string(try JSONValue(parsing: text)) == "{\"a\":\"é/\\u0001😀\",\"b\":[1,2]}")
    }

    @Test("malformed JSON is rejected", arguments: ["", "{", "[1,]", "{\"a\"}", "\"\u{01}\"", "tru", "1 2", "\"\\ud800\""])
    func malformed(text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: text) }
    }

    @Test("the signed payload leaves out NULL columns and mac, and sorts the rest")
    func signedPayload() {
        let payload = SignedPayload.bytes(of: [
            ("seq", .integer(2)), ("mac", .text("ignored")), ("model", .null), ("actor", .text("a\"b")),
        ])
        #expect(String(decoding: payload, as: UTF8.self) == #"{"actor":"a\"b","seq":2}"#)
    }
}

@Suite("RFC 3339 timestamps")
struct TimestampTests {
    @Test("formatting uses UTC with milliseconds")
    func format() {
        #expect(Timestamp.format(epochMilliseconds: 0) == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp.format(epochMilliseconds: 1_795_922_455_123) == "2026-11-29T03:20:55.123Z")
        #expect(Timestamp.now().count == 24)
    }

    @Test(
        "parsing accepts RFC 3339 with offsets and bare dates",
        arguments: [
            ("2026-11-29T03:20:55.123Z", Int64(1_795_922_455_123)),
            ("2026-11-29T03:20:55Z", Int64(1_795_922_455_000)),
            ("2026-11-29T04:20:55.1+01:00", Int64(1_795_922_455_100)),
            ("2026-11-29", Int64(1_795_910_400_000)),
            ("2026-11-29T03:20:55.123456Z", Int64(1_795_922_455_123)),
        ])
    func parse(text: String, expected: Int64) {
        #expect(Timestamp.parse(text) == expected)
    }

    @Test("parsing rejects malformed times", arguments: ["", "2026-13-01", "2026-11-29T25:00:00Z", "2026-11-29T03:20:55", "yesterday"])
    func parseRejects(text: String) {
        #expect(Timestamp.parse(text) == nil)
    }
}
