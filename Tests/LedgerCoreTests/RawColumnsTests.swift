import Testing

@testable import LedgerCore

/// The verifier's split payload path (the scanning thread copies raw columns, the MAC thread builds
/// P from them) must give exactly the bytes of the format's own encoder, `SignedPayload`.
@Suite("raw columns: payloads built on the MAC thread")
struct RawColumnsTests {
    /// Encodes `columns` raw, in the scanner's order, and builds P from them.
    private func payload(_ columns: [(name: String, value: SQLValue)]) -> [UInt8] {
        let signed = columns.filter { $0.name != "mac" }.sorted { CanonicalJSON.precedes($0.name, $1.name) }
        let raw = RawBuffer(capacity: 16)  // small: growth is exercised too
        for (_, value) in signed {
            switch value {
            case .null: RawColumns.appendNull(to: raw)
            case .integer(let i): RawColumns.appendInteger(i, to: raw)
            case .text(var s): s.withUTF8 { RawColumns.appendText(UnsafeRawBufferPointer($0), to: raw) }
            case .real, .blob: RawColumns.appendDisallowed(to: raw)
            }
        }
        var out: [UInt8] = []
        RawColumns.appendPayload(raw: raw.bytes, plan: PayloadPlan(orderedNames: signed.map(\.name)), to: &out)
        return out
    }

    @Test("every value kind, escapes, control bytes, non-ASCII, extreme integers: the same bytes as SignedPayload")
    func sameBytesAsTheFormatEncoder() {
        let texts = [
            "", "plain", String(repeating: "a", count: 15), String(repeating: "b", count: 16), String(repeating: "c", count: 33),
            "quote \" inside", "back\\slash", "tab\there", "nl\nand\r", "\u{0}\u{1}\u{1f}", "\u{7f}", "é ü 漢字 🙂",
            String(repeating: "x", count: 17) + "\"", "\u{8}\u{c}", String(repeating: "ok", count: 40) + "\n",
        ]
        let integers: [Int64] = [0, 1, -1, 9, 10, 99, 100, 12345, -12345, Int64.max, Int64.min, 1_000_000_000_000_000_000]
        for text in texts {
            for integer in integers {
                let columns: [(name: String, value: SQLValue)] = [
                    ("seq", .integer(integer)), ("details", .text(text)), ("model", .null), ("kind", .text("switch.requested")),
                    ("mac", .text("ff")), ("ref_seq", .integer((0 &- integer) &- 1)), ("weird", .real(1.5)), ("b", .blob([1, 2])),
                    ("é", .text(text)),
                ]
                #expect(payload(columns) == SignedPayload.bytes(of: columns), "text \(text.debugDescription), integer \(integer)")
            }
        }
    }

    @Test("a row of only NULL columns is {}")
    func allNullIsEmptyObject() {
        let columns: [(name: String, value: SQLValue)] = [("a", .null), ("b", .null)]
        #expect(payload(columns) == Array("{}".utf8))
        #expect(payload(columns) == SignedPayload.bytes(of: columns))
    }

    @Test("needsEscaping finds a special byte at every position around the 16-byte fast path")
    func escapeDetectionAtEveryPosition() {
        for length in 1...40 {
            for position in 0..<length {
                for special: UInt8 in [0x00, 0x1f, 0x22, 0x5c] {
                    var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                    bytes[position] = special
                    #expect(bytes.withUnsafeBytes { RawColumns.needsEscaping($0) }, "length \(length), position \(position)")
                }
            }
            let plain = [UInt8](repeating: 0x7f, count: length)
            #expect(!plain.withUnsafeBytes { RawColumns.needsEscaping($0) })
        }
    }
}
