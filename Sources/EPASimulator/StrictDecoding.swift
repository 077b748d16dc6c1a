/// A coding key that accepts any field name, used to list the fields actually present.
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int?

    init(stringValue: String) {
        self.stringValue = stringValue
        self.intValue = nil
    }

    init(intValue: Int) {
        self.stringValue = String(intValue)
        self.intValue = intValue
    }
}

extension Decoder {
    /// Throws `DecodingError.dataCorrupted` naming the first field that is not one of `Keys`.
    func rejectUnknownFields<Keys: CodingKey & CaseIterable>(_: Keys.Type) throws {
        let container = try self.container(keyedBy: AnyCodingKey.self)
        let allowed = Keys.allCases.map(\.stringValue)
        let unknown = container.allKeys.map(\.stringValue).filter { !allowed.contains($0) }.sorted()
        guard let first = unknown.first else { return }
        throw DecodingError.dataCorrupted(
            DecodingError.Context(
                codingPath: codingPath + [AnyCodingKey(stringValue: first)],
                debugDescription: "unknown field '\(first)' (allowed: \(allowed.joined(separator: ", ")))"
            )
        )
    }
}

extension Decoder {
    /// Decodes a string enumeration; an unknown value is reported with the list of allowed values.
    func decodeEnumeration<E: RawRepresentable & CaseIterable>(_: E.Type) throws -> E where E.RawValue == String {
        let raw = try singleValueContainer().decode(String.self)
        guard let value = E(rawValue: raw) else {
            let allowed = E.allCases.map(\.rawValue).joined(separator: ", ")
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: codingPath, debugDescription: "unknown value '\(raw)' (allowed: \(allowed))"))
        }
        return value
    }
}

extension DecodingError {
    /// A one-line description that names the offending field by its JSON path.
    var fixtureDescription: String {
        switch self {
        case .keyNotFound(let key, let context):
            return "\(Self.path(context.codingPath + [key])): missing required field '\(key.stringValue)'"
        case .typeMismatch(let type, let context):
            return "\(Self.path(context.codingPath)): wrong type, expected \(Self.jsonTypeName(type))"
        case .valueNotFound(let type, let context):
            return "\(Self.path(context.codingPath)): null where \(Self.jsonTypeName(type)) is required"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                return "not valid JSON: \(context.underlyingError.map { "\($0)" } ?? context.debugDescription)"
            }
            return "\(Self.path(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "\(self)"
        }
    }

    /// Renders a coding path as `models[0].jobs[1].status`.
    static func path(_ codingPath: [any CodingKey]) -> String {
        var result = ""
        for key in codingPath {
            if let index = key.intValue {
                result += "[\(index)]"
            } else {
                result += result.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return result.isEmpty ? "(top level)" : result
    }

    private static func jsonTypeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "a boolean"
        case is Int.Type: return "an integer"
        case is Double.Type: return "a number"
        case is [Any].Type: return "an array"
        default: return "\(type)"
        }
    }
}

extension KeyedDecodingContainer {
    /// Decodes an optional value, falling back to `fallback` when absent or null.
    func value<T: Decodable>(_ key: Key, default fallback: T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? fallback
    }
}
