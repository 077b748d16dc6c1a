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
    static func appendPayload(raw: UnsafeRawBufferPointer, plan: PayloadPlan, to out: inout [UInt8]) {
        let buffer = RawBuffer(capacity: 1024)
        plan.withBuilder { $0.build(raw: raw, into: buffer) }
        out.append(contentsOf: buffer.bytes)
    }

    /// True when a JSON string of `bytes` needs an escape (a control character, `"` or `\\`): RFC
    /// 8785 copies every other byte as it is, as `CanonicalJSON.appendString` does.
    @inline(__always)
    static func needsEscaping(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        let n = bytes.count
        var i = 0
        let quote = SIMD16<UInt8>(repeating: 0x22), backslash = SIMD16<UInt8>(repeating: 0x5c)
        let space = SIMD16<UInt8>(repeating: 0x20)
        while i + 16 <= n {
            let chunk = (base + i).loadUnaligned(as: SIMD16<UInt8>.self)
            if any((chunk .< space) .| (chunk .== quote) .| (chunk .== backslash)) { return true }
            i += 16
        }
        while i < n {
            let c = base.load(fromByteOffset: i, as: UInt8.self)
            if c < 0x20 || c == 0x22 || c == 0x5c { return true }
            i += 1
        }
        return false
    }
}

/// Builds payloads from raw columns with one plan (the MAC thread keeps one for a whole batch).
struct PayloadBuilder {
    let prefixes: UnsafeBufferPointer<UInt8>
    let starts: UnsafeBufferPointer<Int>
    let columnCount: Int
    /// Scratch for the rare string that needs escapes (built by `CanonicalJSON.appendString`).
    private var escaped: [UInt8] = []

    init(prefixes: UnsafeBufferPointer<UInt8>, starts: UnsafeBufferPointer<Int>) {
        self.prefixes = prefixes
        self.starts = starts
        columnCount = max(starts.count - 1, 0)
    }

    /// Replaces `out`'s bytes with the payload P of one row's raw columns `raw`.
    @inline(__always)
    mutating func build(raw: UnsafeRawBufferPointer, into out: RawBuffer) {
        // Room is made per value, for what it needs (a comma, its prefix, at most 20 characters of
        // integer, its text and quotes or its escaped form): a huge hostile value costs its size, no more.
        out.count = 0
        out.reserve(1)
        out.store(UInt8(ascii: "{"))
        var p = 0
        var first = true
        for k in 0..<columnCount {
            guard p < raw.count else { break }
            let tag = raw[p]
            p += 1
            if tag == RawColumns.null { continue }
            let prefix = UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: prefixes[starts[k]..<starts[k + 1]]))
            switch tag {
            case RawColumns.integer:
                let value = Int64(littleEndian: raw.loadUnaligned(fromByteOffset: p, as: Int64.self))
                p += 8
                out.reserve(1 + prefix.count + 20)
                Self.storeSeparator(&first, prefix, into: out)
                Self.storeInteger(value, into: out)
            case RawColumns.text:
                let count = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: p, as: UInt32.self)))
                p += 4
                let text = UnsafeRawBufferPointer(rebasing: raw[p..<(p + count)])
                p += count
                if RawColumns.needsEscaping(text) {
                    escaped.removeAll(keepingCapacity: true)
                    CanonicalJSON.appendString(utf8: text, to: &escaped)
                    out.reserve(1 + prefix.count + escaped.count)
                    Self.storeSeparator(&first, prefix, into: out)
                    escaped.withUnsafeBytes { out.store($0) }
                } else {
                    out.reserve(1 + prefix.count + count + 2)
                    Self.storeSeparator(&first, prefix, into: out)
                    out.store(UInt8(ascii: "\""))
                    out.store(text)
                    out.store(UInt8(ascii: "\""))
                }
            default:
                out.reserve(1 + prefix.count + 4)
                Self.storeSeparator(&first, prefix, into: out)
                for byte in "null".utf8 { out.store(byte) }
            }
        }
        out.reserve(1)
        out.store(UInt8(ascii: "}"))
    }

    /// Stores the comma before every member but the first, and the member's `"name":` prefix.
    @inline(__always)
    private static func storeSeparator(_ first: inout Bool, _ prefix: UnsafeRawBufferPointer, into out: RawBuffer) {
        if !first { out.store(UInt8(ascii: ",")) }
        first = false
        out.store(prefix)
    }

    /// Stores a JSON integer (decimal, no exponent), as `CanonicalJSON.appendInteger` writes it.
    @inline(__always)
    private static func storeInteger(_ value: Int64, into out: RawBuffer) {
        if value < 0 { out.store(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits = 1
        var scale: UInt64 = 10
        while digits < 20 && magnitude >= scale {
            digits += 1
            scale = scale &* 10
        }
        let end = out.count + digits
        var i = end
        repeat {
            i -= 1
            out.base.storeBytes(of: UInt8(ascii: "0") + UInt8(magnitude % 10), toByteOffset: i, as: UInt8.self)
            magnitude /= 10
        } while i > out.count
        out.count = end
    }
}

/// The signed columns of a row source, in RFC 8785 member order: each one's `"name":` prefix,
/// packed in one buffer (`prefixStarts` has one more element than there are columns).
struct PayloadPlan: Sendable {
    let prefixBytes: [UInt8]
    let prefixStarts: [Int]
    var columnCount: Int { prefixStarts.count - 1 }

    /// Calls `body` with a builder for this plan.
    func withBuilder<T>(_ body: (inout PayloadBuilder) throws -> T) rethrows -> T {
        try prefixBytes.withUnsafeBufferPointer { prefixes in
            try prefixStarts.withUnsafeBufferPointer { starts in
                var builder = PayloadBuilder(prefixes: prefixes, starts: starts)
                return try body(&builder)
            }
        }
    }

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
