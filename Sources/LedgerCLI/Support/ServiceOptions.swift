import ArgumentParser
import EPAClient
import Foundation
import LedgerCore
import LedgerWorkflows

/// How to reach the retrain API: `--api-key-file` / `EPA_API_KEY` / the config file's
/// `[models.NAME] api_key_file`, `--base-url` / `EPA_BASE_URL` / `[models.NAME] base_url`, timeouts.
/// Resolved through ``CLIConfig`` (flags > environment > config > defaults); the model's table is
/// used when the caller passes the model.
struct ServiceOptions: ParsableArguments {
    @Option(
        name: .customLong("api-key-file"),
        help: ArgumentHelp(
            "File holding the model's API key, mode 0600 (default: the EPA_API_KEY environment variable, else the config file's [models.NAME] api_key_file).",
            valueName: "path"))
    var apiKeyFile: String?

    @Option(
        name: .customLong("base-url"),
        help: ArgumentHelp(
            "API base URL including /v1/external (default: $EPA_BASE_URL, else the config file's [models.NAME] base_url, else the real service). https is required except on loopback.",
            valueName: "url"))
    var baseURL: String?

    @Option(
        name: .customLong("ca-file"),
        help: ArgumentHelp(
            "PEM file of extra CA certificates to trust for https, in addition to the system's (default: $EPA_CA_FILE). Verification is never turned off.",
            valueName: "path"))
    var caFile: String?

    @Option(help: ArgumentHelp("Seconds to wait for the whole response of each call.", valueName: "seconds"))
    var timeout: Double = EPAConfiguration.defaultRequestTimeout

    @Option(name: .customLong("connect-timeout"), help: ArgumentHelp("Seconds to wait for the connection.", valueName: "seconds"))
    var connectTimeout: Double = EPAConfiguration.defaultConnectTimeout

    func validate() throws {
        guard timeout > 0, timeout <= 3600 else { throw ValidationError("--timeout must be between 0 and 3600 seconds") }
        guard connectTimeout > 0, connectTimeout <= 600 else {
            throw ValidationError("--connect-timeout must be between 0 and 600 seconds")
        }
        if let baseURL {
            do {
                _ = try EPAConfiguration.checkBaseURL(baseURL)
            } catch {
                throw ValidationError("--base-url: \(error.localizedDescription)")
            }
        }
    }

    /// The client configuration in force (for `model`'s `[models.NAME]` table when given).
    func configuration(model: String? = nil) -> EPAConfiguration {
        let resolution = CLIConfig.resolved()
        var configuration = EPAConfiguration()
        configuration.baseURL = resolution.baseURL(flag: baseURL, model: model).value
        configuration.requestTimeout = timeout
        configuration.connectTimeout = connectTimeout
        configuration.caFile = resolution.caFile(flag: caFile)?.value
        return configuration
    }

    /// The client configuration in force without a model table.
    var configuration: EPAConfiguration { configuration() }

    /// A client for the configuration in force (a bad `EPA_BASE_URL` or an unusable CA file is a configuration error).
    func makeClient(model: String? = nil) throws -> EPAClient {
        do {
            return try EPAClient(configuration: configuration(model: model))
        } catch EPAError.invalidConfiguration(let reason) where reason.hasPrefix("CA file") {
            throw CLIError(message: "\(caFile == nil ? "EPA_CA_FILE" : "--ca-file"): \(reason)", exitCode: .configError)
        } catch {
            let source = CLIConfig.resolved().baseURL(flag: baseURL, model: model).source
            throw CLIError(message: "\(source.origin ?? "base URL"): \(error.localizedDescription)", exitCode: .configError)
        }
    }

    /// Runs `body` with a client for the configuration in force, shutting the client down afterwards
    /// whether `body` returns or throws (AsyncHTTPClient requires an explicit shutdown).
    ///
    /// A caller mistake the client refuses before any network I/O (``EPAError``) becomes a documented
    /// exit code (64 for a bad argument, 78 for a configuration or key problem), never exit 70.
    ///
    /// With `model`, that model's `[models.NAME] base_url` in the config file applies (below the flag and the environment).
    func withClient<T>(model: String? = nil, _ body: (EPAClient) async throws -> T) async throws -> T {
        let client = try makeClient(model: model)
        do {
            let result = try await body(client)
            try? await client.shutdown()
            return result
        } catch let error as EPAError {
            try? await client.shutdown()
            throw CLIError(message: error.localizedDescription, exitCode: Self.exitCode(for: error))
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// The exit code for an error the client throws (caller mistakes, found before any network I/O).
    static func exitCode(for error: EPAError) -> LedgerExitCode {
        switch error {
        case .invalidRetrainJobID, .invalidFilename, .fileUnreadable: .usage
        case .malformedAPIKey, .insecureBaseURL, .invalidBaseURL, .invalidConfiguration: .configError
        default: .serviceFailed
        }
    }

    /// The API key: from `--api-key-file` (refused when group/other may read it), else `EPA_API_KEY`,
    /// else (with `model`) the config file's `[models.NAME] api_key_file`.
    /// The key is never printed; errors name the file, not its content.
    ///
    /// The key is checked here, before anything is written or sent (``EPAClient/checkAPIKey(_:)``:
    /// 8 to 4096 printable ASCII characters, no space): an unusable key is a configuration error (exit 78).
    func apiKey(model: String? = nil) throws -> String {
        let (key, source) = try loadAPIKey(model: model)
        do {
            try EPAClient.checkAPIKey(key)
        } catch {
            throw CLIError(message: "\(source): \(error.localizedDescription)", exitCode: .configError)
        }
        return key
    }

    /// The key and where it came from (for messages), unchecked.
    private func loadAPIKey(model: String?) throws -> (key: String, source: String) {
        switch CLIConfig.resolved().apiKey(flag: apiKeyFile, model: model) {
        case .file(let setting): return try loadAPIKeyFile(setting)
        case .environment(let name):
            let key = ProcessInfo.processInfo.environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            return (key, name)
        case nil:
            let table = model.map { ", or set api_key_file in the config file's [models.\($0)]" } ?? ""
            throw CLIError(
                message: "no API key: pass --api-key-file FILE (mode 0600) or set EPA_API_KEY\(table). Each published model has its own key.",
                exitCode: .configError)
        }
    }

    /// Reads an API key file (from the flag or the config file, named in messages).
    private func loadAPIKeyFile(_ setting: ResolvedSetting) throws -> (key: String, source: String) {
        let path = setting.value
        let origin = setting.source.kind == "config" ? " (\(setting.source.description))" : ""
        // The same rules as every secret file: owner, mode 0600, no swappable path (exit 78 otherwise).
        var bytes: [UInt8]
        do {
            bytes = try SecretFile.read(path: path, what: "API key file")
        } catch let error as LedgerError {
            switch error {
            case .keyFileMissing: throw CLIError(message: "no API key file at \(path)\(origin).", exitCode: .configError)
            case let .keyFilePermissions(_, mode):
                throw CLIError(
                    message:
                        "API key file \(path)\(origin) has mode \(String(format: "%04o", mode)); it must not be readable or writable by group or others. Fix it with: chmod 600 \(path)",
                    exitCode: .configError)
            default: throw CLIError(message: error.localizedDescription, exitCode: .configError)
            }
        }
        defer { Digest.wipe(&bytes) }
        let data = bytes
        let key = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !key.isEmpty, !key.contains("\n") else {
            throw CLIError(message: "API key file \(path)\(origin) must hold exactly one non-empty line.", exitCode: .configError)
        }
        return (key, "API key file \(path)")
    }
}

/// `--model` and `--reason`, required for every write that concerns a model.
struct ModelReasonOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Your name for the model (as used in reports), e.g. churn.", valueName: "name"))
    var model: String

    @Option(help: ArgumentHelp("Why: the justification or change-ticket reference, e.g. CHG-1234.", valueName: "text"))
    var reason: String

    func validate() throws {
        try validateName(model, flag: "--model")
        if reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw ValidationError("--reason must not be empty") }
    }
}

/// Validates a model or actor name given with `flag` (written or used as a filter) by the one rule,
/// ``Identifier/validate(_:)``: exit 64 with the offending code point named as U+XXXX.
func validateName(_ name: String, flag: String) throws {
    if let problem = Identifier.problem(with: name) {
        throw ValidationError("\(flag) \"\(Identifier.escaped(name))\" is not accepted: \(problem)")
    }
}

/// Validates a retrain job id for ArgumentParser (exit 64 before anything is sent or written).
func validateJobID(_ id: String) throws {
    do {
        try RetrainJobID.validate(id)
    } catch {
        throw ValidationError(error.localizedDescription)
    }
}
