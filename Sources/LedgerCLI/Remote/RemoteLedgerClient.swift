import AsyncHTTPClient
import EPAClient
import Foundation
import LedgerCore
import LedgerPresentation
import LedgerWorkflows
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// What the ledger service answered: status, headers and the body (complete, at most the call's limit).
struct RemoteResponse: Sendable {
    /// The HTTP status.
    var status: Int
    /// The response headers.
    var headers: HTTPHeaders
    /// The body's bytes.
    var body: [UInt8]

    /// The `Ledger-Exit-Code` header, when it names a documented exit code.
    var ledgerExitCode: LedgerExitCode? {
        guard let text = headers.first(name: RemoteLedgerClient.exitCodeHeader), let value = Int32(text) else { return nil }
        return LedgerExitCode(rawValue: value)
    }
}

/// Why a call to the ledger service did not give an answer to act on.
enum RemoteCallError: Error, Sendable {
    /// The connection was never made (refused, DNS, TLS): nothing was sent.
    case unreachable(reason: String)
    /// The connection broke, or the deadline passed, after the request may have been sent.
    case lost(reason: String)
    /// The answer broke a rule of the service's API (too large, no exit-code header, not JSON, a redirect).
    case hostile(reason: String)
    /// The service answered with its error envelope.
    case service(code: String, message: String, exitCode: LedgerExitCode)

    /// The exit code and message the CLI reports (never 70 for what a server sent).
    var cliError: CLIError {
        switch self {
        case .unreachable(let reason):
            CLIError(message: "cannot reach the ledger service: \(reason)", exitCode: .ledgerError)
        case .lost(let reason):
            CLIError(message: "the connection to the ledger service was lost: \(reason)", exitCode: .ledgerError)
        case .hostile(let reason):
            CLIError(message: "the ledger service's answer is not usable: \(reason)", exitCode: .ledgerError)
        case .service(_, let message, let exitCode):
            CLIError(message: message, exitCode: exitCode)
        }
    }
}

/// The HTTP client of the ledger service (remote mode): bearer token, JSON in and out, a deadline per
/// call, no redirects, no retries, answers capped. On its own one-thread event loop, like ``EPAClient``.
///
/// Call ``shutdown()`` when done (``withClient(_:)`` does).
final class RemoteLedgerClient: Sendable {
    /// The response header that carries the exit code of a document.
    static let exitCodeHeader = "Ledger-Exit-Code"
    /// The request header naming a switch (client-chosen), recorded by the service.
    static let requestIDHeader = "Ledger-Request-ID"
    /// The largest answer read into memory (documents, error bodies): 64 MiB.
    static let defaultBodyLimit = 64 << 20
    /// The default deadline of one call, above the service's own (120 s) so its 504 arrives first.
    static let defaultTimeout: Double = 150
    /// The connect deadline.
    static let connectTimeout: Double = 10

    /// The service's URL without trailing slashes.
    let baseURL: String
    private let token: String
    private let group: MultiThreadedEventLoopGroup
    private let http: HTTPClient

    /// A client of `baseURL` (checked by ``RemoteOptions/checkServer(_:)``) with `token`; `caFile` adds CA certificates.
    init(baseURL: String, token: String, caFile: ResolvedSetting?) throws {
        self.baseURL = baseURL
        self.token = token
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: HTTPClient.Configuration.Timeout(connect: .seconds(Int64(Self.connectTimeout))))
        configuration.connectionPool.retryConnectionEstablishment = false
        if let caFile {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.additionalTrustRoots = [.certificates(try Self.loadCAFile(caFile))]
            configuration.tlsConfiguration = tls
        }
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        self.http = HTTPClient(eventLoopGroupProvider: .shared(group), configuration: configuration)
    }

    /// Shuts the client and its event loop down; call once.
    func shutdown() async {
        try? await http.shutdown()
        try? await group.shutdownGracefully()
    }

    /// Runs `body` with `client`, shutting it down afterwards whether `body` returns or throws.
    static func with<T>(_ client: RemoteLedgerClient, _ body: (RemoteLedgerClient) async throws -> T) async throws -> T {
        do {
            let result = try await body(client)
            await client.shutdown()
            return result
        } catch {
            await client.shutdown()
            throw error
        }
    }

    // MARK: - Calls

    /// Sends one request and returns the answer as it came (any status), the body at most `bodyLimit` bytes.
    ///
    /// - Throws: ``RemoteCallError``: `.unreachable` (nothing sent), `.lost` (broken or timed out after sending),
    ///   `.hostile` (a body over `bodyLimit`, a redirect).
    func send(
        _ method: HTTPMethod, _ path: String, query: [(String, String)] = [], json: JSONValue? = nil,
        body: HTTPClientRequest.Body? = nil, contentType: String? = nil, headers extra: [(String, String)] = [],
        timeout: Double = defaultTimeout, bodyLimit: Int = defaultBodyLimit
    ) async throws(RemoteCallError) -> RemoteResponse {
        var request = HTTPClientRequest(url: url(path, query: query))
        request.method = method
        request.headers.add(name: "accept", value: "application/json")
        request.headers.add(name: "user-agent", value: "model-ledger/\(LedgerVersion.current)")
        request.headers.add(name: "authorization", value: "Bearer \(token)")
        for (name, value) in extra { request.headers.add(name: name, value: value) }
        if let json {
            let bytes = Array(json.prettyPrinted(indent: "").utf8)
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: bytes))
        } else if let body {
            request.headers.add(name: "content-type", value: contentType ?? "application/octet-stream")
            request.body = body
        }
        return try await exchange(request, timeout: timeout) { response in
            var collected: [UInt8] = []
            for try await chunk in response.body {
                guard chunk.readableBytes <= bodyLimit - collected.count else {
                    throw RemoteCallError.hostile(reason: "its body is larger than \(bodyLimit) bytes (HTTP \(response.status.code)); refused")
                }
                collected += chunk.readableBytesView
            }
            return RemoteResponse(status: Int(response.status.code), headers: response.headers, body: collected)
        }
    }

    /// Sends a GET whose successful answer is streamed into `sink` (a report, a bundle) instead of memory.
    /// Answers other than 200 with a valid exit-code header are read like ``send(_:_:query:json:body:contentType:headers:timeout:bodyLimit:)``.
    /// Returns the answer with the body empty when it was streamed.
    func stream(
        _ path: String, query: [(String, String)], timeout: Double, into sink: @escaping @Sendable (ByteBuffer) throws -> Void
    ) async throws(RemoteCallError) -> (response: RemoteResponse, streamed: Bool) {
        var request = HTTPClientRequest(url: url(path, query: query))
        request.method = .GET
        request.headers.add(name: "user-agent", value: "model-ledger/\(LedgerVersion.current)")
        request.headers.add(name: "authorization", value: "Bearer \(token)")
        let limit = Self.defaultBodyLimit
        return try await exchange(request, timeout: timeout) { response in
            let head = RemoteResponse(status: Int(response.status.code), headers: response.headers, body: [])
            let streams = head.status == 200 && head.ledgerExitCode != nil
            var collected: [UInt8] = []
            for try await chunk in response.body {
                if streams {
                    try sink(chunk)
                } else {
                    guard chunk.readableBytes <= limit - collected.count else {
                        throw RemoteCallError.hostile(reason: "its body is larger than \(limit) bytes (HTTP \(response.status.code)); refused")
                    }
                    collected += chunk.readableBytesView
                }
            }
            var answer = head
            answer.body = collected
            return (answer, streams)
        }
    }

    /// The URL of `path` (starting with `/`) with `query` percent-encoded.
    func url(_ path: String, query: [(String, String)] = []) -> String {
        guard !query.isEmpty else { return baseURL + path }
        return baseURL + path + "?" + query.map { Self.percentEncode($0) + "=" + Self.percentEncode($1) }.joined(separator: "&")
    }

    /// RFC 3986 unreserved characters kept, every other byte `%XX`.
    static func percentEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }

    // MARK: - The exchange

    private enum Race<T: Sendable>: Sendable {
        case done(Result<T, RemoteCallError>)
        case timerFired
        case timerCancelled
    }

    /// Executes `request` and reads its answer with `read`, all within `timeout` seconds.
    private func exchange<T: Sendable>(
        _ request: HTTPClientRequest, timeout: Double, read: @escaping @Sendable (HTTPClientResponse) async throws -> T
    ) async throws(RemoteCallError) -> T {
        let http = self.http
        let deadline = NIODeadline.now() + .nanoseconds(Int64(timeout * 1_000_000_000))
        let outcome: Result<T, RemoteCallError> = await withTaskGroup(of: Race<T>.self) { group in
            group.addTask {
                do {
                    let response = try await http.execute(request, deadline: deadline)
                    if (300..<400).contains(Int(response.status.code)) {
                        let location = response.headers.first(name: "location").map { " to \(DisplayText.terminal(String($0.prefix(200))))" } ?? ""
                        return .done(
                            .failure(
                                .hostile(reason: "it is a redirect (HTTP \(response.status.code)\(location)); redirects are not followed: check --server")))
                    }
                    return .done(.success(try await read(response)))
                } catch let error as RemoteCallError {
                    return .done(.failure(error))
                } catch {
                    return .done(.failure(Self.transportError(error, timeout: timeout)))
                }
            }
            group.addTask {
                do {
                    try await Task.sleep(for: .seconds(timeout))
                    return .timerFired
                } catch {
                    return .timerCancelled
                }
            }
            var result: Result<T, RemoteCallError>?
            for await event in group {
                switch event {
                case .done(let value):
                    if result == nil { result = value }
                    group.cancelAll()
                case .timerFired:
                    if result == nil {
                        result = .failure(.lost(reason: "no complete answer within \(Int(timeout)) s"))
                        group.cancelAll()
                    }
                case .timerCancelled:
                    break
                }
            }
            return result ?? .failure(.lost(reason: "no answer"))
        }
        return try outcome.get()
    }

    /// A transport failure: `.unreachable` when nothing can have been sent, else `.lost`.
    static func transportError(_ error: any Error, timeout: Double) -> RemoteCallError {
        if let error = error as? HTTPClientError {
            if error == .deadlineExceeded || error == .readTimeout || error == .writeTimeout {
                return .lost(reason: "no complete answer within \(Int(timeout)) s")
            }
            if error == .connectTimeout || error == .tlsHandshakeTimeout || error == .getConnectionFromPoolTimeout {
                return .unreachable(reason: "the connection timed out after \(Int(connectTimeout)) s")
            }
            if error == .remoteConnectionClosed {
                return .lost(reason: "the service closed the connection before a complete answer")
            }
            if error == .cancelled { return .lost(reason: "cancelled") }
        }
        if let reason = tlsFailure(error) { return .unreachable(reason: reason) }
        if let error = error as? ChannelError, case .connectTimeout = error {
            return .unreachable(reason: "the connection timed out after \(Int(connectTimeout)) s")
        }
        let text = DisplayText.terminal(String(String(describing: error).prefix(400)))
        if text.contains("Connection refused") || text.contains("ECONNREFUSED") || error is NIOConnectionError {
            return .unreachable(reason: "connection refused (\(text)); is `ledger serve` running at this address?")
        }
        if text.contains("Connection reset") || text.contains("ECONNRESET") || text.contains("Broken pipe") {
            return .lost(reason: "connection reset by the service (\(text))")
        }
        if error is ChannelError || error is IOError {
            return .lost(reason: text)
        }
        return .unreachable(reason: text)
    }

    /// A readable TLS failure (before any request byte was sent), else nil.
    static func tlsFailure(_ error: any Error) -> String? {
        if let error = error as? NIOSSLExtraError {
            if error == .failedToValidateHostname {
                return "TLS handshake failed: the service's certificate is not valid for the host in --server - nothing was sent"
            }
            return "TLS failed: \(DisplayText.terminal(String(describing: error))) - nothing was sent"
        }
        if let error = error as? NIOSSLError {
            let text = DisplayText.terminal(String(String(describing: error).prefix(400)))
            if text.contains("CERTIFICATE_VERIFY_FAILED") {
                return "TLS handshake failed: the service's certificate was not accepted (CERTIFICATE_VERIFY_FAILED): expired, not yet valid, "
                    + "or not issued by a CA this client trusts (the system roots, plus --ca-file / LEDGER_CA_FILE) - nothing was sent"
            }
            return "TLS handshake failed: \(text) - nothing was sent"
        }
        return nil
    }

    /// The PEM certificates of the CA file (exit 78 when it is unusable).
    static func loadCAFile(_ setting: ResolvedSetting) throws -> [NIOSSLCertificate] {
        let shown = "\(setting.source.origin ?? "--ca-file"): CA file \(DisplayText.terminal(setting.value))"
        guard let handle = FileHandle(forReadingAtPath: setting.value) else {
            throw CLIError(message: "\(shown) cannot be opened for reading", exitCode: .configError)
        }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: EPAConfiguration.caFileLimit + 1)) ?? Data()
        guard data.count <= EPAConfiguration.caFileLimit else {
            throw CLIError(message: "\(shown) is larger than \(EPAConfiguration.caFileLimit) bytes", exitCode: .configError)
        }
        guard let certificates = try? NIOSSLCertificate.fromPEMBytes(Array(data)), !certificates.isEmpty else {
            throw CLIError(message: "\(shown) holds no PEM certificate (-----BEGIN CERTIFICATE-----)", exitCode: .configError)
        }
        return certificates
    }
}
