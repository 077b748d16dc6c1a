// libFuzzer target: the JSON parser and RFC 8785 encoder (Sources/LedgerPrimitives/JSON).
//
// For every input:
//  1. Parse it. When it parses, the canonical bytes C must equal an independent, naive RFC 8785
//     encoder's output (no SIMD fast path, scalar by scalar), parse again to an equal value, and be a
//     fixed point (canonical(parse(C)) == C). C holds no raw control character and is valid UTF-8.
//  2. Independently, build a JSONValue from the input bytes (strings with arbitrary scalars, control
//     characters, non-ASCII, long runs across the 16-byte fast path; nested arrays and objects) and
//     check encode → parse → encode the same way.
// Built and run by scripts/fuzz.sh (`make fuzz`).
import Foundation
import LedgerPrimitives


private func fail(_ message: String, _ input: [UInt8]) -> Never {
    FileHandle.standardError.write(Data("FUZZ PROPERTY FAILED: \(message)\ninput (\(input.count) bytes): \(String(decoding: input.prefix(300), as: UTF8.self))\n".utf8))
    abort()
}

/// The RFC 8785 serialisation, written out plainly (the oracle for CanonicalJSON.encode).
private enum NaiveJCS {
    static func encode(_ value: JSONValue) -> [UInt8] {
        var out = ""
        append(value, to: &out)
        return Array(out.utf8)
    }

    static func utf16Precedes(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf16), y = Array(b.utf16)
        var i = 0
        while i < x.count, i < y.count {
            if x[i] != y[i] { return x[i] < y[i] }
            i += 1
        }
        return x.count < y.count
    }

    static func quote(_ s: String, to out: inout String) {
        out.unicodeScalars.append("\"")
        for u in s.unicodeScalars {
            switch u.value {
            case 0x22: out += "\\\""
            case 0x5c: out += "\\\\"
            case 0x08: out += "\\b"
            case 0x0c: out += "\\f"
            case 0x0a: out += "\\n"
            case 0x0d: out += "\\r"
            case 0x09: out += "\\t"
            case 0..<0x20:
                let hex = Array("0123456789abcdef".unicodeScalars)
                out += "\\u00"
                out.unicodeScalars.append(hex[Int(u.value >> 4)])
                out.unicodeScalars.append(hex[Int(u.value & 0xf)])
            default: out.unicodeScalars.append(u)
            }
        }
        out.unicodeScalars.append("\"")
    }

    static func append(_ value: JSONValue, to out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .integer(let i): out += String(i)
        case .string(let s): quote(s, to: &out)
        case .array(let items):
            out += "["
            for (n, item) in items.enumerated() {
                if n > 0 { out += "," }
                append(item, to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (n, key) in members.keys.sorted(by: utf16Precedes).enumerated() {
                if n > 0 { out += "," }
                quote(key, to: &out)
                out += ":"
                append(members[key] ?? .null, to: &out)
            }
            out += "}"
        }
    }
}

/// Builds a value from fuzz bytes (structure-aware half of the target).
private struct ValueBuilder {
    let bytes: [UInt8]
    var index = 0

    mutating func next() -> UInt8? {
        guard index < bytes.count else { return nil }
        defer { index += 1 }
        return bytes[index]
    }

    mutating func string() -> String {
        var scalars = String.UnicodeScalarView()
        let length = Int(next() ?? 0) % 40
        for _ in 0..<length {
            guard let b = next() else { break }
            switch b % 8 {
            case 0: scalars.append(Unicode.Scalar(b & 0x1f))  // control characters
            case 1: scalars.append(b & 1 == 0 ? "\"" : "\\")
            case 2:  // any BMP scalar that is not a surrogate
                let v = (UInt32(b) << 8) | UInt32(next() ?? 0)
                scalars.append(Unicode.Scalar(v) ?? "?")
            case 3:  // astral
                let v = 0x10000 + ((UInt32(b) << 12) | (UInt32(next() ?? 0) << 4)) % 0xFFFFF
                scalars.append(Unicode.Scalar(v) ?? "?")
            case 4: for _ in 0..<Int(b % 24) { scalars.append("x") }  // runs across the 16-byte fast path
            case 5: scalars.append("\u{7f}")
            case 6: scalars.append(b & 1 == 0 ? "e" : "\u{301}")  // combining marks (NFC/NFD spellings)
            default: scalars.append(Unicode.Scalar(0x20 + b % 0x5f))
            }
        }
        return String(scalars)
    }

    mutating func value(depth: Int) -> JSONValue {
        guard let b = next() else { return .null }
        switch b % 7 {
        case 0: return .null
        case 1: return .bool(b & 0x80 != 0)
        case 2:
            var v: UInt64 = 0
            for _ in 0..<8 { v = (v << 8) | UInt64(next() ?? 0) }
            return .integer(Int64(bitPattern: v))
        case 3, 4: return .string(string())
        case 5:
            guard depth < 8 else { return .null }
            return .array((0..<Int((next() ?? 0) % 5)).map { _ in value(depth: depth + 1) })
        default:
            guard depth < 8 else { return .null }
            var members: [String: JSONValue] = [:]
            for _ in 0..<Int((next() ?? 0) % 5) { members[string()] = value(depth: depth + 1) }
            return .object(members)
        }
    }
}

private func checkCanonical(_ value: JSONValue, _ input: [UInt8], origin: String) {
    let canonical = CanonicalJSON.encode(value)
    if canonical != NaiveJCS.encode(value) {
        fail("\(origin): CanonicalJSON.encode differs from the naive RFC 8785 encoder: \(String(decoding: canonical, as: UTF8.self))", input)
    }
    if canonical.contains(where: { $0 < 0x20 }) { fail("\(origin): raw control byte in canonical output", input) }
    if !String(decoding: canonical, as: UTF8.self).utf8.elementsEqual(canonical) { fail("\(origin): canonical output is not UTF-8", input) }
    let reparsed: JSONValue
    do {
        reparsed = try JSONValue(parsing: canonical)
    } catch {
        fail("\(origin): canonical output does not parse: \(error): \(String(decoding: canonical, as: UTF8.self))", input)
    }
    // JSONValue's == compares Swift strings (canonical equivalence); the byte check below is exact.
    if reparsed != value { fail("\(origin): parse(canonical(v)) != v", input) }
    if CanonicalJSON.encode(reparsed) != canonical { fail("\(origin): canonical form is not a fixed point", input) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCanonicalJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    if let value = try? JSONValue(parsing: input) {
        checkCanonical(value, input, origin: "parsed input")
    }
    var builder = ValueBuilder(bytes: input)
    checkCanonical(builder.value(depth: 0), input, origin: "built value")
    return 0
}
