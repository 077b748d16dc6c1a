import Foundation

/// The built `epa-simulator` running as a separate process on a free loopback port (the one
/// simulator launcher of the test support and the benchmark). Stopped (SIGTERM) by `stop()` or
/// when released.
public final class LaunchedSimulator: @unchecked Sendable {
    /// The port it listens on.
    public let port: Int
    /// `http`, or `https` when started with a TLS certificate and key.
    public let scheme: String
    /// The request log it appends to (JSON lines).
    public let requestLogPath: String
    private let process: Process

    /// `http://127.0.0.1:PORT/v1/external` (`https://` with TLS).
    public var baseURL: String { "\(scheme)://127.0.0.1:\(port)/v1/external" }

    /// Starts `binary` with the fixture file at `fixturePath`, on 127.0.0.1 and a port the system
    /// chooses, logging requests to `requestLogPath`, and waits (at most `timeout` seconds) for the
    /// port it prints first. With `tlsCertificate` and `tlsKey` (PEM paths) it serves HTTPS.
    public init(
        binary: String, fixturePath: String, requestLogPath: String,
        tlsCertificate: String? = nil, tlsKey: String? = nil, timeout: TimeInterval = 30
    ) throws {
        scheme = tlsCertificate == nil ? "http" : "https"
        self.requestLogPath = requestLogPath
        process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments =
            ["--fixture", fixturePath, "--host", "127.0.0.1", "--port", "0", "--request-log", requestLogPath]
            + (tlsCertificate.map { ["--tls-cert", $0] } ?? []) + (tlsKey.map { ["--tls-key", $0] } ?? [])
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw SimulatorStartFailure(output: "cannot run \(binary): \(error.localizedDescription)")
        }
        var buffer = Data()
        let deadline = Date().addingTimeInterval(timeout)
        while !buffer.contains(UInt8(ascii: "\n")) {
            let chunk = Date() < deadline && process.isRunning ? stdout.fileHandleForReading.availableData : Data()
            guard !chunk.isEmpty else {  // empty: the pipe closed (it exited) or the time is up
                if process.isRunning { process.terminate() }
                throw SimulatorStartFailure(output: String(decoding: buffer, as: UTF8.self))
            }
            buffer.append(chunk)
        }
        let firstLine = String(decoding: buffer.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
        guard let port = Int(firstLine.trimmingCharacters(in: .whitespaces)) else {
            if process.isRunning { process.terminate() }
            throw SimulatorStartFailure(output: firstLine)
        }
        self.port = port
        // Keep draining stdout so the simulator never blocks on a full pipe.
        stdout.fileHandleForReading.readabilityHandler = { handle in _ = handle.availableData }
    }

    /// Stops the simulator (SIGTERM) and waits for it.
    public func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    deinit { stop() }

    /// The lines of the request log so far (one JSON object each; none when there is no log yet).
    public func requestLogLines() -> [String] {
        guard let text = try? String(contentsOfFile: requestLogPath, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").map(String.init)
    }

    /// The raw bytes of the request log (for secret scans).
    public func requestLogBytes() -> Data {
        FileManager.default.contents(atPath: requestLogPath) ?? Data()
    }
}

/// The simulator did not print its port.
public struct SimulatorStartFailure: Error, CustomStringConvertible {
    /// What it printed instead (or why it could not run).
    public let output: String
    public var description: String { "epa-simulator did not start: \(output)" }
}
