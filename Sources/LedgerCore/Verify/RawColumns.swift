import Foundation

/// A row's signed columns as the scanning thread copies them (raw, in RFC 8785 member order) and
/// how the MAC thread turns them into the signed payload P.
///
/// The database scan splits the work of a row in two: the scanning thread steps SQLite, copies
/// each signed column's storage class and bytes into a flat buffer (`append…`: a tag byte, then
/// 8 bytes of integer or a 4-byte length and the text's bytes) and checks the chain rules; the MAC
/// thread builds P from those bytes (`appendPayload`: prefixes, integer digits, JSON escaping)
/// and recomputes the mac. Both sides of the split, and every other caller of the scanner, build
/// P through `appendPayload`, so there is one way to build it.
enum RawColumns {
    /// Tag bytes: a NULL column (left out of P), an integer, a text, a REAL or BLOB value (which the
    /// format does not allow: written as `null` in P, and reported by the chain checker).
    static let null: UInt8 = 0
    static let integer: UInt8 = 1
    static let text: UInt8 = 2
    static let disallowed: UInt8 = 3

    /// Appends an integer column.
    @inline(__always)
    static func appendInteger(_ value: Int64, to out: inout [UInt8]) {
        out.append(integer)
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }

    /// Appends a text column (SQLite caps a value well below 4 GiB, so its length fits 32 bits).
    @inline(__always)
    static func appendText(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        out.append(text)
        withUnsafeBytes(of: UInt32(truncatingIfNeeded: bytes.count).littleEndian) { out.append(contentsOf: $0) }
        if !bytes.isEmpty { out.append(contentsOf: bytes) }
    }

    /// Appends the signed payload P of one row's raw columns `raw` (exactly one row, as appended
    /// above, one entry per column of `plan`) to `out`.
    @inline(__always)
    static func appendPayload(raw: UnsafeRawBufferPointer, plan: PayloadPlan, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        plan.prefixBytes.withUnsafeBufferPointer { prefixes in
            plan.prefixStarts.withUnsafeBufferPointer { starts in
                var p = 0
                var first = true
                for k in 0..<plan.columnCount {
                    guard p < raw.count else { return }
                    let tag = raw[p]
                    p += 1
                    if tag == null { continue }
                    if !first { out.append(UInt8(ascii: ",")) }
                    first = false
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: prefixes[starts[k]..<starts[k + 1]]))
                    switch tag {
                    case integer:
                        let value = Int64(littleEndian: raw.loadUnaligned(fromByteOffset: p, as: Int64.self))
                        p += 8
                        CanonicalJSON.appendInteger(value, to: &out)
                    case text:
                        let count = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: p, as: UInt32.self)))
                        p += 4
                        CanonicalJSON.appendString(utf8: UnsafeRawBufferPointer(rebasing: raw[p..<(p + count)]), to: &out)
                        p += count
                    default:
                        out.append(contentsOf: "null".utf8)
                    }
                }
            }
        }
        out.append(UInt8(ascii: "}"))
    }
}

/// The signed columns of a row source, in RFC 8785 member order: each one's `"name":` prefix,
/// packed in one buffer (`prefixStarts` has one more element than there are columns).
struct PayloadPlan: Sendable {
    let prefixBytes: [UInt8]
    let prefixStarts: [Int]
    var columnCount: Int { prefixStarts.count - 1 }

    /// The plan for columns `names` (already in RFC 8785 member order).
    init(orderedNames names: [String]) {
        var bytes: [UInt8] = [], starts: [Int] = []
        for name in names {
            starts.append(bytes.count)
            CanonicalJSON.appendString(name, to: &bytes)
            bytes.append(UInt8(ascii: ":"))
        }
        starts.append(bytes.count)
        prefixBytes = bytes
        prefixStarts = starts
    }
}
