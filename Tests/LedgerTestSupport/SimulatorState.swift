import Foundation
import LedgerCore

#if canImport(Glibc)
    import Glibc
#endif

extension SimulatorProcess {
    /// `GET /_simulator/state` (the simulator's models and jobs), over a plain loopback socket.
    ///
    /// The state changes when a request is *processed* (a switch sets the model's `live_job` on
    /// arrival, before any fault delay), whereas the request log records a request only once it has
    /// been answered: tests that must act while a delayed call is in flight watch this.
    public func state() throws -> JSONValue {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SimulatorStateFailure(reason: "socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw SimulatorStateFailure(reason: "connect() failed: errno \(errno)") }
        let request = Array("GET /_simulator/state HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == request.count else {
            throw SimulatorStateFailure(reason: "send() failed")
        }
        var response = Data()
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            response.append(contentsOf: buffer[0..<n])
        }
        guard let split = response.range(of: Data("\r\n\r\n".utf8)) else {
            throw SimulatorStateFailure(reason: "no HTTP response: \(String(decoding: response.prefix(200), as: UTF8.self))")
        }
        return try JSONValue(parsing: String(decoding: response[split.upperBound...], as: UTF8.self))
    }

    /// The job model `name` serves now (`live_job`), nil when none.
    public func liveJob(model name: String) throws -> String? {
        guard case .array(let models)? = try state()["models"] else { return nil }
        return models.first { $0["name"]?.stringValue == name }?["live_job"]?.stringValue
    }
}

/// `GET /_simulator/state` could not be read.
public struct SimulatorStateFailure: Error, CustomStringConvertible {
    public let reason: String
    public var description: String { "reading the simulator's state: \(reason)" }
}
