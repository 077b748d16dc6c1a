import Foundation
import LedgerCore
import TOMLKit

/// A policy read from a file: the parsed policy and the file's name (recorded in `policy.set`).
public struct LoadedPolicy: Sendable, Equatable {
    /// The parsed, merged policy.
    public var policy: ApprovalPolicy
    /// The file's name (last path component), as recorded in `policy.set` `details.source`.
    public var source: String

    /// A policy and where it came from.
    public init(policy: ApprovalPolicy, source: String) {
        self.policy = policy
        self.source = source
    }
}

/// Why a policy file could not be used (a configuration error): the file, the line when known, what is wrong.
public struct PolicyFileError: Error, Sendable, Equatable, LocalizedError {
    /// The file.
    public var path: String
    /// The 1-based line the problem is on, when known.
    public var line: Int?
    /// What is wrong (naming the key when it is about one).
    public var reason: String

    public var errorDescription: String? {
        "policy file \(path)\(line.map { " line \($0)" } ?? ""): \(reason)"
    }
}

/// Reads the approval policy file (TOML, docs/policy.md): `[default]` and `[models.NAME]` tables.
///
/// The TOML is parsed with TOMLKit and handed to ``ApprovalPolicy/init(json:)`` (the rules live in
/// LedgerCore); errors name the key and, when it can be found, the line.
public enum PolicyFile {
    /// The largest policy file read (a policy is a few lines).
    public static let maximumBytes = 256 * 1024

    /// Loads and parses the policy at `path`.
    public static func load(path: String) throws(PolicyFileError) -> LoadedPolicy {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw PolicyFileError(path: path, line: nil, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw PolicyFileError(path: path, line: nil, reason: "is a directory") }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw PolicyFileError(path: path, line: nil, reason: "cannot be read")
        }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: maximumBytes + 1)) ?? nil ?? Data()
        guard data.count <= maximumBytes else {
            throw PolicyFileError(path: path, line: nil, reason: "is larger than \(maximumBytes) bytes")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw PolicyFileError(path: path, line: nil, reason: "is not UTF-8 text")
        }
        let policy = try parse(text, path: path)
        return LoadedPolicy(policy: policy, source: (path as NSString).lastPathComponent)
    }

    /// Parses policy text (`path` only names it in errors).
    public static func parse(_ text: String, path: String) throws(PolicyFileError) -> ApprovalPolicy {
        guard !text.unicodeScalars.contains(where: { $0.value == 0 }) else {
            throw PolicyFileError(path: path, line: nil, reason: "contains a NUL character")
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw PolicyFileError(path: path, line: error.source.begin.line, reason: "not valid TOML: \(error.description)")
        } catch {
            throw PolicyFileError(path: path, line: nil, reason: "not valid TOML")
        }
        do {
            let json = try convert(table, path: "")
            return try ApprovalPolicy(json: json)
        } catch let error as ApprovalPolicyError {
            throw PolicyFileError(path: path, line: line(of: error.key, in: text), reason: error.description)
        } catch {
            throw PolicyFileError(path: path, line: nil, reason: "\(error)")
        }
    }

    /// A TOML value as JSON (tables, arrays, strings, integers, booleans); other types are refused, naming the key.
    private static func convert(_ value: any TOMLValueConvertible, path: String) throws -> JSONValue {
        switch value.type {
        case .table:
            guard let table = value.table else { throw ApprovalPolicyError(key: path, reason: "unreadable table") }
            var object: [String: JSONValue] = [:]
            for key in table.keys {
                guard let child = table[key] else { continue }
                object[key] = try convert(child, path: path.isEmpty ? key : "\(path).\(key)")
            }
            return .object(object)
        case .array:
            guard let array = value.array else { throw ApprovalPolicyError(key: path, reason: "unreadable array") }
            return .array(try array.map { try convert($0, path: path) })
        case .string:
            return .string(value.string ?? "")
        case .int:
            guard let i = value.int else { throw ApprovalPolicyError(key: path, reason: "unreadable integer") }
            return .integer(Int64(i))
        case .bool:
            return .bool(value.bool ?? false)
        default:
            throw ApprovalPolicyError(key: path, reason: "a \(value.type) is not allowed here")
        }
    }

    /// The line of `key` (a dotted path such as `models.churn.approval_ttl`) in `text`, when it is
    /// written the plain way (a `[table]` header, then `key = value`); nil otherwise.
    static func line(of key: String, in text: String) -> Int? {
        guard !key.isEmpty else { return nil }
        func normalize(_ header: String) -> String {
            header.replacingOccurrences(of: "\"", with: "").replacingOccurrences(of: "'", with: "")
                .split(separator: ".").map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ".")
        }
        var table = ""
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("["), let close = line.firstIndex(of: "]") {
                table = normalize(String(line[line.index(after: line.startIndex)..<close]))
                if table == key { return index + 1 }
                continue
            }
            guard let equals = line.firstIndex(of: "=") else { continue }
            let name = normalize(String(line[..<equals]))
            let full = table.isEmpty ? name : "\(table).\(name)"
            if full == key { return index + 1 }
        }
        return nil
    }
}
