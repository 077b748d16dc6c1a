import Foundation
import LedgerCore

/// The built `epa-simulator` running as a separate process on a free loopback port.
public final class SimulatorProcess: @unchecked Sendable {
    /// The port it listens on.
    public let port: Int
    /// The request log it appends to (JSON lines).
    public let requestLogPath: String
    private let process: Process
    private let directory: TemporaryDirectory

    /// `http`, or `https` when started with a TLS certificate and key.
    public let scheme: String

    /// `http://127.0.0.1:PORT/v1/external` (`https://` with TLS).
    public var baseURL: String { "\(scheme)://127.0.0.1:\(port)/v1/external" }

    /// Starts the simulator with `fixture` (JSON text) and waits for its port; with `tlsCertificate`
    /// and `tlsKey` (PEM paths) it serves HTTPS (`--tls-cert`, `--tls-key`).
    public init(fixture: String, tlsCertificate: String? = nil, tlsKey: String? = nil) throws {
        scheme = tlsCertificate == nil ? "http" : "https"
        directory = TemporaryDirectory(prefix: "model-ledger-sim")
        let fixturePath = directory.file("fixture.json")
        requestLogPath = directory.file("requests.jsonl")
        try Data(fixture.utf8).write(to: URL(fileURLWithPath: fixturePath))
        process = Process()
        process.executableURL = URL(fileURLWithPath: Binaries.path("epa-simulator"))
        process.arguments = ["--fixture", fixturePath, "--host", "127.0.0.1", "--port", "0", "--request-log", requestLogPath]
            + (tlsCertificate.map { ["--tls-cert", $0] } ?? []) + (tlsKey.map { ["--tls-key", $0] } ?? [])
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        var buffer = Data()
        let deadline = Date().addingTimeInterval(30)
        while !buffer.contains(UInt8(ascii: "\n")) {
            guard Date() < deadline, process.isRunning else {
                process.terminate()
                throw SimulatorStartFailure(output: String(decoding: buffer, as: UTF8.self))
            }
            buffer.append(stdout.fileHandleForReading.availableData)
        }
        let firstLine = String(decoding: buffer.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
        guard let port = Int(firstLine.trimmingCharacters(in: .whitespaces)) else {
            process.terminate()
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

    /// Every request received so far, parsed from the request log.
    public func requests() throws -> [JSONValue] {
        guard let text = try? String(contentsOfFile: requestLogPath, encoding: .utf8) else { return [] }
        return try text.split(separator: "\n").map { try JSONValue(parsing: String($0)) }
    }

    /// Requests whose path ends with `suffix`.
    public func requests(pathSuffix suffix: String, method: String? = nil) throws -> [JSONValue] {
        try requests().filter {
            ($0["path"]?.stringValue ?? "").hasSuffix(suffix) && (method == nil || $0["method"]?.stringValue == method)
        }
    }

    /// The raw bytes of the request log (for secret scans).
    public func requestLogBytes() -> Data {
        FileManager.default.contents(atPath: requestLogPath) ?? Data()
    }
}

/// The simulator did not print its port.
public struct SimulatorStartFailure: Error, CustomStringConvertible {
    public let output: String
    public var description: String { "epa-simulator did not start: \(output)" }
}
