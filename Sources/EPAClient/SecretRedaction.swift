/// Removing secrets (the API key, presigned URLs) from text that is recorded: response bodies and error messages.
///
/// A secret is found in every form a service or proxy may echo it in: raw, JSON-escaped (`\/`, `\"`, `\\`,
/// `\uXXXX` with either hex case, surrogate pairs for characters beyond the BMP) and percent-encoded
/// (`%XX` with either hex case), each character independently. Every occurrence is replaced by a marker.
public enum SecretRedaction {
    /// The marker that replaces the API key.
    public static let apiKeyMarker = "[REDACTED]"
    /// The marker that replaces a presigned upload URL (and its token parts).
    public static let uploadURLMarker = "[redacted: presigned upload URL]"
    /// The marker that replaces a download URL (and its token parts).
    public static let downloadURLMarker = "[redacted: download URL]"
    /// Parts of a URL shorter than this are not treated as secrets on their own (see ``urlSecrets(_:)``).
    public static let minimumPartLength = 8

    /// One secret and the marker that replaces it.
    public struct Secret: Sendable, Hashable {
        /// The secret's value.
        public var value: String
        /// What replaces it.
        public var marker: String
        /// A secret; empty values are ignored by ``redact(_:secrets:)``.
        public init(_ value: String, marker: String) {
            self.value = value
            self.marker = marker
        }
    }

    /// `text` with every occurrence of every secret, in any form, replaced by its marker.
    /// Longer secrets are replaced first, so a URL is replaced whole before its parts.
    public static func redact(_ text: String, secrets: [Secret]) -> String {
        var out = text
        for secret in secrets.filter({ !$0.value.isEmpty }).sorted(by: { $0.value.utf8.count > $1.value.utf8.count }) {
            out = redact(out, secret: secret.value, marker: secret.marker)
        }
        return out
    }

    /// `text` with every occurrence of `secret`, in any form, replaced by `marker`.
    public static func redact(_ text: String, secret: String, marker: String) -> String {
        let scalars = Array(secret.unicodeScalars)
        guard let firstByte = secret.utf8.first else { return text }
        let units = scalars.map { Array(String($0).utf8) }
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var found = false
        var i = 0
        while i < bytes.count {
            let byte = bytes[i]
            let candidate = byte == firstByte || byte == UInt8(ascii: "%") || byte == UInt8(ascii: "\\")
            if candidate, let end = matchEnd(bytes, at: i, scalars: scalars, units: units) {
                out += Array(marker.utf8)
                i = end
                found = true
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return found ? String(decoding: out, as: UTF8.self) : text
    }

    /// The string values of members named `name` (compared after JSON unescaping) in JSON-like `text`.
    /// Lexical, so it works on bodies that are cut short, not JSON at all, or have duplicated members.
    public static func memberValues(named name: String, in text: String) -> [String] {
        let bytes = Array(text.utf8)
        var values: [String] = []
        var i = 0
        var pendingName = false  // the previous token was a string equal to `name`
        var afterColon = false
        while i < bytes.count {
            let byte = bytes[i]
            if byte == UInt8(ascii: "\"") {
                let (value, end) = stringLiteral(bytes, from: i)
                if afterColon { values.append(value) }
                pendingName = !afterColon && value == name
                afterColon = false
                i = end
                continue
            }
            if byte == UInt8(ascii: ":") {
                afterColon = pendingName
                pendingName = false
            } else if !(byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D) {
                pendingName = false
                afterColon = false
            }
            i += 1
        }
        return values
    }

    /// The secrets a URL carries: the whole URL; what follows its host (path, query); its query; and every
    /// path segment or query value of at least ``minimumPartLength`` characters (a presigned URL's token
    /// may be any of them).
    public static func urlSecrets(_ url: String, marker: String) -> [Secret] {
        var parts: [String] = [url]
        var rest = Substring(url)
        if let colon = rest.firstIndex(of: ":"), rest[colon...].hasPrefix("://") { rest = rest[colon...].dropFirst(3) }
        if let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) {
            let tail = rest[slash...]
            parts.append(String(tail))
            let pathEnd = tail.firstIndex(where: { $0 == "?" || $0 == "#" }) ?? tail.endIndex
            parts += tail[..<pathEnd].split(separator: "/").map(String.init)
            if pathEnd < tail.endIndex {
                let query = tail[tail.index(after: pathEnd)...]
                parts.append(String(query))
                for item in query.split(whereSeparator: { $0 == "&" || $0 == ";" || $0 == "#" }) {
                    parts.append(String(item))
                    if let equals = item.firstIndex(of: "=") { parts.append(String(item[item.index(after: equals)...])) }
                }
            }
        }
        var seen = Set<String>()
        return parts.filter { $0.count >= minimumPartLength && seen.insert($0).inserted }.map { Secret($0, marker: marker) }
    }

    // MARK: - Matching

    /// Where a match of `scalars` starting at `start` ends (the longest one), or nil.
    static func matchEnd(_ bytes: [UInt8], at start: Int, scalars: [Unicode.Scalar], units: [[UInt8]]) -> Int? {
        var positions: [Int] = [start]
        for (scalar, utf8) in zip(scalars, units) {
            var next: [Int] = []
            for position in positions {
                for end in ends(bytes, at: position, scalar: scalar, utf8: utf8) where !next.contains(end) { next.append(end) }
            }
            if next.isEmpty { return nil }
            positions = next
        }
        return positions.max()
    }

    /// Every position after one encoding of `scalar` that starts at `i`.
    private static func ends(_ bytes: [UInt8], at i: Int, scalar: Unicode.Scalar, utf8: [UInt8]) -> [Int] {
        guard i < bytes.count else { return [] }
        var result: [Int] = []
        // Raw UTF-8, each byte possibly percent-encoded.
        var p = i
        var ok = true
        for unit in utf8 {
            if p < bytes.count, bytes[p] == unit {
                p += 1
            } else if let decoded = percentByte(bytes, at: p), decoded == unit {
                p += 3
            } else {
                ok = false
                break
            }
        }
        if ok { result.append(p) }
        // A percent-encoding of a raw byte that itself matches (e.g. `%25` for `%`) is covered above.
        // JSON escapes.
        if bytes[i] == UInt8(ascii: "\\"), i + 1 < bytes.count {
            let short: UInt8? =
                switch scalar {
                case "\"": UInt8(ascii: "\"")
                case "\\": UInt8(ascii: "\\")
                case "/": UInt8(ascii: "/")
                case "\u{08}": UInt8(ascii: "b")
                case "\u{0C}": UInt8(ascii: "f")
                case "\n": UInt8(ascii: "n")
                case "\r": UInt8(ascii: "r")
                case "\t": UInt8(ascii: "t")
                default: nil
                }
            if let short, bytes[i + 1] == short { result.append(i + 2) }
            if let unit = unicodeEscape(bytes, at: i) {
                if scalar.value <= 0xFFFF {
                    if unit == scalar.value { result.append(i + 6) }
                } else {
                    let v = scalar.value - 0x10000
                    let high = 0xD800 + (v >> 10), low = 0xDC00 + (v & 0x3FF)
                    if unit == high, let second = unicodeEscape(bytes, at: i + 6), second == low { result.append(i + 12) }
                }
            }
        }
        return result
    }

    /// The value of `\uXXXX` at `i`, or nil.
    private static func unicodeEscape(_ bytes: [UInt8], at i: Int) -> UInt32? {
        guard i + 6 <= bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else { return nil }
        var value: UInt32 = 0
        for k in 2..<6 {
            guard let digit = hexValue(bytes[i + k]) else { return nil }
            value = value * 16 + UInt32(digit)
        }
        return value
    }

    /// The byte of `%XX` at `i`, or nil.
    private static func percentByte(_ bytes: [UInt8], at i: Int) -> UInt8? {
        guard i + 3 <= bytes.count, bytes[i] == UInt8(ascii: "%"), let high = hexValue(bytes[i + 1]),
            let low = hexValue(bytes[i + 2])
        else { return nil }
        return high * 16 + low
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// The decoded value of the JSON string literal whose opening quote is at `start`, and the position after
    /// its closing quote (or the end of the text when it is not closed). Bad escapes are kept as they are.
    private static func stringLiteral(_ bytes: [UInt8], from start: Int) -> (String, Int) {
        var scalars = String.UnicodeScalarView()
        var raw: [UInt8] = []
        func flush() {
            scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars)
            raw.removeAll()
        }
        var i = start + 1
        while i < bytes.count {
            let byte = bytes[i]
            if byte == UInt8(ascii: "\"") {
                flush()
                return (String(scalars), i + 1)
            }
            if byte == UInt8(ascii: "\\"), i + 1 < bytes.count {
                flush()
                let next = bytes[i + 1]
                switch next {
                case UInt8(ascii: "b"): scalars.append("\u{08}")
                case UInt8(ascii: "f"): scalars.append("\u{0C}")
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "u"):
                    if let unit = unicodeEscape(bytes, at: i) {
                        if (0xD800...0xDBFF).contains(unit), let low = unicodeEscape(bytes, at: i + 6), (0xDC00...0xDFFF).contains(low),
                            let scalar = Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
                        {
                            scalars.append(scalar)
                            i += 12
                        } else {
                            scalars.append(Unicode.Scalar(unit) ?? "\u{FFFD}")
                            i += 6
                        }
                        continue
                    }
                    scalars.append("u")
                default: scalars.append(Unicode.Scalar(next))
                }
                i += 2
                continue
            }
            raw.append(byte)
            i += 1
        }
        flush()
        return (String(scalars), bytes.count)
    }
}
