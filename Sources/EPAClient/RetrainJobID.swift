/// Validation of retrain job ids before they are placed in a URL path.
///
/// A retrain job id becomes one path segment (`/retrain_jobs/{id}/update_model`), so
/// anything that could change the URL's meaning is refused. The rule is deliberately
/// strict: only printable ASCII letters, digits and the RFC 3986 unreserved marks
/// `-`, `_`, `.`, `~` are accepted (so ids never need percent-encoding), the id is
/// 1…128 characters (and at most 512 UTF-8 bytes), and it contains no `..` and is not
/// `.`. Emoji and any other non-ASCII characters are refused. The manual's example id
/// has the form `xxxx-xxxx-xxxx-xxxx`.
///
/// Refusal messages name the problem and its position but never echo the id; a
/// character is shown as `U+XXXX` (and, when printable ASCII, also quoted).
public enum RetrainJobID {
    /// The longest accepted id, in characters.
    public static let maxCharacters = 128
    /// The longest accepted id, in UTF-8 bytes.
    public static let maxBytes = 512

    /// Throws ``EPAError/invalidRetrainJobID(reason:)`` unless `id` is a safe path segment.
    public static func validate(_ id: String) throws(EPAError) {
        if let reason = problem(with: id) { throw .invalidRetrainJobID(reason: reason) }
    }

    /// Whether `id` passes ``validate(_:)``.
    public static func isValid(_ id: String) -> Bool { problem(with: id) == nil }

    /// Why `id` is refused, or nil when it is acceptable.
    public static func problem(with id: String) -> String? {
        if id.isEmpty { return "it is empty" }
        let characters = id.count
        if characters > maxCharacters {
            return "it is \(characters) characters long; at most \(maxCharacters) are allowed"
        }
        let bytes = id.utf8.count
        if bytes > maxBytes {
            return "it is \(bytes) bytes long in UTF-8; at most \(maxBytes) are allowed"
        }
        if id == "." { return "it is \".\", a relative path segment" }
        for (offset, scalar) in id.unicodeScalars.enumerated() {
            if let problem = problem(with: scalar) {
                return "\(problem) at position \(offset + 1)"
            }
        }
        if id.contains("..") { return "it contains \"..\", which could change the URL path" }
        return nil
    }

    private static func problem(with scalar: Unicode.Scalar) -> String? {
        let name = describe(scalar)
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "-", "_", ".", "~":
            return nil
        case "/": return "it contains \(name), a path separator,"
        case "?": return "it contains \(name), which would start a query,"
        case "#": return "it contains \(name), which would start a fragment,"
        case "%": return "it contains \(name), which could smuggle encoded characters such as '/' or '..',"
        case "\\": return "it contains \(name), which some servers treat as a path separator,"
        default: break
        }
        if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.properties.generalCategory == .control {
            return "it contains the control character \(name)"
        }
        if scalar.properties.isWhitespace || scalar.properties.generalCategory == .spaceSeparator {
            return "it contains the whitespace character \(name)"
        }
        if scalar.properties.generalCategory == .format {
            return "it contains the invisible format character \(name)"
        }
        if !scalar.isASCII {
            return "it contains the non-ASCII character \(name) (only letters, digits, '-', '_', '.', '~' are allowed)"
        }
        return "it contains \(name), which is not allowed (only letters, digits, '-', '_', '.', '~' are allowed)"
    }

    /// `U+002F '/'` for printable ASCII, `U+0000 (NUL)` style names for a few controls, plain `U+XXXX` otherwise.
    static func describe(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        if scalar.value > 0x20 && scalar.value < 0x7F { return "\(code) '\(Character(scalar))'" }
        let names: [UInt32: String] = [
            0x00: "NUL", 0x09: "TAB", 0x0A: "LF", 0x0D: "CR", 0x1B: "ESC", 0x20: "SPACE", 0x7F: "DEL",
            0xA0: "NO-BREAK SPACE", 0x2028: "LINE SEPARATOR", 0x2029: "PARAGRAPH SEPARATOR",
            0x3000: "IDEOGRAPHIC SPACE", 0xFEFF: "ZERO WIDTH NO-BREAK SPACE",
        ]
        if let name = names[scalar.value] { return "\(code) (\(name))" }
        return code
    }
}
