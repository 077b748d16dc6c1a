import AsyncHTTPClient
import Foundation
import LedgerPrimitives
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// Client of the Easy Predictive Analytics retrain API (upload URL, upload, status, model switch).
///
/// Each call returns an ``EPACall`` record; service problems (refusals, timeouts, broken
/// connections, malformed answers) never throw. Methods throw only for caller mistakes,
/// before any network I/O: an invalid retrain job id, API key, file name, upload URL or file.
/// Nothing is retried automatically (the switch is not assumed to be idempotent).
///
/// Call ``shutdown()`` before the client is released.
public final class EPAClient: Sendable {
    /// The configuration this client was made with.
    public let configuration: EPAConfiguration
    /// The base URL in use (no trailing slash).
    public let baseURL: String
    private let http: LazyHTTPClient

    /// Creates a client; throws for an insecure or invalid base URL or out-of-range settings.
    public init(configuration: EPAConfiguration = EPAConfiguration()) throws(EPAError) {
        self.baseURL = try configuration.validate()
        self.configuration = configuration
        var httpConfiguration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: HTTPClient.Configuration.Timeout(connect: Self.timeAmount(configuration.connectTimeout))
        )
        httpConfiguration.connectionPool.retryConnectionEstablishment = false
        if let caFile = configuration.caFile {
            // The system roots stay trusted; the file's certificates are added. Verification is never relaxed.
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.additionalTrustRoots = [.certificates(try EPATLS.loadCAFile(caFile))]
            httpConfiguration.tlsConfiguration = tls
        }
        self.http = LazyHTTPClient(configuration: httpConfiguration)
    }

    /// Shuts the underlying HTTP client down; call exactly once, when done.
    public func shutdown() async throws {
        try await http.shutdown()
    }

    /// The identifier recorded for an API key: the first 16 lowercase hex digits of SHA-256 of its UTF-8 bytes
    /// (`"unavailable"` if hashing fails).
    public static func apiKeyID(_ key: String) -> String {
        guard let hex = try? Digest.sha256Hex(key) else { return "unavailable" }
        return String(hex.prefix(16))
    }

    // MARK: - Endpoints

    /// Retrain Model Switch API: `PUT {base}/retrain_jobs/{id}/update_model`.
    ///
    /// Succeeds only when the answer's `metadata.retrain_job_id` equals `retrainJobID`;
    /// otherwise the record is `.failed` with ``EPAError/jobIDMismatch(expected:received:)``.
    public func switchModel(retrainJobID: String, apiKey: String) async throws(EPAError) -> EPACall<SwitchResponse> {
        try RetrainJobID.validate(retrainJobID)
        try Self.checkAPIKey(apiKey)
        let url = "\(baseURL)/retrain_jobs/\(retrainJobID)/update_model"
        return await call(
            method: .PUT, url: url, recordURL: url, apiKey: apiKey, body: nil, timeout: configuration.requestTimeout
        ) { _, body in
            ResponseDecoding.switchResponse(body, expectedJobID: retrainJobID)
        }
    }

    /// Retrain Status Check API: `GET {base}/retrain_jobs/{id}`.
    public func status(retrainJobID: String, apiKey: String) async throws(EPAError) -> EPACall<StatusResponse> {
        try RetrainJobID.validate(retrainJobID)
        try Self.checkAPIKey(apiKey)
        let url = "\(baseURL)/retrain_jobs/\(retrainJobID)"
        var record = await call(
            method: .GET, url: url, recordURL: url, apiKey: apiKey, body: nil, timeout: configuration.requestTimeout
        ) { _, body in
            ResponseDecoding.statusResponse(body, expectedJobID: retrainJobID)
        }
        // What the answer says is recorded (status, message): an echoed key never is.
        if var response = record.response {
            response.status = Self.redact(response.status, key: apiKey)
            response.message = response.message.map { Self.redact($0, key: apiKey) }
            record.response = response
        }
        return record
    }

    /// Retrain Data Upload API, first step: `GET {base}/retrain_jobs/upload_url?filename=NAME`.
    ///
    /// `filename` is a file name, not a path; it is percent-encoded. A returned
    /// `retrain_job_id` that fails ``RetrainJobID/validate(_:)`` makes the answer malformed.
    ///
    /// The presigned upload URL is a bearer capability: it is in ``EPACall/response`` (to upload to),
    /// but never in ``EPACall/responseBody`` or ``EPACall/error``, where the value of every `upload_url`
    /// member, and the URL and its token parts wherever else they appear (in any encoding), read
    /// ``SecretRedaction/uploadURLMarker``.
    public func uploadURL(filename: String, apiKey: String) async throws(EPAError) -> EPACall<UploadURLResponse> {
        try Self.checkFilename(filename)
        try Self.checkAPIKey(apiKey)
        let url = "\(baseURL)/retrain_jobs/upload_url?filename=\(Self.percentEncode(filename))"
        return await call(
            method: .GET, url: url, recordURL: url, apiKey: apiKey, body: nil, timeout: configuration.requestTimeout
        ) { _, body in
            ResponseDecoding.uploadURLResponse(body)
        }
    }

    /// Retrain Data Upload API, second step: `PUT` the bytes of the file at `path` to `uploadURL`.
    ///
    /// No API key is sent (the URL is presigned-style). The record's URL keeps only the URL's origin
    /// (``redactUploadURL(_:)``); the URL and its token parts never appear in the record's body or error.
    /// Any 2xx answer is success; its body is not interpreted. The deadline is ``EPAConfiguration/uploadTimeout``.
    public func upload(fileAt path: String, to uploadURL: String) async throws(EPAError) -> EPACall<UploadResponse> {
        do {
            try EPAConfiguration.checkUploadURL(uploadURL)
        } catch {
            throw Self.redact(error, secrets: SecretRedaction.urlSecrets(uploadURL, marker: SecretRedaction.uploadURLMarker))
        }
        let (chunks, size) = try FileChunks.open(path)
        return await call(
            method: .PUT, url: uploadURL, recordURL: Self.redactUploadURL(uploadURL), apiKey: nil,
            body: .stream(chunks, length: .known(size)), timeout: configuration.uploadTimeout,
            secrets: SecretRedaction.urlSecrets(uploadURL, marker: SecretRedaction.uploadURLMarker)
        ) { headers, _ in
            .success(UploadResponse(etag: headers.first(name: "etag")))
        }
    }

    // MARK: - Caller-input checks

    /// The fewest characters an API key may have. Shorter keys are refused: recorded text is redacted of
    /// every occurrence of the key, which for a one- to seven-character key would mangle ordinary words.
    public static let minimumAPIKeyLength = 8

    /// Throws ``EPAError/malformedAPIKey(reason:)`` unless `key` is 8…4096 printable ASCII characters
    /// without spaces. The reason never shows the key.
    public static func checkAPIKey(_ key: String) throws(EPAError) {
        if key.isEmpty { throw .malformedAPIKey(reason: "it is empty") }
        if key.utf8.count > 4096 { throw .malformedAPIKey(reason: "it is longer than 4096 bytes") }
        for (offset, scalar) in key.unicodeScalars.enumerated() where !(0x21...0x7E).contains(scalar.value) {
            throw .malformedAPIKey(
                reason: "it contains a space, control or non-ASCII character at position \(offset + 1); an API key is printable ASCII")
        }
        if key.utf8.count < minimumAPIKeyLength {
            throw .malformedAPIKey(
                reason:
                    "the API key is too short: it has \(key.utf8.count) character\(key.utf8.count == 1 ? "" : "s"), at least \(minimumAPIKeyLength) are required"
            )
        }
    }

    /// Throws ``EPAError/invalidFilename(reason:)`` unless `name` is a plain file name:
    /// non-empty, at most 1024 UTF-8 bytes, no `/` or `\`, not `.` or `..`, no control characters.
    public static func checkFilename(_ name: String) throws(EPAError) {
        if name.isEmpty { throw .invalidFilename(reason: "it is empty") }
        if name.utf8.count > 1024 { throw .invalidFilename(reason: "it is longer than 1024 bytes") }
        if name == "." || name == ".." { throw .invalidFilename(reason: "it is \"\(name)\", not a file name") }
        for (offset, scalar) in name.unicodeScalars.enumerated() {
            if scalar == "/" || scalar == "\\" {
                throw .invalidFilename(
                    reason: "it contains \(RetrainJobID.describe(scalar)) at position \(offset + 1); pass a file name, not a path")
            }
            if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
                || scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .format
            {
                throw .invalidFilename(
                    reason: "it contains the control character \(RetrainJobID.describe(scalar)) at position \(offset + 1)")
            }
        }
    }

    static func percentEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }

    /// What is recorded of a presigned upload URL: its scheme and authority, then the marker
    /// (`https://bucket.example/[redacted: presigned upload URL]`). Never the path or query, which carry the token.
    public static func redactUploadURL(_ url: String) -> String {
        guard let scheme = url.range(of: "://") else { return SecretRedaction.uploadURLMarker }
        let rest = url[scheme.upperBound...]
        let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        return url[..<end] + "/" + SecretRedaction.uploadURLMarker
    }

    /// `text` with every occurrence of `key`, in any form (raw, JSON-escaped, percent-encoded), replaced by
    /// `[REDACTED]`, whatever the key's length.
    static func redact(_ text: String, key: String?) -> String {
        guard let key, !key.isEmpty else { return text }
        return SecretRedaction.redact(text, secret: key, marker: SecretRedaction.apiKeyMarker)
    }

    /// The URLs a response body hands out (values of `upload_url` and `download_url` members) and their
    /// token parts: never recorded.
    static func bodySecrets(_ text: String) -> [SecretRedaction.Secret] {
        guard text.contains("_url") || text.contains("\\u") else { return [] }
        // A retrain job id is not a secret, even when a URL's path holds it: parts of a URL that are part of a
        // job id the answer names stay readable (the whole URL never does).
        let jobIDs = SecretRedaction.memberValues(named: "retrain_job_id", in: text)
        var secrets: [SecretRedaction.Secret] = []
        for (name, marker) in [("upload_url", SecretRedaction.uploadURLMarker), ("download_url", SecretRedaction.downloadURLMarker)] {
            for value in SecretRedaction.memberValues(named: name, in: text) {
                secrets.append(SecretRedaction.Secret(value, marker: marker))
                secrets += SecretRedaction.urlSecrets(value, marker: marker).filter { part in
                    part.value == value || !jobIDs.contains { $0.contains(part.value) }
                }
            }
        }
        return secrets
    }

    // MARK: - The exchange

    private func call<R: Sendable>(
        method: HTTPMethod, url: String, recordURL: String, apiKey: String?, body: HTTPClientRequest.Body?,
        timeout: Double, secrets extraSecrets: [SecretRedaction.Secret] = [],
        decode: (HTTPHeaders, [UInt8]) -> Result<R, EPAError>
    ) async -> EPACall<R> {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "accept", value: "application/json")
        request.headers.add(name: "user-agent", value: "model-ledger-EPAClient")
        if let apiKey { request.headers.add(name: "x-api-key", value: apiKey) }
        request.body = body

        let startedAt = Date()
        let clock = ContinuousClock()
        let start = clock.now
        let exchange = await Self.exchange(
            http.client(), request, timeout: timeout, connectTimeout: configuration.connectTimeout,
            bodyLimit: max(configuration.responseBodyCap, EPAConfiguration.parseLimit))
        let elapsed = clock.now - start
        let durationMs = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000

        var record = EPACall<R>(
            method: method.rawValue, url: recordURL, apiKeyID: apiKey.map(Self.apiKeyID), startedAt: startedAt,
            httpStatus: exchange.status, responseBody: nil, responseBodyTruncated: false, durationMs: durationMs,
            outcome: .failed, response: nil, error: nil)
        // Nothing recorded carries the API key or a URL the service handed out: the whole body (up to the
        // parse limit) is redacted before it is cut at the cap, so no part of a secret survives the cut.
        let received = String(decoding: exchange.body, as: UTF8.self)
        var secrets = extraSecrets + Self.bodySecrets(received)
        if let apiKey, !apiKey.isEmpty { secrets.append(SecretRedaction.Secret(apiKey, marker: SecretRedaction.apiKeyMarker)) }
        if exchange.status != nil {
            let text = SecretRedaction.redact(received, secrets: secrets)
            // Cut at a character boundary (ServiceText.capped), so the cap holds in bytes.
            let (kept, cut) = ServiceText.capped(text, bytes: configuration.responseBodyCap)
            record.responseBody = kept
            record.responseBodyTruncated = cut || !exchange.bodyComplete
        }
        if let failure = exchange.failure {
            record.error = Self.redact(failure, secrets: secrets)
            return record
        }
        guard let status = exchange.status else {
            record.error = .connectionFailed(reason: "no response")
            return record
        }
        let (outcome, response, error) = ResponseDecoding.judge(
            status: status, body: exchange.body, bodyComplete: exchange.bodyComplete
        ) { bytes in decode(exchange.headers, bytes) }
        record.outcome = outcome
        record.response = response
        record.error = error.map { Self.redact($0, secrets: secrets) }
        return record
    }

    /// `error` with every secret removed from the text it carries.
    static func redact(_ error: EPAError, secrets: [SecretRedaction.Secret]) -> EPAError {
        func clean(_ text: String) -> String { SecretRedaction.redact(text, secrets: secrets) }
        return switch error {
        case .undocumented(let status, let code, let name, let message):
            .undocumented(
                httpStatus: status, code: code.map { clean($0) }, error: name.map { clean($0) },
                message: message.map { clean($0) })
        case .serverError(let status, let code, let name, let message):
            .serverError(
                httpStatus: status, code: code.map { clean($0) }, error: name.map { clean($0) },
                message: message.map { clean($0) })
        case .malformedResponse(let reason): .malformedResponse(reason: clean(reason))
        case .connectionFailed(let reason): .connectionFailed(reason: clean(reason))
        case .jobIDMismatch(let expected, let received):
            .jobIDMismatch(expected: expected, received: received.map { clean($0) })
        case .invalidUploadURL(let reason): .invalidUploadURL(reason: clean(reason))
        default: error
        }
    }

    struct Exchange: Sendable {
        var status: Int?
        var headers = HTTPHeaders()
        var body: [UInt8] = []
        var bodyComplete = true
        var failure: EPAError?
    }

    private enum RaceEvent: Sendable {
        case finished(Exchange)
        case timerFired
        case timerCancelled
    }

    /// Runs one request with a total deadline covering the response head and the whole body.
    private static func exchange(
        _ http: HTTPClient?, _ request: HTTPClientRequest, timeout: Double, connectTimeout: Double, bodyLimit: Int
    ) async -> Exchange {
        let deadline = NIODeadline.now() + timeAmount(timeout)
        return await withTaskGroup(of: RaceEvent.self) { group in
            group.addTask {
                .finished(
                    await perform(
                        http, request, deadline: deadline, timeout: timeout, connectTimeout: connectTimeout,
                        bodyLimit: bodyLimit))
            }
            group.addTask {
                do {
                    try await Task.sleep(for: .nanoseconds(timeAmount(timeout).nanoseconds))
                    return .timerFired
                } catch {
                    return .timerCancelled
                }
            }
            var result: Exchange?
            var timedOut = false
            for await event in group {
                switch event {
                case .finished(let exchange):
                    result = exchange
                    group.cancelAll()
                case .timerFired:
                    if result == nil {
                        timedOut = true
                        group.cancelAll()
                    }
                case .timerCancelled:
                    break
                }
            }
            var exchange = result ?? Exchange(failure: .timeout(seconds: timeout))
            if timedOut && exchange.failure != nil { exchange.failure = .timeout(seconds: timeout) }
            return exchange
        }
    }

    private static func perform(
        _ http: HTTPClient?, _ request: HTTPClientRequest, deadline: NIODeadline, timeout: Double,
        connectTimeout: Double, bodyLimit: Int
    ) async -> Exchange {
        var exchange = Exchange()
        do {
            guard let http else { throw HTTPClientError.alreadyShutdown }  // a request after shutdown()
            let response = try await http.execute(request, deadline: deadline)
            exchange.status = Int(response.status.code)
            exchange.headers = response.headers
            for try await var chunk in response.body {
                let room = bodyLimit - exchange.body.count
                if chunk.readableBytes > room {
                    exchange.body += chunk.readBytes(length: room) ?? []
                    exchange.bodyComplete = false
                    break
                }
                exchange.body += chunk.readableBytesView
            }
        } catch {
            exchange.failure = transportError(error, timeout: timeout, connectTimeout: connectTimeout)
        }
        return exchange
    }

    static func transportError(_ error: any Error, timeout: Double, connectTimeout: Double) -> EPAError {
        if error is CancellationError { return .cancelled }
        if let error = error as? HTTPClientError {
            if error == .deadlineExceeded || error == .readTimeout || error == .writeTimeout {
                return .timeout(seconds: timeout)
            }
            if error == .connectTimeout || error == .tlsHandshakeTimeout || error == .getConnectionFromPoolTimeout {
                return .timeout(seconds: connectTimeout)
            }
            if error == .cancelled { return .cancelled }
            if error == .remoteConnectionClosed {
                return .connectionFailed(reason: "the server closed the connection before a complete response")
            }
            return .connectionFailed(reason: String(describing: error))
        }
        if let reason = EPATLS.describeHandshakeFailure(error) {
            return .connectionFailed(reason: reason)
        }
        if let error = error as? ChannelError, case .connectTimeout = error {
            return .timeout(seconds: connectTimeout)
        }
        let text = String(describing: error)
        if text.contains("Connection refused") || text.contains("ECONNREFUSED") {
            return .connectionFailed(reason: "connection refused (\(text))")
        }
        if text.contains("Connection reset") || text.contains("ECONNRESET") {
            return .connectionFailed(reason: "connection reset by peer (\(text))")
        }
        return .connectionFailed(reason: text)
    }

    static func timeAmount(_ seconds: Double) -> TimeAmount {
        .nanoseconds(Int64((seconds * 1_000_000_000).rounded()))
    }
}

/// The bytes of a file as a stream of 64 KiB buffers (an upload's body: to the retrain API, or to the
/// ledger service in remote mode).
public struct FileChunks: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer
    let handle: FileHandle

    /// Opens a regular file, with its size; throws ``EPAError/fileUnreadable(path:reason:)`` before any network I/O.
    public static func open(_ path: String) throws(EPAError) -> (FileChunks, Int64) {
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: path)
        } catch {
            throw .fileUnreadable(path: path, reason: "it does not exist or cannot be examined")
        }
        guard (attributes[.type] as? FileAttributeType) == .typeRegular else {
            throw .fileUnreadable(path: path, reason: "it is not a regular file")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw .fileUnreadable(path: path, reason: "it cannot be opened for reading")
        }
        let size: UInt64
        do {
            size = try handle.seekToEnd()
            try handle.seek(toOffset: 0)
        } catch {
            throw .fileUnreadable(path: path, reason: "its size cannot be determined")
        }
        return (FileChunks(handle: handle), Int64(size))
    }

    /// Reads the next 64 KiB.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let handle: FileHandle
        var finished = false

        /// The next buffer, nil at the end of the file.
        public mutating func next() async throws -> ByteBuffer? {
            guard !finished else { return nil }
            guard let data = try handle.read(upToCount: 64 * 1024), !data.isEmpty else {
                finished = true
                return nil
            }
            return ByteBuffer(bytes: data)
        }
    }

    /// An iterator from the start of the file.
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(handle: handle) }
}

/// The HTTP client and its event loop, started on the first request: one thread (a command makes one
/// request at a time), so a command that stops before the network (a refused switch, a ledger that
/// fails verification) starts no event loop at all, and one that calls starts one thread, not one per core.
private final class LazyHTTPClient: @unchecked Sendable {  // every access to `state` holds `lock`
    private enum State {
        case idle
        case running(MultiThreadedEventLoopGroup, HTTPClient)
        case shutDown
    }

    private let configuration: HTTPClient.Configuration
    private let lock = NSLock()
    private var state = State.idle

    init(configuration: HTTPClient.Configuration) {
        self.configuration = configuration
    }

    /// The client, started on first use; nil after ``shutdown()``.
    func client() -> HTTPClient? {
        lock.withLock {
            switch state {
            case .running(_, let client):
                return client
            case .shutDown:
                return nil
            case .idle:
                let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
                let client = HTTPClient(eventLoopGroupProvider: .shared(group), configuration: configuration)
                state = .running(group, client)
                return client
            }
        }
    }

    /// Shuts the client and then its event loop down (nothing to do when no request was made).
    func shutdown() async throws {
        let previous = lock.withLock {
            defer { state = .shutDown }
            return state
        }
        guard case .running(let group, let client) = previous else { return }
        do {
            try await client.shutdown()
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        try await group.shutdownGracefully()
    }
}
