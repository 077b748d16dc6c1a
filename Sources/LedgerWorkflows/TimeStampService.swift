import AsyncHTTPClient
import Foundation
import LedgerCore
import NIOCore
import NIOHTTP1

/// An RFC 3161 time-stamp obtained for a checkpoint note (``TimeStampService/stamp(noteText:url:caFile:timeout:)``).
public struct TimeStampResult: Sendable {
    /// The DER `TimeStampResp`, as the TSA sent it (what `<note>.tsr` holds).
    public var response: [UInt8]
    /// The token's genTime (RFC 3339), when it could be read.
    public var genTime: String?
    /// True when it was checked against a CA file (and verified: an invalid one throws).
    public var verified: Bool
}

/// What checking a stored time-stamp token found.
public struct TimeStampCheck: Sendable, Equatable {
    /// Granted, signed by a TSA chaining to the CA file, and over the note's body.
    public var isValid: Bool
    /// The token's genTime (RFC 3339), when it could be read (read even when not valid).
    public var genTime: String?
    /// Why not valid.
    public var failure: String?
}

/// RFC 3161 over HTTP: asks a Time-Stamping Authority for a token over SHA-256 of a checkpoint
/// note's body (POST `application/timestamp-query`), and checks tokens against a CA file.
public enum TimeStampService {
    /// The largest response read from a TSA.
    public static let maxResponseBytes = 256 * 1024

    /// Where the token of the note at `notePath` is kept: `<note>.tsr`.
    public static func tokenPath(forNote notePath: String) -> String { notePath + ".tsr" }

    /// Checks that `url` is an http(s) URL with a host (before anything is written).
    public static func validate(url: String) throws {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else {
            throw TransparencyError.usage("--tsa must be an http:// or https:// URL with a host")
        }
    }

    /// `url` without user and password, for messages.
    public static func displayURL(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return "the --tsa URL" }
        components.user = nil
        components.password = nil
        components.query = nil
        return components.string ?? "the --tsa URL"
    }

    /// Asks the TSA at `url` for a token over `body` (the note's text), with a fresh nonce; with
    /// `caFile` the response is verified at once (nonce, imprint, signature chaining to the CA)
    /// and an invalid one throws ``TransparencyError/timeStampInvalid(reason:)``.
    public static func stamp(body: String, url: String, caFile: String?, timeout: Double) async throws -> TimeStampResult {
        try validate(url: url)
        let data = Array(body.utf8)
        let query = try TimeStampToken.request(for: data)
        let response = try await post(query, to: url, timeout: timeout)
        if let caFile {
            let check = TimeStampToken.verify(response: response, over: data, request: query, caFile: caFile)
            guard check.isValid else { throw TransparencyError.timeStampInvalid(reason: check.failure ?? "does not verify") }
            return TimeStampResult(response: response, genTime: check.genTime, verified: true)
        }
        // Not checked: only read the genTime (a response that is not a TimeStampResp has none).
        let look = TimeStampToken.verify(response: response, over: data, request: query, caFile: "/dev/null")
        guard let genTime = look.genTime else {
            throw TransparencyError.timeStampAuthority(url: displayURL(url), reason: "the answer is not a granted RFC 3161 time-stamp response")
        }
        return TimeStampResult(response: response, genTime: genTime, verified: false)
    }

    /// Checks the token at `tokenPath` over `body` against the PEM CA file `caFile`.
    public static func verify(tokenPath: String, body: String, caFile: String) throws -> TimeStampCheck {
        guard FileManager.default.fileExists(atPath: caFile) else { throw LedgerError.io(path: caFile, reason: "cannot read the TSA CA file") }
        guard let token = FileManager.default.contents(atPath: tokenPath) else {
            throw LedgerError.io(path: tokenPath, reason: "cannot read the time-stamp token")
        }
        guard token.count <= maxResponseBytes else {
            return TimeStampCheck(isValid: false, genTime: nil, failure: "larger than \(maxResponseBytes) bytes")
        }
        let check = TimeStampToken.verify(response: Array(token), over: Array(body.utf8), caFile: caFile)
        return TimeStampCheck(isValid: check.isValid, genTime: check.genTime, failure: check.failure)
    }

    private static func post(_ query: [UInt8], to url: String, timeout: Double) async throws -> [UInt8] {
        let shown = displayURL(url)
        let amount = TimeAmount.milliseconds(Int64(max(0.001, timeout) * 1000))
        var configuration = HTTPClient.Configuration(timeout: HTTPClient.Configuration.Timeout(connect: amount, read: amount))
        configuration.redirectConfiguration = .disallow
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/timestamp-query")
        request.headers.add(name: "Accept", value: "application/timestamp-reply")
        request.body = .bytes(ByteBuffer(bytes: query))
        var result: Result<[UInt8], TransparencyError>
        do {
            let response = try await http.execute(request, timeout: amount)
            if response.status.code != 200 {
                result = .failure(.timeStampAuthority(url: shown, reason: "HTTP status \(response.status.code)"))
            } else {
                let body = try await response.body.collect(upTo: maxResponseBytes)
                result = .success(Array(body.readableBytesView))
            }
        } catch let error as HTTPClientError {
            let reason: String
            if error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
                reason = "no answer within \(timeout.formatted()) s"
            } else if error == .remoteConnectionClosed {
                reason = "the server closed the connection before a complete response"
            } else {
                reason = String(describing: error)
            }
            result = .failure(.timeStampAuthority(url: shown, reason: reason))
        } catch let error as NIOTooManyBytesError {
            _ = error
            result = .failure(.timeStampAuthority(url: shown, reason: "the answer is larger than \(maxResponseBytes) bytes"))
        } catch {
            result = .failure(.timeStampAuthority(url: shown, reason: "cannot connect: \(String(describing: error))"))
        }
        try? await http.shutdown()
        return try result.get()
    }
}
