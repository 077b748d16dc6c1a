import Foundation
import LedgerCore
import Testing

/// Every HTTP exchange a test had with the ledger service, for `scripts/check-openapi.py` (each answer
/// against the OpenAPI document) and for the secret scan (no answer carries a secret).
public final class ServiceExchanges: @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [JSONValue] = []
    private var bodies: [(String, Data)] = []

    public init() {}

    /// The repository's root (for docs/openapi.json and scripts/).
    public static let repositoryRoot: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// docs/openapi.json.
    public static var documentPath: String { repositoryRoot + "/docs/openapi.json" }

    /// Records `response` to `method target` (the query is dropped; the script finds the path's template).
    public func record(_ method: String, _ target: String, _ response: LoopbackHTTPResponse) {
        var headers: [String: JSONValue] = [:]
        for (name, value) in response.headers { headers[name] = .string(value) }
        let path = String(target.prefix { $0 != "?" })
        let exchange: JSONValue = [
            "method": .string(method), "path": .string(path), "status": .integer(Int64(response.status)),
            "content_type": .string(response.header("Content-Type") ?? ""), "headers": .object(headers),
            "body": .string(response.text),
        ]
        lock.withLock {
            recorded.append(exchange)
            bodies.append(("\(method) \(target) → \(response.status)", response.body))
        }
    }

    /// Sends `method target` with `client` and records the exchange.
    @discardableResult
    public func send(
        _ client: LoopbackHTTPClient, _ method: String, _ target: String, token: String?, json: String? = nil,
        headers: [(String, String)] = []
    ) throws -> LoopbackHTTPResponse {
        let response = try client.send(method, target, token: token, json: json, headers: headers)
        record(method, target, response)
        return response
    }

    /// How many exchanges so far.
    public var count: Int { lock.withLock { recorded.count } }

    /// Every answer's body, named by its request.
    public var responseBodies: [(String, Data)] { lock.withLock { bodies } }

    /// The recorded exchanges as a JSON array (the script's input).
    public func json() -> String { lock.withLock { JSONValue.array(recorded).prettyPrinted() } }

    /// Runs `scripts/check-openapi.py` on docs/openapi.json and these exchanges (`requireCoverage`:
    /// every documented operation must have one). Returns the script's result; the Python modules
    /// missing is a loud skip (a failure under CI), as `RequiredTool` does for a tool.
    public func checkAgainstDocument(requireCoverage: Bool = false, sourceLocation: SourceLocation = #_sourceLocation) throws -> ProcessResult? {
        let directory = TemporaryDirectory(prefix: "model-ledger-openapi")
        let file = directory.file("exchanges.json")
        try Data(json().utf8).write(to: URL(fileURLWithPath: file))
        return try Self.runChecker(["--exchanges", file] + (requireCoverage ? ["--require-coverage"] : []), sourceLocation: sourceLocation)
    }

    /// Runs `python3 scripts/check-openapi.py DOC ARGS…`; nil (after a loud skip or a recorded failure
    /// under CI) when python3 or its modules are missing.
    public static func runChecker(_ arguments: [String], document: String = documentPath, sourceLocation: SourceLocation = #_sourceLocation) throws
        -> ProcessResult?
    {
        guard RequiredTool.available("python3", for: "checking the OpenAPI document (scripts/check-openapi.py)", sourceLocation: sourceLocation)
        else { return nil }
        let result = try SystemTool.run("python3", [repositoryRoot + "/scripts/check-openapi.py", document] + arguments)
        if result.exitCode == 3 {
            let message =
                RequiredTool.inCI
                ? "MISSING in CI: python3's jsonschema and openapi_spec_validator (scripts/install-deps.sh): \(result.stderr)"
                : "SKIPPED: python3's jsonschema/openapi_spec_validator are missing, so the OpenAPI check did NOT run (fails under CI=true)"
            Issue.record(Comment(rawValue: message), severity: RequiredTool.inCI ? .error : .warning, sourceLocation: sourceLocation)
            if !RequiredTool.inCI { FileHandle.standardError.write(Data("\(message)\n".utf8)) }
            return nil
        }
        return result
    }
}

/// Looks for secrets (bearer tokens, API keys, HMAC keys: raw, hex, base64) in bytes.
public struct ServiceSecretScan: Sendable {
    /// name → bytes to look for.
    public private(set) var secrets: [(name: String, bytes: Data)] = []

    public init() {}

    /// Adds `value` (text) under `name`, with its base64 form.
    public mutating func add(_ name: String, text value: String) {
        secrets.append((name, Data(value.utf8)))
        secrets.append(("\(name) (base64)", Data(Data(value.utf8).base64EncodedString().utf8)))
    }

    /// Adds a token: as it is, without its `mlt_` prefix, and base64.
    public mutating func addToken(_ name: String, _ token: String) {
        add("token of \(name)", text: token)
        if token.hasPrefix("mlt_") { secrets.append(("token of \(name) (hex part)", Data(token.dropFirst(4).utf8))) }
    }

    /// Adds an HMAC key given as 64 hex digits: hex (both cases), raw bytes and base64 of the raw bytes.
    public mutating func addHMACKey(hex: String) {
        secrets.append(("HMAC key (hex)", Data(hex.lowercased().utf8)))
        secrets.append(("HMAC key (HEX)", Data(hex.uppercased().utf8)))
        if let raw = Hex.decodeLowercase(hex.lowercased()) {
            secrets.append(("HMAC key (raw bytes)", Data(raw)))
            secrets.append(("HMAC key (base64)", Data(Data(raw).base64EncodedString().utf8)))
        }
    }

    /// Adds everything `service` holds: every user's token, every API key, every HMAC key.
    public mutating func addEverything(of service: ServiceProcess) {
        for user in service.users.values { addToken(user.name, user.token) }
        for (model, key) in service.apiKeys { add("API key of \(model)", text: key) }
        for hex in service.hmacKeysHex() { addHMACKey(hex: hex) }
    }

    /// "<secret> in <where>" for every hit.
    public func hits(in haystacks: [(String, Data)]) -> [String] {
        var found: [String] = []
        for (place, bytes) in haystacks {
            for secret in secrets where bytes.range(of: secret.bytes) != nil { found.append("\(secret.name) in \(place)") }
        }
        return found
    }

    /// The usual places of a service run: every recorded answer, every log file of the service, the
    /// database (main file and WAL), the `ledger export` bundle of it, and `extra` captured outputs.
    public func hits(service: ServiceProcess, exchanges: ServiceExchanges?, extra: [(String, String)] = []) throws -> [String] {
        var haystacks: [(String, Data)] = exchanges?.responseBodies ?? []
        for path in service.logPaths { haystacks.append((path, FileManager.default.contents(atPath: path) ?? Data())) }
        haystacks.append(("the database and its WAL", service.databaseBytes()))
        let export = try Binaries.ledger(["export", "--out", "-", "--db", service.dbPath, "--key-file", service.keyPath])
        haystacks.append(("ledger export (exit \(export.exitCode))", Data(export.allOutput.utf8)))
        haystacks += extra.map { ($0.0, Data($0.1.utf8)) }
        return hits(in: haystacks)
    }
}

/// The service's error envelope: `{"error": {"code", "message", "exit_code"}}`.
public struct ServiceErrorEnvelope: Sendable, Equatable {
    /// The code word (`unauthorized`, `bad_request`, …).
    public let code: String
    /// The one-line message.
    public let message: String
    /// The exit code the CLI would have.
    public let exitCode: Int64

    /// The envelope of `response`, nil when its body is not exactly that shape.
    public init?(_ response: LoopbackHTTPResponse) {
        guard let document = try? JSONValue(parsing: response.text), case .object(let top) = document, top.count == 1,
            case .object(let error)? = top["error"], let code = error["code"]?.stringValue, let message = error["message"]?.stringValue,
            let exitCode = error["exit_code"]?.integerValue
        else { return nil }
        self.code = code
        self.message = message
        self.exitCode = exitCode
    }
}
