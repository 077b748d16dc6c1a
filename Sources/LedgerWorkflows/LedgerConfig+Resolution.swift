import EPAClient
import Foundation

/// Where a setting in force came from.
public enum ConfigSource: Sendable, Equatable {
    /// A command-line flag (its name, e.g. `--db`).
    case flag(String)
    /// An environment variable (its name, e.g. `LEDGER_DB`).
    case environment(String)
    /// The config file, at a line when known.
    case configFile(path: String, line: Int?)
    /// The built-in default.
    case builtIn

    /// `flag`, `env`, `config` or `default`.
    public var kind: String {
        switch self {
        case .flag: "flag"
        case .environment: "env"
        case .configFile: "config"
        case .builtIn: "default"
        }
    }

    /// The flag or variable name, or `FILE:LINE` for the config file; nil for the default.
    public var origin: String? {
        switch self {
        case .flag(let name), .environment(let name): name
        case .configFile(let path, let line): line.map { "\(path):\($0)" } ?? path
        case .builtIn: nil
        }
    }

    /// `flag --db`, `env LEDGER_DB`, `config FILE:LINE` or `default`.
    public var description: String {
        origin.map { "\(kind) \($0)" } ?? kind
    }
}

/// A setting in force and where it came from.
public struct ResolvedSetting: Sendable, Equatable {
    /// The value (a path, a name or a URL; never a secret).
    public var value: String
    /// Where it came from.
    public var source: ConfigSource

    /// A value from `source`.
    public init(value: String, source: ConfigSource) {
        self.value = value
        self.source = source
    }
}

/// Where a model's API key comes from: a file (its path; the key itself is never held here) or the
/// `EPA_API_KEY` variable (its value is never shown).
public enum APIKeySource: Sendable, Equatable {
    /// A key file, from a flag or the config file.
    case file(ResolvedSetting)
    /// The key itself in an environment variable (named).
    case environment(String)
}

/// The one place where every setting is resolved: flags > environment > config file > built-in
/// defaults (docs/config.md). The CLI's option groups ask it; `ledger config show` lists it.
///
/// The config file is `--config FILE`, else `LEDGER_CONFIG`, else
/// `$XDG_CONFIG_HOME/model-ledger/config.toml` (`~/.config/…`). A file named explicitly must exist;
/// the default one may be absent.
public struct ConfigResolution: Sendable {
    /// The environment read (the process's, or a test's).
    public let environment: [String: String]
    /// The home directory the XDG defaults fall back to.
    public let home: String
    /// The config file chosen and why (flag, `LEDGER_CONFIG` or default), whether or not it exists.
    public let configPath: ResolvedSetting
    /// The config file read, nil when the default one is absent.
    public let file: LedgerConfig?

    /// `LEDGER_CONFIG`.
    public static let configVariable = "LEDGER_CONFIG"

    /// Picks and reads the config file: `configFlag` (`--config`), else `LEDGER_CONFIG`, else the
    /// XDG default. A file named by the flag or the variable must exist; the default may be absent.
    public static func load(
        configFlag: String?, environment: [String: String], home: String? = nil
    ) throws(LedgerConfigError) -> ConfigResolution {
        let home = home ?? environment["HOME"] ?? NSHomeDirectory()
        let chosen: ResolvedSetting
        let explicit: Bool
        if let configFlag {
            chosen = ResolvedSetting(value: absolute(configFlag, home: home), source: .flag("--config"))
            explicit = true
        } else if let value = nonEmpty(environment[configVariable]) {
            chosen = ResolvedSetting(value: absolute(value, home: home), source: .environment(configVariable))
            explicit = true
        } else {
            chosen = ResolvedSetting(
                value: xdgDefault(environment: environment, home: home, xdg: "XDG_CONFIG_HOME", fallback: ".config", file: "config.toml"),
                source: .builtIn)
            explicit = false
        }
        var file: LedgerConfig?
        if explicit || FileManager.default.fileExists(atPath: chosen.value) {
            file = try LedgerConfig.load(path: chosen.value, home: home)
        }
        return ConfigResolution(environment: environment, home: home, configPath: chosen, file: file)
    }

    /// A resolution over an already-read config (tests, and the service's own config).
    public init(environment: [String: String], home: String, configPath: ResolvedSetting, file: LedgerConfig?) {
        self.environment = environment
        self.home = home
        self.configPath = configPath
        self.file = file
    }

    // MARK: - The settings

    /// The ledger database: `--db`, `LEDGER_DB`, `db`, `$XDG_DATA_HOME/model-ledger/ledger.sqlite`.
    public func database(flag: String?) -> ResolvedSetting {
        resolve(flag: flag, flagName: "--db", variable: "LEDGER_DB", setting: file?.database, isPath: true)
            ?? ResolvedSetting(
                value: Self.xdgDefault(environment: environment, home: home, xdg: "XDG_DATA_HOME", fallback: ".local/share", file: "ledger.sqlite"),
                source: .builtIn)
    }

    /// The HMAC key file: `--key-file`, `LEDGER_KEY_FILE`, `key_file`, `$XDG_CONFIG_HOME/model-ledger/ledger.key`.
    public func keyFile(flag: String?) -> ResolvedSetting {
        resolve(flag: flag, flagName: "--key-file", variable: "LEDGER_KEY_FILE", setting: file?.keyFile, isPath: true)
            ?? ResolvedSetting(
                value: Self.xdgDefault(environment: environment, home: home, xdg: "XDG_CONFIG_HOME", fallback: ".config", file: "ledger.key"),
                source: .builtIn)
    }

    /// The actor: `--actor`, `LEDGER_ACTOR`, `actor`; nil means the login name (the default).
    public func actor(flag: String?) -> ResolvedSetting? {
        resolve(flag: flag, flagName: "--actor", variable: "LEDGER_ACTOR", setting: file?.actor, isPath: false)
    }

    /// The approval policy file: `--policy`, `LEDGER_POLICY`, `policy`; nil means none (the policy
    /// recorded in the ledger, if any, is in force).
    public func policy(flag: String?) -> ResolvedSetting? {
        resolve(flag: flag, flagName: "--policy", variable: "LEDGER_POLICY", setting: file?.policy, isPath: true)
    }

    /// The ledger service's URL as the config file sets it (`server`).
    public var server: ResolvedSetting? { fromFile(file?.server) }

    /// The ledger service's token file as the config file sets it (`token_file`).
    public var tokenFile: ResolvedSetting? { fromFile(file?.tokenFile) }

    /// The ledger service (remote mode): `--server`, `LEDGER_SERVER`, `server`; nil means local mode.
    public func server(flag: String?) -> ResolvedSetting? {
        resolve(flag: flag, flagName: "--server", variable: "LEDGER_SERVER", setting: file?.server, isPath: false)
    }

    /// The ledger service's token file: `--token-file`, `LEDGER_TOKEN_FILE`, `token_file`; nil when none is set.
    public func tokenFile(flag: String?) -> ResolvedSetting? {
        resolve(flag: flag, flagName: "--token-file", variable: "LEDGER_TOKEN_FILE", setting: file?.tokenFile, isPath: true)
    }

    /// Where `model`'s API key comes from: `--api-key-file`, `EPA_API_KEY` (the key itself),
    /// `[models.MODEL] api_key_file`; nil when none is set.
    public func apiKey(flag: String?, model: String?) -> APIKeySource? {
        if let flag { return .file(ResolvedSetting(value: Self.expand(flag), source: .flag("--api-key-file"))) }
        if let value = environment["EPA_API_KEY"], !value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            return .environment("EPA_API_KEY")
        }
        return fromFile(model.flatMap { file?.models[$0]?.apiKeyFile }).map { .file($0) }
    }

    /// `model`'s API base URL: `--base-url`, `EPA_BASE_URL`, `[models.MODEL] base_url`, the real service.
    public func baseURL(flag: String?, model: String?) -> ResolvedSetting {
        resolve(flag: flag, flagName: "--base-url", variable: "EPA_BASE_URL", setting: model.flatMap { file?.models[$0]?.baseURL }, isPath: false)
            ?? ResolvedSetting(value: EPAConfiguration.defaultBaseURL, source: .builtIn)
    }

    /// Extra CA certificates for https: `--ca-file`, `EPA_CA_FILE`; nil means the system roots only.
    public func caFile(flag: String?) -> ResolvedSetting? {
        resolve(flag: flag, flagName: "--ca-file", variable: "EPA_CA_FILE", setting: nil, isPath: true)
    }

    /// The model names with a `[models.NAME]` table, sorted.
    public var modelNames: [String] { (file?.models.keys).map { $0.sorted() } ?? [] }

    // MARK: - Helpers

    private func resolve(flag: String?, flagName: String, variable: String, setting: LedgerConfig.Setting?, isPath: Bool)
        -> ResolvedSetting?
    {
        if let flag { return ResolvedSetting(value: isPath ? Self.expand(flag) : flag, source: .flag(flagName)) }
        if let value = Self.nonEmpty(environment[variable]) {
            return ResolvedSetting(value: isPath ? Self.expand(value) : value, source: .environment(variable))
        }
        return fromFile(setting)
    }

    private func fromFile(_ setting: LedgerConfig.Setting?) -> ResolvedSetting? {
        guard let setting, let file else { return nil }
        return ResolvedSetting(value: setting.value, source: .configFile(path: file.path, line: setting.line))
    }

    private static func nonEmpty(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        return value
    }

    /// `~` expanded.
    public static func expand(_ path: String) -> String {
        (path as NSString).expandingTildeInPath
    }

    private static func absolute(_ path: String, home: String) -> String {
        let expanded = expand(path)
        if expanded.hasPrefix("/") { return expanded }
        return (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(expanded)
    }

    /// `$XDG…/model-ledger/FILE` when the variable holds an absolute path, else `HOME/FALLBACK/model-ledger/FILE`.
    static func xdgDefault(environment: [String: String], home: String, xdg: String, fallback: String, file: String) -> String {
        let base: String
        if let dir = environment[xdg], dir.hasPrefix("/") {
            base = dir
        } else {
            base = home + "/" + fallback
        }
        return base + "/model-ledger/" + file
    }
}
