import EPAClient
import Foundation
import HTTPTypes
import Hummingbird
import LedgerCore
import LedgerPresentation
import NIOCore

/// A JSON request body, read within the limit and parsed strictly (duplicate members, bad UTF-8,
/// trailing bytes: 400); only the members a route names are accepted, and never `actor`.
struct JSONBody {
    let members: [String: JSONValue]

    static func read(_ request: Request, limit: Int, allowed: Set<String>) async throws -> JSONBody {
        let bytes = try await readBytes(request, limit: limit)
        let value: JSONValue
        do {
            value = try JSONValue(parsing: bytes)
        } catch {
            throw ErrorPresentation.badRequest("the request body is not valid JSON: \(error)")
        }
        guard let members = value.objectValue else { throw ErrorPresentation.badRequest("the request body must be a JSON object") }
        if members["actor"] != nil {
            throw ErrorPresentation.badRequest("the body must not name an actor: the service records the authenticated user")
        }
        if let unknown = members.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw ErrorPresentation.badRequest("unknown member \"\(Identifier.escaped(String(unknown.prefix(64))))\" in the request body")
        }
        return JSONBody(members: members)
    }

    /// The body's bytes, at most `limit` (413 beyond, checked on Content-Length first).
    static func readBytes(_ request: Request, limit: Int) async throws -> [UInt8] {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw ErrorPresentation.payloadTooLarge("the request body is larger than \(limit) bytes")
        }
        var request = request
        do {
            let buffer = try await request.collectBody(upTo: limit)
            return Array(buffer.readableBytesView)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw ErrorPresentation.payloadTooLarge("the request body is larger than \(limit) bytes")
        }
    }

    func string(_ key: String, required: Bool = true) throws -> String? {
        switch members[key] {
        case nil, .null?:
            if required { throw ErrorPresentation.badRequest("missing member \"\(key)\"") }
            return nil
        case .string(let text)?: return text
        default: throw ErrorPresentation.badRequest("member \"\(key)\" must be a string")
        }
    }

    func integer(_ key: String, required: Bool = true) throws -> Int64? {
        switch members[key] {
        case nil, .null?:
            if required { throw ErrorPresentation.badRequest("missing member \"\(key)\"") }
            return nil
        case .integer(let value)?: return value
        default: throw ErrorPresentation.badRequest("member \"\(key)\" must be an integer")
        }
    }

    func bool(_ key: String) throws -> Bool {
        switch members[key] {
        case nil, .null?: return false
        case .bool(let value)?: return value
        default: throw ErrorPresentation.badRequest("member \"\(key)\" must be true or false")
        }
    }
}

/// Checks of what callers send, with the CLI's rules (exit 64 → 400).
enum Checks {
    static func name(_ text: String, what: String) throws -> String {
        if let problem = Identifier.problem(with: text) {
            throw ErrorPresentation.badRequest("\(what) \"\(Identifier.escaped(String(text.prefix(200))))\" is not accepted: \(problem)")
        }
        return text
    }

    static func jobID(_ text: String) throws -> String {
        if let problem = RetrainJobID.problem(with: text) { throw ErrorPresentation.badRequest("retrain job id refused: \(problem)") }
        return text
    }

    static func reason(_ text: String) throws -> String {
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw ErrorPresentation.badRequest("reason must not be empty") }
        guard text.utf8.count <= 16 * 1024 else { throw ErrorPresentation.badRequest("reason is longer than 16384 bytes") }
        return text
    }

    static func seq(_ value: Int64, what: String = "seq") throws -> Int64 {
        guard value > 0 else { throw ErrorPresentation.badRequest("\(what) must be a positive integer") }
        return value
    }

    /// `Ledger-Request-ID`: ≤ 64 of `[A-Za-z0-9._-]`.
    static func requestID(_ text: String) throws -> String {
        guard !text.isEmpty, text.utf8.count <= 64,
            text.utf8.allSatisfy({
                ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2E || $0 == 0x5F || $0 == 0x2D
            })
        else { throw ErrorPresentation.badRequest("Ledger-Request-ID must be 1 to 64 characters of A-Z a-z 0-9 . _ -") }
        return text
    }
}
