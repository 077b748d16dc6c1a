import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

/// The JSON parser refuses what I-JSON (RFC 7493, the input RFC 8785 assumes) refuses, so that no
/// two readers of one text can see different values.
@Suite("JSON parser hardening (duplicates, numbers, UTF-8)")
struct JSONHardeningTests {
    @Test(
        "an object that repeats a member name is refused at any depth, naming the member",
        arguments: [
            (#"{"a":1,"a":2}"#, "a"),
            (#"{"a":1,"b":{"c":true,"c":true}}"#, "c"),
            (#"[{"x":null},{"k":"v","k":"v"}]"#, "k"),
            // The same name spelt with an escape is the same name.
            (#"{"status":"failed","st\u0061tus":"finished"}"#, "status"),
            (#"{"\/":1,"/":2}"#, "/"),
        ])
    func duplicateMemberIsRefused(text: String, name: String) {
        do {
            let value = try JSONValue(parsing: text)
            Issue.record("accepted \(text) as \(value)")
        } catch let error as JSONParseError {
            #expect(error.duplicateMember == name)
            #expect(error.reason.contains("duplicate member name"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test("names that differ only in letter case or in code points are different members")
    func distinctNamesAreKept() throws {
        let value = try JSONValue(parsing: #"{"a":1,"A":2,"aa":3}"#)
        #expect(value.objectValue?.count == 3)
    }

    @Test(
        "numbers outside the RFC 8259 grammar are refused",
        arguments: [
            "01", "-01", "00", "-", "+1", "1.", ".5", "1e", "1e+", "1E-", "1-2", "--1", "1.2.3", "1e5e5", "0x10", "[1,01]",
            "1.e3", "-.5",
        ])
    func malformedNumberIsRefused(text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: text) }
    }

    @Test(
        "numbers in the RFC 8259 grammar are read: integers as integers, the rest as their text",
        arguments: [
            ("0", JSONValue.integer(0)), ("-0", .integer(0)), ("42", .integer(42)), ("-9223372036854775808", .integer(Int64.min)),
            ("9223372036854775808", .string("9223372036854775808")), ("1.5", .string("1.5")), ("1e5", .string("1e5")),
            ("-0.0E+1", .string("-0.0E+1")), ("2e-3", .string("2e-3")),
        ])
    func wellFormedNumberIsRead(text: String, expected: JSONValue) throws {
        #expect(try JSONValue(parsing: text) == expected)
    }

    @Test("a string holding bytes that are not UTF-8 is refused instead of altered")
    func invalidUTF8IsRefused() throws {
        for bad: [UInt8] in [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xe2, 0x82], [0xf8, 0x88, 0x80, 0x80, 0x80]] {
            let text: [UInt8] = Array(#"{"k":"a"#.utf8) + bad + Array(#"b"}"#.utf8)
            #expect(throws: JSONParseError.self, "\(bad)") { try JSONValue(parsing: text) }
        }
        // Valid multi-byte UTF-8 is read as it is.
        #expect(try JSONValue(parsing: Array("\"é✓😀\"".utf8)) == .string("é✓😀"))
    }

    @Test("a checkpoint file that repeats a member is malformed, not read last-wins")
    func checkpointWithDuplicateMemberIsRefused() {
        let body = #""format":"model-ledger-checkpoint/1","ledger_id":"L","seq":5,"mac":"m","recorded_at":"t","key_id":"k""#
        let forged = #"{"checkpoint":{"#.appending(body).appending(#"},"hmac":"h","hmac":"forged"}"#)
        #expect(throws: LedgerError.self) { try Checkpoint(parsing: forged, source: "cp.json") }
        let nested = #"{"checkpoint":{"#.appending(body).appending(#","seq":9},"hmac":"h"}"#)
        #expect(throws: LedgerError.self) { try Checkpoint(parsing: nested, source: "cp.json") }
        // The same file without the repetition is read.
        #expect((try? Checkpoint(parsing: #"{"checkpoint":{"#.appending(body).appending(#"},"hmac":"h"}"#), source: "cp.json"))?.seq == 5)
    }

    @Test("an evidence-bundle line that repeats a member is a malformed line")
    func bundleLineWithDuplicateMemberIsMalformed() throws {
        let s = try ReportBundleTests.ledger()
        let out = s.ledger.directory.file("b.jsonl")
        _ = try BundleExporter(store: s.store, keyRing: s.ledger.keyRing).export(selection: ExportSelection(model: "fraud"), to: out)
        var lines = try ReportBundleTests.lines(out)
        // `"matched":false,"matched":true`: a reader that keeps the first sees false, one that keeps the last true.
        lines[2] = ReportBundleTests.replacing(lines[2], #","matched":true}"#, #","matched":false,"matched":true}"#)
        let report = try BundleVerifier(keyRing: s.ledger.keyRing).verify(lines: lines)
        #expect(!report.isIntact)
        let finding = try #require(report.findings.first)
        #expect(finding.kind == .malformedLine && finding.line == 3)
        #expect(finding.message.contains("duplicate member name"))
    }
}
