import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What came back over a raw TCP connection.
enum RawResult: Sendable, Equatable {
    /// A parsed HTTP response.
    case response(RawResponse)
    /// The server closed the connection without sending a single byte.
    case closedWithoutResponse
}

/// A parsed HTTP/1.1 response.
struct RawResponse: Sendable, Equatable {
    var status: Int
    var headers: [String: String]
    var body: Data

    var text: String { String(decoding: body, as: UTF8.self) }

    /// The top-level field names when the body is a JSON object, else nil.
    var jsonKeys: Set<String>? {
        ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any]).map { Set($0.keys) }
    }

    /// Decodes the body.
    func decode<T: Decodable>(_: T.Type = T.self) throws -> T {
        try JSONDecoder().decode(T.self, from: body)
    }

    static func == (lhs: RawResponse, rhs: RawResponse) -> Bool {
        lhs.status == rhs.status && lhs.headers == rhs.headers && lhs.body == rhs.body
    }
}

struct RawHTTPError: Error, CustomStringConvertible {
    var description: String
}

/// A minimal HTTP/1.1 client on a POSIX socket, so tests control every header byte (`x-api-key:KEY` with
/// no space) and can tell "connection closed without response" apart from any HTTP answer.
/// The blocking I/O runs on its own thread, never on the Swift concurrency pool.
enum RawHTTP {
    static func send(
        port: Int, method: String, target: String, headerLines: [String] = [], body: Data? = nil,
        timeoutSeconds: Int = 15
    ) async throws -> RawResult {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(
                    with: Result {
                        try blockingSend(
                            port: port, method: method, target: target, headerLines: headerLines, body: body,
                            timeoutSeconds: timeoutSeconds)
                    })
            }
            thread.start()
        }
    }

    /// Like ``send``, but requires an HTTP response.
    static func request(
        port: Int, method: String, target: String, apiKey: String? = nil, body: Data? = nil
    ) async throws -> RawResponse {
        let headers = apiKey.map { ["x-api-key:\($0)"] } ?? []
        switch try await send(port: port, method: method, target: target, headerLines: headers, body: body) {
        case .response(let response): return response
        case .closedWithoutResponse: throw RawHTTPError(description: "connection closed without response")
        }
    }

    private static func blockingSend(
        port: Int, method: String, target: String, headerLines: [String], body: Data?, timeoutSeconds: Int
    ) throws -> RawResult {
        #if canImport(Glibc)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw RawHTTPError(description: "socket: \(errno)") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))

        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port)).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw RawHTTPError(description: "connect: \(errno)") }

        var head = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for line in headerLines { head += "\(line)\r\n" }
        if let body { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        var outgoing = Data(head.utf8)
        if let body { outgoing.append(body) }
        try outgoing.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let sent = Foundation.send(fd, buffer.baseAddress.map { $0 + offset }, buffer.count - offset, 0)
                guard sent > 0 else { throw RawHTTPError(description: "send: \(errno)") }
                offset += sent
            }
        }

        var received = Data()
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = recv(fd, &chunk, chunk.count, 0)
            if count > 0 {
                received.append(contentsOf: chunk[0..<count])
            } else if count == 0 {
                break
            } else if errno == EINTR {
                continue
            } else if errno == ECONNRESET {
                break
            } else {
                throw RawHTTPError(description: "recv: errno \(errno) after \(received.count) bytes")
            }
        }
        if received.isEmpty { return .closedWithoutResponse }
        return .response(try parse(received))
    }

    private static func parse(_ data: Data) throws -> RawResponse {
        guard let split = data.range(of: Data("\r\n\r\n".utf8)) else {
            throw RawHTTPError(description: "no header terminator in \(data.count) bytes")
        }
        let headText = String(decoding: data[data.startIndex..<split.lowerBound], as: UTF8.self)
        var lines = headText.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else {
            throw RawHTTPError(description: "bad status line")
        }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Data(data[split.upperBound...])
        if let length = headers["content-length"].flatMap(Int.init), body.count > length {
            body = body.prefix(length)
        }
        return RawResponse(status: status, headers: headers, body: body)
    }
}
