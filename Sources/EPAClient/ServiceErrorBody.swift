import Foundation
import LedgerPrimitives

/// The `code` / `error` / `message` found in an error response, read tolerantly.
///
/// Accepts the documented shape `{"code": 4001000204, "error": "…", "message": "…"}` with
/// the code as a number or a string, missing or extra fields, keys in any letter case,
/// the fields nested under `"error": {…}` or `"errors": [{…}]`, `detail` for `message`,
/// a bare JSON string, an XML `<Code>`/`<Message>` body (object stores), and a plain-text
/// body that is exactly a documented message.
public struct ServiceErrorBody: Sendable, Equatable {
    /// The error code as text, e.g. `"4001000204"`.
    public var code: String?
    /// The error name, e.g. `"PREDA_EXTERNAL_BAD_REQUEST"`.
    public var error: String?
    /// The message, verbatim.
    public var message: String?

    /// Creates a body from its fields.
    public init(code: String?, error: String?, message: String?) {
        self.code = code
        self.error = error
        self.message = message
    }

    /// Reads what can be found in `bytes`; all fields are nil when nothing is recognisable.
    public init(parsing bytes: [UInt8]) {
        self.init(code: nil, error: nil, message: nil)
        if let json = try? JSONValue(parsing: bytes) {
            read(json, depth: 0)
            return
        }
        let text = String(decoding: bytes, as: UTF8.self)
        if text.contains("<Code>") || text.contains("<Message>") {
            code = Self.xmlElement("Code", in: text)
            message = Self.xmlElement("Message", in: text)
            return
        }
        if EPAError.documented(matchingMessage: text) != nil {
            message = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// Whether no field was found.
    public var isEmpty: Bool { code == nil && error == nil && message == nil }

    private mutating func read(_ json: JSONValue, depth: Int) {
        guard depth < 3 else { return }
        switch json {
        case .string(let text):
            if message == nil { message = text }
        case .array(let items):
            if let first = items.first { read(first, depth: depth + 1) }
        case .object(let members):
            // Names are matched without regard to case; two spellings of one name with different
            // values (`message` and `Message`) are ambiguous and read as absent, never decided by
            // the dictionary's (per-process) iteration order.
            var lowered: [String: JSONValue] = [:]
            var ambiguous = Set<String>()
            for (key, value) in members {
                let folded = key.lowercased()
                if let seen = lowered[folded], seen != value { ambiguous.insert(folded) }
                lowered[folded] = lowered[folded] ?? value
            }
            for name in ambiguous { lowered[name] = nil }
            if code == nil { code = Self.text(lowered["code"]) }
            if error == nil, case .string(let name)? = lowered["error"] { error = name }
            if message == nil { message = Self.text(lowered["message"]) ?? Self.text(lowered["detail"]) }
            if case .object? = lowered["error"] { read(lowered["error"] ?? .null, depth: depth + 1) }
            if case .array? = lowered["errors"] { read(lowered["errors"] ?? .null, depth: depth + 1) }
        default:
            break
        }
    }

    private static func text(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let s)?: s
        case .integer(let i)?: String(i)
        default: nil
        }
    }

    private static func xmlElement(_ name: String, in text: String) -> String? {
        guard let open = text.range(of: "<\(name)>"),
            let close = text.range(of: "</\(name)>", range: open.upperBound..<text.endIndex)
        else { return nil }
        return String(text[open.upperBound..<close.lowerBound])
    }
}

extension EPAError {
    /// The error for a non-2xx answer: a documented case when the message matches one,
    /// else ``serverError(httpStatus:code:error:message:)`` for 5xx and
    /// ``undocumented(httpStatus:code:error:message:)`` otherwise.
    public static func fromErrorResponse(httpStatus: Int, body: [UInt8]) -> EPAError {
        let parsed = ServiceErrorBody(parsing: body)
        if let message = parsed.message, let documented = documented(matchingMessage: message) {
            return documented
        }
        if (500..<600).contains(httpStatus) {
            return .serverError(httpStatus: httpStatus, code: parsed.code, error: parsed.error, message: parsed.message)
        }
        return .undocumented(httpStatus: httpStatus, code: parsed.code, error: parsed.error, message: parsed.message)
    }
}
