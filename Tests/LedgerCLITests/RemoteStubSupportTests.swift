import Foundation
import LedgerTestSupport

#if canImport(Glibc)
    import Glibc

    /// One request the stub received.
    struct StubRequest: Sendable {
        var method: String
        var target: String
        var headers: [String: String]
        var body: [UInt8]

        /// The path without the query.
        var path: String { String(target.split(separator: "?", maxSplits: 1).first ?? "") }

        /// The value of query item `name` (percent-decoded).
        func query(_ name: String) -> String? {
            guard let components = URLComponents(string: "http://x" + target) else { return nil }
            return components.queryItems?.first(where: { $0.name == name })?.value
        }

        /// The body parsed as a JSON object.
        var jsonBody: [String: Any]? {
            (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
        }
    }

    /// What the stub does with a request.
    enum StubAction: Sendable {
        /// Answers with `status`, `headers` and `body` (Content-Length set).
        case respond(status: Int, headers: [(String, String)], body: [UInt8])
        /// Closes the connection without answering.
        case close
        /// Announces a body of `bytes` bytes and sends zeros until the client hangs up.
        case huge(bytes: Int)

        /// A 200 JSON document with `Ledger-Exit-Code: exitCode`.
        static func document(_ json: String, exitCode: Int32 = 0) -> StubAction {
            .respond(
                status: 200, headers: [("Content-Type", "application/json"), ("Ledger-Exit-Code", String(exitCode))],
                body: Array(json.utf8))
        }

        /// An error envelope.
        static func error(status: Int, code: String, message: String, exitCode: Int32) -> StubAction {
            let body = #"{"error":{"code":"\#(code)","message":"\#(message)","exit_code":\#(exitCode)}}"#
            return .respond(
                status: status, headers: [("Content-Type", "application/json"), ("Ledger-Exit-Code", String(exitCode))], body: Array(body.utf8))
        }
    }

    /// A tiny HTTP/1.1 server on 127.0.0.1 (one connection at a time, one request per connection) for the
    /// remote-mode client tests: each request is recorded and answered by `handler`.
    final class RemoteStubServer: @unchecked Sendable {  // `requests` and `stopped` are guarded by `lock`
        let port: Int
        private let listener: Int32
        private let handler: @Sendable (StubRequest) -> StubAction
        private let lock = NSLock()
        private var received: [StubRequest] = []
        private var stopped = false

        /// The base URL (`http://127.0.0.1:PORT`).
        var url: String { "http://127.0.0.1:\(port)" }

        /// The requests received so far.
        var requests: [StubRequest] { lock.withLock { received } }

        init(handler: @escaping @Sendable (StubRequest) -> StubAction) throws {
            self.handler = handler
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw StubError.socket("socket") }
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = 0
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0, listen(fd, 16) == 0 else {
                close(fd)
                throw StubError.socket("bind/listen")
            }
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            self.listener = fd
            self.port = Int(UInt16(bigEndian: address.sin_port))
            let server = self
            let thread = Thread { server.serve() }
            thread.start()
        }

        /// Stops accepting: later connections are refused.
        func stop() {
            let first = lock.withLock {
                defer { stopped = true }
                return !stopped
            }
            if first {
                shutdown(listener, Int32(SHUT_RDWR))
                close(listener)
            }
        }

        deinit { stop() }

        private func serve() {
            while true {
                let client = accept(listener, nil, nil)
                if client < 0 {
                    if errno == EINTR { continue }
                    return
                }
                handle(client)
                close(client)
            }
        }

        private func handle(_ fd: Int32) {
            var timeout = timeval(tv_sec: 10, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var buffer: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 65536)
            var headEnd: Int?
            while headEnd == nil {
                let n = recv(fd, &chunk, chunk.count, 0)
                if n <= 0 { return }
                buffer += chunk[0..<n]
                headEnd = buffer.firstRange(of: Array("\r\n\r\n".utf8))?.upperBound
            }
            guard let headEnd else { return }
            let head = String(decoding: buffer[..<headEnd], as: UTF8.self)
            var lines = head.components(separatedBy: "\r\n").filter { !$0.isEmpty }
            let requestLine = lines.removeFirst().split(separator: " ")
            var headers: [String: String] = [:]
            for line in lines {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            var body = Array(buffer[headEnd...])
            let length = headers["content-length"].flatMap(Int.init) ?? 0
            while body.count < length {
                let n = recv(fd, &chunk, chunk.count, 0)
                if n <= 0 { break }
                body += chunk[0..<n]
            }
            let request = StubRequest(
                method: requestLine.first.map(String.init) ?? "", target: requestLine.dropFirst().first.map(String.init) ?? "",
                headers: headers, body: body)
            lock.withLock { received.append(request) }
            switch handler(request) {
            case .close:
                return
            case .respond(let status, let extra, let body):
                var text = "HTTP/1.1 \(status) X\r\nContent-Length: \(body.count)\r\nConnection: close\r\n"
                for (name, value) in extra { text += "\(name): \(value)\r\n" }
                write(fd, Array((text + "\r\n").utf8) + body)
            case .huge(let bytes):
                let text = "HTTP/1.1 200 OK\r\nContent-Length: \(bytes)\r\nContent-Type: application/json\r\nLedger-Exit-Code: 0\r\nConnection: close\r\n\r\n"
                guard write(fd, Array(text.utf8)) else { return }
                let zeros = [UInt8](repeating: UInt8(ascii: " "), count: 1 << 20)
                var sent = 0
                while sent < bytes, write(fd, zeros) { sent += zeros.count }
            }
        }

        @discardableResult
        private func write(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
            var offset = 0
            while offset < bytes.count {
                let n = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if n <= 0 { return false }
                offset += n
            }
            return true
        }
    }

    enum StubError: Error {
        case socket(String)
    }

#endif
