import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One HTTP/1.1 answer read by ``LoopbackHTTPClient``.
public struct LoopbackHTTPResponse: Sendable {
    /// The status code.
    public let status: Int
    /// The header fields in the order received (names as sent).
    public let headers: [(name: String, value: String)]
    /// The body (de-chunked).
    public let body: Data

    /// The first header named `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// The body as UTF-8 text (invalid bytes replaced).
    public var text: String { String(decoding: body, as: UTF8.self) }

    /// `Ledger-Exit-Code` as an integer.
    public var ledgerExitCode: Int? { header("Ledger-Exit-Code").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } }
}

/// Why a call of ``LoopbackHTTPClient`` got no answer.
public struct LoopbackHTTPError: Error, CustomStringConvertible {
    /// What went wrong.
    public let reason: String
    public var description: String { "loopback HTTP: \(reason)" }
}

/// A small blocking HTTP/1.1 client for 127.0.0.1 (tests and the bench): raw request lines (so a test
/// can send what URLSession would refuse: control characters, `..` segments, duplicate members),
/// `Content-Length` and chunked answers, and keep-alive (one connection reused while the server keeps it).
/// Not thread-safe: one client per thread.
public final class LoopbackHTTPClient: @unchecked Sendable {
    /// The port on 127.0.0.1.
    public let port: Int
    /// Seconds to wait for an answer (each read).
    public let timeout: TimeInterval
    private var socketFD: Int32 = -1
    private var pending = Data()

    /// A client of `127.0.0.1:port`; nothing is connected until the first request.
    public init(port: Int, timeout: TimeInterval = 60) {
        self.port = port
        self.timeout = timeout
    }

    deinit { disconnect() }

    /// Closes the connection (the next request opens a new one).
    public func disconnect() {
        if socketFD >= 0 { close(socketFD) }
        socketFD = -1
        pending = Data()
    }

    /// Sends one request and reads its answer. `target` is sent as it is (path and query, already
    /// percent-encoded as the test wants). `keepAlive: false` closes the connection afterwards.
    public func send(
        _ method: String, _ target: String, headers: [(String, String)] = [], body: Data? = nil, keepAlive: Bool = true
    ) throws -> LoopbackHTTPResponse {
        var head = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if let body { head += "Content-Length: \(body.count)\r\n" }
        if !keepAlive { head += "Connection: close\r\n" }
        head += "\r\n"
        var request = Data(head.utf8)
        if let body { request.append(body) }
        let reused = socketFD >= 0
        do {
            try connectIfNeeded()
            try write(request)
            let response = try readResponse(method: method)
            if !keepAlive || response.header("Connection")?.lowercased() == "close" { disconnect() }
            return response
        } catch let error as LoopbackHTTPError where reused && error.reason.hasPrefix("closed before") {
            // The server had closed the idle connection: one retry on a new one.
            disconnect()
            try connectIfNeeded()
            try write(request)
            let response = try readResponse(method: method)
            if !keepAlive || response.header("Connection")?.lowercased() == "close" { disconnect() }
            return response
        } catch {
            disconnect()
            throw error
        }
    }

    /// JSON convenience: `body` serialized as sent (a String, so duplicate members can be sent on purpose).
    public func send(_ method: String, _ target: String, token: String?, json: String?, headers: [(String, String)] = []) throws
        -> LoopbackHTTPResponse
    {
        var all = headers
        if let token { all.append(("Authorization", "Bearer \(token)")) }
        if json != nil { all.append(("Content-Type", "application/json")) }
        return try send(method, target, headers: all, body: json.map { Data($0.utf8) })
    }

    private func connectIfNeeded() throws {
        guard socketFD < 0 else { return }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw LoopbackHTTPError(reason: "socket() failed: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let code = errno
            close(fd)
            throw LoopbackHTTPError(reason: "connect to 127.0.0.1:\(port) failed: errno \(code)")
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        socketFD = fd
        pending = Data()
    }

    private func write(_ data: Data) throws {
        var offset = 0
        while offset < data.count {
            let n = data.withUnsafeBytes { raw in
                Glibc.send(socketFD, raw.baseAddress.map { $0 + offset }, data.count - offset, Int32(MSG_NOSIGNAL))
            }
            if n <= 0 {
                // A server that answered early (413) and closed may refuse the rest: read what it said.
                if offset > 0 { return }
                throw LoopbackHTTPError(reason: "closed before the request was sent (errno \(errno))")
            }
            offset += n
        }
    }

    /// Reads more bytes into `pending`; false at end of stream.
    private func fill() throws -> Bool {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let n = buffer.withUnsafeMutableBytes { recv(socketFD, $0.baseAddress, $0.count, 0) }
        if n > 0 {
            pending.append(contentsOf: buffer[0..<n])
            return true
        }
        if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
            throw LoopbackHTTPError(reason: "no answer within \(timeout) s")
        }
        return false
    }

    private func readLine() throws -> String {
        while true {
            if let range = pending.range(of: Data("\r\n".utf8)) {
                let line = String(decoding: pending[pending.startIndex..<range.lowerBound], as: UTF8.self)
                pending = Data(pending[range.upperBound...])
                return line
            }
            guard try fill() else { throw LoopbackHTTPError(reason: "closed before the answer was complete") }
        }
    }

    private func readExactly(_ count: Int) throws -> Data {
        while pending.count < count {
            guard try fill() else { throw LoopbackHTTPError(reason: "closed before the body was complete") }
        }
        let data = Data(pending.prefix(count))
        pending = Data(pending.dropFirst(count))
        return data
    }

    private func readResponse(method: String) throws -> LoopbackHTTPResponse {
        var statusLine: String
        do {
            statusLine = try readLine()
        } catch let error as LoopbackHTTPError where pending.isEmpty && error.reason.hasPrefix("closed before the answer") {
            throw LoopbackHTTPError(reason: "closed before any answer")
        }
        while statusLine.isEmpty { statusLine = try readLine() }
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, let status = Int(parts[1]) else { throw LoopbackHTTPError(reason: "bad status line \(statusLine)") }
        var headers: [(name: String, value: String)] = []
        while true {
            let line = try readLine()
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        let field = { (name: String) in headers.first { $0.name.lowercased() == name }?.value }
        var body = Data()
        if method == "HEAD" || status == 204 || status == 304 || (100..<200).contains(status) {
            // no body
        } else if field("transfer-encoding")?.lowercased().contains("chunked") == true {
            while true {
                let sizeLine = try readLine()
                guard let size = Int(sizeLine.split(separator: ";").first.map(String.init)?.trimmingCharacters(in: .whitespaces) ?? "", radix: 16)
                else { throw LoopbackHTTPError(reason: "bad chunk size \(sizeLine)") }
                if size == 0 {
                    while try !readLine().isEmpty {}
                    break
                }
                body.append(try readExactly(size))
                _ = try readLine()
            }
        } else if let length = field("content-length").flatMap({ Int($0) }) {
            body = try readExactly(length)
        } else {
            while try fill() {}
            body = pending
            pending = Data()
            disconnect()
        }
        return LoopbackHTTPResponse(status: status, headers: headers, body: body)
    }
}
