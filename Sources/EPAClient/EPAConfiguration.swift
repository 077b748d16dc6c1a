import Foundation

/// Settings for ``EPAClient``: where the API lives, how long to wait, how much of a response to keep.
public struct EPAConfiguration: Sendable, Equatable {
    /// The production base URL, including the `/v1/external` prefix.
    public static let defaultBaseURL = "https://developer-api.easy-predictive-analytics.sony.com/v1/external"
    /// Default connect timeout, in seconds.
    public static let defaultConnectTimeout: Double = 10
    /// Default total deadline for one API call, in seconds.
    public static let defaultRequestTimeout: Double = 60
    /// Default total deadline for one file upload, in seconds.
    public static let defaultUploadTimeout: Double = 600
    /// Default number of response-body bytes kept in an ``EPACall`` record (16 KiB).
    ///
    /// Bodies longer than this are cut at this many bytes (``EPACall/responseBodyTruncated``
    /// is then true); the whole body, up to ``parseLimit`` bytes, is still used for parsing.
    public static let defaultResponseBodyCap = 16_384
    /// The most response-body bytes read for parsing; a longer 2xx body is a malformed response.
    public static let parseLimit = 1 << 20

    /// Base URL including the `/v1/external` prefix; `https`, or `http` only for loopback hosts.
    public var baseURL: String
    /// Seconds allowed to establish a connection.
    public var connectTimeout: Double
    /// Seconds allowed for one API call from start to the last body byte (total deadline).
    public var requestTimeout: Double
    /// Seconds allowed for one file upload from start to the last response byte.
    public var uploadTimeout: Double
    /// Response-body bytes kept in each ``EPACall`` record (see ``defaultResponseBodyCap``).
    public var responseBodyCap: Int
    /// A PEM file of extra CA certificates to trust for `https`, in addition to the system's roots
    /// (for a private CA or a TLS-inspecting proxy). Certificate and host-name verification always stay on.
    /// A missing or unparsable file makes ``EPAClient/init(configuration:)`` throw
    /// ``EPAError/invalidConfiguration(reason:)``.
    public var caFile: String?
    /// The most bytes read from ``caFile`` (1 MiB); a larger file is refused.
    public static let caFileLimit = 1 << 20

    /// Creates a configuration; values are checked by ``validate()`` (and by ``EPAClient/init(configuration:)``).
    public init(
        baseURL: String = EPAConfiguration.defaultBaseURL,
        connectTimeout: Double = EPAConfiguration.defaultConnectTimeout,
        requestTimeout: Double = EPAConfiguration.defaultRequestTimeout,
        uploadTimeout: Double = EPAConfiguration.defaultUploadTimeout,
        responseBodyCap: Int = EPAConfiguration.defaultResponseBodyCap,
        caFile: String? = nil
    ) {
        self.baseURL = baseURL
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.uploadTimeout = uploadTimeout
        self.responseBodyCap = responseBodyCap
        self.caFile = caFile
    }

    /// Checks every value; returns the base URL without trailing slashes.
    @discardableResult
    public func validate() throws(EPAError) -> String {
        for (name, value) in [
            ("connectTimeout", connectTimeout), ("requestTimeout", requestTimeout), ("uploadTimeout", uploadTimeout),
        ] where !(value.isFinite && value > 0 && value <= 86_400) {
            throw .invalidConfiguration(reason: "\(name) must be a number of seconds in (0, 86400], not \(value)")
        }
        guard responseBodyCap >= 0 else {
            throw .invalidConfiguration(reason: "responseBodyCap must not be negative, not \(responseBodyCap)")
        }
        return try Self.checkBaseURL(baseURL)
    }

    /// Checks a base URL: absolute `http`/`https` URL with a host, no user info, query or fragment;
    /// plain `http` only for loopback hosts. Returns it without trailing slashes.
    public static func checkBaseURL(_ url: String) throws(EPAError) -> String {
        let trimmed = String(url.reversed().drop(while: { $0 == "/" }).reversed())
        switch checkURL(trimmed, allowQuery: false) {
        case .ok: return trimmed
        case .insecure: throw .insecureBaseURL(url: url)
        case .invalid(let reason): throw .invalidBaseURL(reason: reason)
        }
    }

    /// Checks an upload URL the same way as a base URL, except that a query is allowed.
    public static func checkUploadURL(_ url: String) throws(EPAError) {
        switch checkURL(url, allowQuery: true) {
        case .ok: return
        case .insecure:
            throw .invalidUploadURL(reason: "plain http is only allowed for loopback hosts (127.0.0.0/8, ::1, localhost); use https")
        case .invalid(let reason): throw .invalidUploadURL(reason: reason)
        }
    }

    enum URLCheck: Equatable { case ok, insecure, invalid(String) }

    static func checkURL(_ url: String, allowQuery: Bool) -> URLCheck {
        if url.isEmpty { return .invalid("it is empty") }
        if let bad = url.unicodeScalars.first(where: { $0.value <= 0x20 || $0.value >= 0x7F }) {
            return .invalid("it contains \(RetrainJobID.describe(bad)); only printable ASCII without spaces is allowed")
        }
        guard let components = URLComponents(string: url) else { return .invalid("it is not a valid URL") }
        guard let scheme = components.scheme?.lowercased() else {
            return .invalid("it has no scheme; it must start with https://")
        }
        guard scheme == "https" || scheme == "http" else {
            return .invalid("scheme \"\(EPAError.displayEscaped(scheme))\" is not http or https")
        }
        guard let rawHost = components.host, !rawHost.isEmpty else { return .invalid("it has no host") }
        if components.user != nil || components.password != nil {
            return .invalid("it contains user information (user:password@); credentials do not belong in the URL")
        }
        if !allowQuery && components.query != nil { return .invalid("it contains a query (?…)") }
        if components.fragment != nil { return .invalid("it contains a fragment (#…)") }
        if rawHost.contains("%") { return .invalid("its host contains '%'") }
        if scheme == "http" && !isLoopbackHost(rawHost) { return .insecure }
        return .ok
    }

    /// Whether `host` is a loopback host: `localhost`, an IPv4 address in 127.0.0.0/8, or `::1`.
    public static func isLoopbackHost(_ host: String) -> Bool {
        var h = host.lowercased()
        if h.hasPrefix("[") && h.hasSuffix("]") { h = String(h.dropFirst().dropLast()) }
        if h.hasSuffix(".") { h.removeLast() }
        if h == "localhost" || h == "::1" || h == "0:0:0:0:0:0:0:1" { return true }
        let parts = h.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        let octets = parts.compactMap { part -> Int? in
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            return Int(part).flatMap { $0 <= 255 ? $0 : nil }
        }
        return octets.count == 4 && octets[0] == 127
    }
}
