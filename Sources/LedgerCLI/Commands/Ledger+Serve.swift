import ArgumentParser
import Foundation
import LedgerCore
import LedgerService
import LedgerWorkflows

extension Ledger {
    /// `ledger serve`: the ledger service.
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "serve",
            abstract: "Run the ledger service: it alone holds the keys, authenticates each caller and records who asked.",
            discussion: """
                Serves the HTTP API of docs/openapi.json (also at GET /openapi.json) for the ledger of
                --db/--key-file. Callers send `Authorization: Bearer <token>` (tokens from `ledger users add`);
                the actor recorded is the authenticated user. The models' API keys come from the
                --server-config file's [models.NAME] tables (api_key_file, base_url).

                The first line on stdout is `listening on HOST:PORT` (port 0 picks a free one). A non-loopback
                --listen needs --tls-cert and --tls-key. SIGTERM or SIGINT stop it gracefully: requests in flight
                finish (a switch records its completion), then it exits 0. See docs/service.md.

                Exit codes: 0 after SIGTERM/SIGINT; 6 the ledger does not verify; 64 bad flags (a non-loopback
                --listen without TLS); 69 cannot listen; 74 the ledger cannot be opened; 78 unusable users file,
                server config, API key, TLS or signing key.

                Example:
                  ledger serve --listen 127.0.0.1:8443 --users /etc/model-ledger/users.json \\
                      --server-config /etc/model-ledger/server.toml
                """)

        @Option(help: ArgumentHelp("HOST:PORT to listen on ([::1]:PORT for IPv6; port 0 picks a free one).", valueName: "host:port"))
        var listen: String = "127.0.0.1:8443"

        @Option(name: .customLong("tls-cert"), help: ArgumentHelp("PEM certificate chain (leaf first) to serve HTTPS; needs --tls-key.", valueName: "pem"))
        var tlsCert: String?

        @Option(name: .customLong("tls-key"), help: ArgumentHelp("PEM private key of --tls-cert (never printed).", valueName: "pem"))
        var tlsKey: String?

        @Option(name: .customLong("users"), help: ArgumentHelp("The users file (from `ledger users add`, mode 0600).", valueName: "file"))
        var users: String

        @Option(
            name: .customLong("server-config"),
            help: ArgumentHelp("TOML file naming per model the API key file and base URL ([models.NAME] api_key_file, base_url).", valueName: "file"))
        var serverConfig: String?

        @Option(name: .customLong("sign-key"), help: ArgumentHelp("Ed25519 private key (PEM) that signs checkpoints (POST /v1/checkpoints).", valueName: "pem"))
        var signKey: String?

        @Option(name: .customLong("ca-file"), help: ArgumentHelp("PEM file of extra CA certificates to trust for the retrain API.", valueName: "path"))
        var caFile: String?

        @Option(name: .customLong("max-body-bytes"), help: ArgumentHelp("Largest JSON request body.", valueName: "bytes"))
        var maxBodyBytes: Int = 64 * 1024

        @Option(name: .customLong("max-upload-bytes"), help: ArgumentHelp("Largest upload (POST /v1/uploads).", valueName: "bytes"))
        var maxUploadBytes: Int = 1 << 30

        @Option(name: .customLong("request-timeout"), help: ArgumentHelp("Deadline of one call, in seconds (504 after it).", valueName: "seconds"))
        var requestTimeout: Double = 120

        @Option(name: .customLong("max-queued-switches"), help: ArgumentHelp("Switches of one model that may wait (429 beyond).", valueName: "n"))
        var maxQueuedSwitches: Int = 64

        @Option(help: ArgumentHelp("Seconds the retrain API may take for each call (recorded as the switch's deadline).", valueName: "seconds"))
        var timeout: Double = 60

        @OptionGroup var options: LedgerOptions

        func validate() throws {
            guard (tlsCert == nil) == (tlsKey == nil) else { throw ValidationError("--tls-cert and --tls-key go together: pass both or neither") }
            if users.isEmpty { throw ValidationError("--users must not be empty") }
            guard timeout > 0, timeout <= 3600 else { throw ValidationError("--timeout must be between 0 and 3600 seconds") }
            do {
                try settings(tls: nil, checkTLS: false).validate()
            } catch {
                throw ValidationError(error.localizedDescription)
            }
        }

        private func settings(tls: ServiceTLS?, checkTLS: Bool = true) throws(ServiceSetupError) -> ServiceSettings {
            var limits = ServiceLimits()
            limits.maxBodyBytes = maxBodyBytes
            limits.maxUploadBytes = maxUploadBytes
            limits.requestTimeout = requestTimeout
            limits.maxQueuedSwitches = maxQueuedSwitches
            limits.callTimeout = timeout
            var settings = ServiceSettings(
                listen: try ListenAddress(listen), tls: tls, location: options.location, usersPath: Paths.expand(users),
                serverConfigPath: serverConfig.map(Paths.expand), signKeyPath: signKey.map(Paths.expand), caFile: caFile.map(Paths.expand),
                limits: limits)
            if !checkTLS && tlsCert != nil, !settings.listen.isLoopback {
                // validate() runs before the TLS files are read: a non-loopback bind with TLS flags is fine.
                settings.listen = ListenAddress(host: "127.0.0.1", port: settings.listen.port)
            }
            return settings
        }

        func run() async throws {
            do {
                let tls = try tlsCert.map { cert throws(ServiceSetupError) in try ServiceTLS.load(certificatePath: cert, keyPath: tlsKey ?? "") }
                let server = try await LedgerServer(settings: try settings(tls: tls)) { address in
                    Console.out("listening on \(address)")
                }
                try await server.run()
            } catch let error as ServiceSetupError {
                Console.error(error.localizedDescription)
                throw ExitCode(error.exitCode)
            } catch {
                Console.error("cannot serve: \(error)")
                throw ExitCode(69)
            }
        }
    }
}
