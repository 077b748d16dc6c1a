import Foundation

/// The one rule for the names people type to identify things in the ledger: model names (`--model`)
/// and actor names (`--actor`, `LEDGER_ACTOR`).
///
/// A name is refused when it is empty, contains a character that is invisible or that changes how
/// text around it is shown, or is not in Unicode Normalization Form C (NFC). Two names the ledger
/// accepts therefore look different whenever they are different, and the same name is always the
/// same bytes, so that `by_model`, `--model`, `history` and `--as-of` agree. Every command checks
/// every name it is given (written or used as a filter) with ``validate(_:)``; names already stored
/// are never changed.
///
/// Refused characters:
/// - control characters: C0 (U+0000–U+001F), DEL (U+007F), C1 (U+0080–U+009F);
/// - bidirectional controls: U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069;
/// - zero-width and invisible characters: U+00AD, U+200B–U+200D, U+2060, U+FEFF, and every other
///   format character (Unicode general category Cf);
/// - line and paragraph separators (U+2028, U+2029).
///
/// A name is also refused when it is longer than ``maxBytes`` bytes of UTF-8.
public enum Identifier {
    /// What kind of name is checked, for messages.
    public enum Role: String, Sendable {
        /// A model name (`--model`).
        case model
        /// An actor name (`--actor`, `LEDGER_ACTOR`).
        case actor
    }

    /// Why a name is refused.
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        /// The reason, in words (the offending code point as `U+XXXX`, never the raw character).
        public var reason: String
        /// The reason.
        public var description: String { reason }
    }

    /// Throws ``Problem`` unless `name` follows the rule above.
    public static func validate(_ name: String) throws(Problem) {
        if let reason = problem(with: name) { throw Problem(reason: reason) }
    }

    /// The longest name accepted, in UTF-8 bytes: far beyond any real model or person's name, and well
    /// inside what every backend can index (PostgreSQL refuses B-tree entries over about 2.7 kB).
    public static let maxBytes = 256

    /// Why `name` is refused, or nil when it is acceptable.
    public static func problem(with name: String) -> String? {
        if name.trimmingCharacters(in: .whitespaces).isEmpty { return "it is empty" }
        if name.utf8.count > maxBytes { return "it is \(name.utf8.count) bytes long; names are at most \(maxBytes) bytes (UTF-8)" }
        for (offset, scalar) in name.unicodeScalars.enumerated() {
            if let kind = refusedKind(scalar) {
                return "it contains \(kind) \(codePoint(scalar)) at position \(offset + 1); such characters are not allowed in names"
            }
        }
        let nfc = name.precomposedStringWithCanonicalMapping
        if !name.unicodeScalars.elementsEqual(nfc.unicodeScalars) {
            let scalars = Array(name.unicodeScalars), composed = Array(nfc.unicodeScalars)
            var start = 0
            while start < min(scalars.count, composed.count), scalars[start] == composed[start] { start += 1 }
            var end = start + 1
            while end < scalars.count, scalars[end].properties.canonicalCombiningClass != .notReordered { end += 1 }
            let found = scalars[start..<min(end, scalars.count)].map(codePoint).joined(separator: " ")
            let wanted = start < composed.count ? " (NFC: \(codePoint(composed[start])))" : ""
            return "it is not in Unicode NFC form: \(found) at position \(start + 1) must be written precomposed\(wanted), as in \"\(escaped(nfc))\""
        }
        return nil
    }

    /// The kind of refused character `scalar` is, or nil when it is allowed.
    static func refusedKind(_ scalar: Unicode.Scalar) -> String? {
        let v = scalar.value
        if v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v) { return "the control character" }
        if v == 0x061C || v == 0x200E || v == 0x200F || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v) {
            return "the bidirectional control"
        }
        if v == 0x00AD || (0x200B...0x200D).contains(v) || v == 0x2060 || v == 0xFEFF {
            return "the invisible character"
        }
        switch scalar.properties.generalCategory {
        case .format: return "the invisible formatting character"
        case .lineSeparator, .paragraphSeparator: return "the line separator"
        case .control: return "the control character"
        default: return nil
        }
    }

    /// `U+XXXX` (at least four hex digits).
    public static func codePoint(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    /// `text` with every character outside printable ASCII shown as `\u{XXXX}`, for messages.
    public static func escaped(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar.value >= 0x20 && scalar.value < 0x7F && scalar != "\\" {
                out.unicodeScalars.append(scalar)
            } else {
                out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            }
        }
        return out
    }
}
