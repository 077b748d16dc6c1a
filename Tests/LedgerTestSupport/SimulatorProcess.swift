import BinaryRunner
import Foundation
import LedgerCore

/// The built `epa-simulator` running as a separate process on a free loopback port, with its
/// fixture and request log in a temporary directory (started by `BinaryRunner.LaunchedSimulator`,
/// the launcher `ledger-bench` uses too).
public final class SimulatorProcess: @unchecked Sendable {
    private let simulator: LaunchedSimulator
    private let directory: TemporaryDirectory

    /// The port it listens on.
    public var port: Int { simulator.port }
    /// The request log it appends to (JSON lines).
    public var requestLogPath: String { simulator.requestLogPath }
    /// `http`, or `https` when started with a TLS certificate and key.
    public var scheme: String { simulator.scheme }
    /// `http://127.0.0.1:PORT/v1/external` (`https://` with TLS).
    public var baseURL: String { simulator.baseURL }

    /// Starts the simulator with `fixture` (JSON text) and waits for its port; with `tlsCertificate`
    /// and `tlsKey` (PEM paths) it serves HTTPS (`--tls-cert`, `--tls-key`).
    public init(fixture: String, tlsCertificate: String? = nil, tlsKey: String? = nil) throws {
        directory = TemporaryDirectory(prefix: "model-ledger-sim")
        let fixturePath = directory.file("fixture.json")
        try Data(fixture.utf8).write(to: URL(fileURLWithPath: fixturePath))
        simulator = try LaunchedSimulator(
            binary: Binaries.path("epa-simulator"), fixturePath: fixturePath, requestLogPath: directory.file("requests.jsonl"),
            tlsCertificate: tlsCertificate, tlsKey: tlsKey)
    }

    /// Stops the simulator (SIGTERM) and waits for it.
    public func stop() { simulator.stop() }

    /// Every request received so far, parsed from the request log.
    public func requests() throws -> [JSONValue] {
        try simulator.requestLogLines().map { try JSONValue(parsing: $0) }
    }

    /// Requests whose path ends with `suffix`.
    public func requests(pathSuffix suffix: String, method: String? = nil) throws -> [JSONValue] {
        try requests().filter {
            ($0["path"]?.stringValue ?? "").hasSuffix(suffix) && (method == nil || $0["method"]?.stringValue == method)
        }
    }

    /// The raw bytes of the request log (for secret scans).
    public func requestLogBytes() -> Data { simulator.requestLogBytes() }
}
