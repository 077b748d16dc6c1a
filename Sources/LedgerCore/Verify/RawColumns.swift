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

    /// Appends a NULL column.
    @inline(__always)
    static func appendNull(to out: RawBuffer) {
        out.reserve(1)
        out.store(null)
    }

    /// Appends a REAL or BLOB column (its value is not kept).
    @inline(__always)
    static func appendDisallowed(to out: RawBuffer) {
        out.reserve(1)
        out.store(disallowed)
    }

    /// Appends an integer column.
    @inline(__always)
    static func appendInteger(_ value: Int64, to out: RawBuffer) {
        out.reserve(9)
        out.store(integer)
        out.store(value.littleEndian)
    }

    /// Appends a text column (SQLite caps a value well below 4 GiB, so its length fits 32 bits).
    @inline(__always)
    static func appendText(_ bytes: UnsafeRawBufferPointer, to out: RawBuffer) {
        out.reserve(5 + bytes.count)
        out.store(text)
        out.store(UInt32(truncatingIfNeeded: bytes.count).littleEndian)
        out.store(bytes)
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

/// A growable byte buffer written through raw stores (one capacity check per value, no
/// copy-on-write check): the scanning thread's batch of raw columns. Owned by one thread at a time
/// (the pipeline hands it over under its lock).
final class RawBuffer: @unchecked Sendable {
    private(set) var base: UnsafeMutableRawPointer
    private(set) var capacity: Int
    /// Bytes written.
    var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 64)
        base = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: 16)
    }

    deinit { base.deallocate() }

    /// The bytes written.
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// Makes room for `extra` more bytes.
    @inline(__always)
    func reserve(_ extra: Int) {
        if extra > capacity - count { grow(to: count + extra) }
    }

    @inline(never)
    private func grow(to minimum: Int) {
        let newCapacity = max(minimum, capacity * 2)
        let newBase = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
        newBase.copyMemory(from: base, byteCount: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    /// Stores a value after `reserve` made room for it.
    @inline(__always)
    func store<T: FixedWidthInteger>(_ value: T) {
        base.storeBytes(of: value, toByteOffset: count, as: T.self)
        count += MemoryLayout<T>.size
    }

    /// Stores bytes after `reserve` made room for them.
    @inline(__always)
    func store(_ bytes: UnsafeRawBufferPointer) {
        if let source = bytes.baseAddress, bytes.count > 0 {
            (base + count).copyMemory(from: source, byteCount: bytes.count)
            count += bytes.count
        }
    }
}
