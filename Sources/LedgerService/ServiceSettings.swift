import EPAClient
import Foundation
import LedgerCore
import LedgerWorkflows

/// The limits of the service (contract D).
public struct ServiceLimits: Sendable, Equatable {
    /// The largest JSON request body (`--max-body-bytes`, default 64 KiB).
    public var maxBodyBytes: Int = 64 * 1024
    /// The largest upload body (`--max-upload-bytes`, default 1 GiB).
    public var maxUploadBytes: Int = 1 << 30
    /// The deadline of one call (`--request-timeout`, seconds, default 120).
    public var requestTimeout: Double = 120
    /// How many switches of one model may wait behind the running one (`--max-queued-switches`, default 64).
    public var maxQueuedSwitches: Int = 64
    /// The vendor API's whole-call deadline (seconds), recorded in `switch.requested` as for the CLI.
    public var callTimeout: Double = EPAConfiguration.defaultRequestTimeout

    /// The defaults.
    public init() {}
}

/// Everything `ledger serve` needs to start.
public struct ServiceSettings: Sendable {
    /// Where to listen.
    public var listen: ListenAddress
    /// TLS (required for a non-loopback `listen`).
    public var tls: ServiceTLS?
    /// The ledger's database and key file.
    public var location: LedgerLocation
    /// The users file.
    public var usersPath: String
    /// The server config (`[models.NAME] api_key_file, base_url`), if any.
    public var serverConfigPath: String?
    /// The Ed25519 private key (PEM) that signs checkpoints, if any.
    public var signKeyPath: String?
    /// Extra CA certificates for the vendor API (PEM), if any.
    public var caFile: String?
    /// Limits.
    public var limits: ServiceLimits

    /// Settings with the default limits.
    public init(
        listen: ListenAddress, tls: ServiceTLS? = nil, location: LedgerLocation, usersPath: String, serverConfigPath: String? = nil,
        signKeyPath: String? = nil, caFile: String? = nil, limits: ServiceLimits = ServiceLimits()
    ) {
        self.listen = listen
        self.tls = tls
        self.location = location
        self.usersPath = usersPath
        self.serverConfigPath = serverConfigPath
        self.signKeyPath = signKeyPath
        self.caFile = caFile
        self.limits = limits
    }

    /// Checks what can be checked without opening anything: a non-loopback bind needs TLS (exit 64), limits in range.
    public func validate() throws(ServiceSetupError) {
        if !listen.isLoopback && tls == nil {
            throw .usage("--listen \(listen.host) is not a loopback address: pass --tls-cert and --tls-key (tokens must not cross a network in clear)")
        }
        guard limits.maxBodyBytes >= 1024, limits.maxBodyBytes <= 64 << 20 else { throw .usage("--max-body-bytes must be between 1024 and 67108864") }
        guard limits.maxUploadBytes >= 1, limits.maxUploadBytes <= 1 << 40 else { throw .usage("--max-upload-bytes must be between 1 and 2^40") }
        guard limits.requestTimeout > 0, limits.requestTimeout <= 3600 else { throw .usage("--request-timeout must be between 0 and 3600 seconds") }
        guard limits.maxQueuedSwitches >= 0, limits.maxQueuedSwitches <= 100_000 else {
            throw .usage("--max-queued-switches must be between 0 and 100000")
        }
    }
}

/// One model the service may call: its API client (own event loop) and key.
final class ModelEndpoint: Sendable {
    let name: String
    let client: EPAClient
    let apiKey: String

    init(name: String, client: EPAClient, apiKey: String) {
        self.name = name
        self.client = client
        self.apiKey = apiKey
    }

    /// Loads the `[models.NAME]` tables of the server config: every key file is read now (SecretFile
    /// rules) and checked, every base URL too; any problem stops the start (exit 78), naming the file, never a key.
    static func load(configPath: String?, caFile: String?, callTimeout: Double) throws(ServiceSetupError) -> [String: ModelEndpoint] {
        guard let configPath else { return [:] }
        let config: LedgerConfig
        do {
            config = try LedgerConfig.load(path: configPath)
        } catch {
            throw .configuration(error.localizedDescription)
        }
        var endpoints: [String: ModelEndpoint] = [:]
        for (name, model) in config.models.sorted(by: { $0.key < $1.key }) {
            let place = "--server-config \(configPath) [models.\(name)]"
            if let problem = Identifier.problem(with: name) { throw .configuration("\(place): the model name is not accepted: \(problem)") }
            guard let keyFile = model.apiKeyFile?.value else { throw .configuration("\(place): api_key_file is missing") }
            var bytes: [UInt8]
            do {
                bytes = try SecretFile.read(path: keyFile, what: "API key file")
            } catch {
                throw .configuration("\(place): API key file \(keyFile): \(error.localizedDescription)")
            }
            let key = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            Digest.wipe(&bytes)
            do {
                try EPAClient.checkAPIKey(key)
            } catch {
                throw .configuration("\(place): API key file \(keyFile): \(error.localizedDescription)")
            }
            var configuration = EPAConfiguration()
            if let baseURL = model.baseURL?.value { configuration.baseURL = baseURL }
            configuration.requestTimeout = callTimeout
            configuration.caFile = caFile
            do {
                endpoints[name] = ModelEndpoint(name: name, client: try EPAClient(configuration: configuration), apiKey: key)
            } catch {
                throw .configuration("\(place): \(error.localizedDescription)")
            }
        }
        return endpoints
    }
}
