import ArgumentParser
import EPASimulator
import Foundation

/// `epa-simulator`: serves a fixture as the Easy Predictive Analytics retrain API on loopback.
@main
struct EPASimulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "epa-simulator",
        abstract: "Loopback simulator of the Easy Predictive Analytics retrain API (/v1/external).",
        discussion: """
            Serves the three retrain endpoints (upload_url, status, update_model) for the API keys, models \
            and jobs described in a JSON fixture (schema: docs/simulator.md). It only binds loopback \
            addresses.

            Once listening it prints exactly two lines on stdout:
              PORT
              base_url http://127.0.0.1:PORT/v1/external
            then runs until SIGTERM or SIGINT and exits 0. With --tls-cert and --tls-key it serves \
            HTTPS instead (base_url https://...); the certificate and key come from the caller.

            Every request (method, path, query, whether x-api-key was sent - never its value - status, \
            time) is kept in memory (GET /_simulator/requests) and, with --request-log, appended to a \
            file as one JSON line per request.

            Exit codes: 0 after SIGTERM/SIGINT; 64 bad flags (including a non-loopback --host, or only \
            one of --tls-cert/--tls-key); 78 unreadable or invalid fixture, or unusable TLS certificate/key; 73 request log cannot be opened; 69 server cannot start \
            (e.g. port in use).

            Example:
              epa-simulator --fixture demo/fixture.json --request-log /tmp/req.jsonl
              curl -H "x-api-key:demo-key-churn" -X PUT \\
                http://127.0.0.1:PORT/v1/external/retrain_jobs/churn-2026-11-a/update_model
            """
    )

    @Option(help: ArgumentHelp("Fixture JSON file (see docs/simulator.md).", valueName: "file"))
    var fixture: String

    @Option(help: ArgumentHelp("Loopback host to bind: 127.0.0.0/8, ::1 or localhost.", valueName: "host"))
    var host: String = "127.0.0.1"

    @Option(help: ArgumentHelp("TCP port; 0 picks a free port (printed on the first stdout line).", valueName: "port"))
    var port: Int = 0

    @Option(
        name: .customLong("request-log"),
        help: ArgumentHelp("Append every request as a JSON line to this file.", valueName: "file"))
    var requestLog: String?

    @Option(
        name: .customLong("tls-cert"),
        help: ArgumentHelp("Serve HTTPS with this PEM certificate chain (leaf first); needs --tls-key.", valueName: "pem"))
    var tlsCert: String?

    @Option(
        name: .customLong("tls-key"),
        help: ArgumentHelp("PEM private key of --tls-cert (never printed).", valueName: "pem"))
    var tlsKey: String?

    func validate() throws {
        guard (tlsCert == nil) == (tlsKey == nil) else {
            throw ValidationError("--tls-cert and --tls-key go together: pass both or neither")
        }
        do {
            try Simulator.validateHost(host)
        } catch {
            throw ValidationError(error.localizedDescription)
        }
        guard (0...65_535).contains(port) else {
            throw ValidationError("--port must be in 0...65535")
        }
    }

    func run() async throws {
        let loaded: SimulatorFixture
        do {
            loaded = try SimulatorFixture.load(path: fixture)
        } catch {
            Console.error(error)
            throw ExitCode(78)
        }
        var tls: SimulatorTLS?
        if let tlsCert, let tlsKey {
            do {
                tls = try SimulatorTLS.load(certificatePath: tlsCert, keyPath: tlsKey)
            } catch {
                Console.error(error)
                throw ExitCode(78)
            }
        }
        let signals = await TerminationSignals()
        let simulator: RunningSimulator
        do {
            simulator = try await Simulator.start(
                fixture: loaded, host: host, port: port, requestLogPath: requestLog, tls: tls)
        } catch let error as SimulatorError {
            Console.error(error)
            if case .requestLogUnwritable = error { throw ExitCode(73) }
            throw ExitCode(69)
        }
        Console.out("\(simulator.port)\nbase_url \(simulator.baseURL)\n")
        await signals.wait()
        await simulator.stop()
    }
}
