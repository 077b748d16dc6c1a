import ArgumentParser
import Foundation
import LedgerCore
import LedgerWorkflows

/// `--db`, `--key-file` and `--config`, shared by every command. Flags override the environment
/// (`LEDGER_DB`, `LEDGER_KEY_FILE`), which overrides the config file (`db`, `key_file`), which
/// overrides the XDG defaults: one resolution, ``ConfigResolution``, through ``CLIConfig``.
struct LedgerOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The ledger database (default: $LEDGER_DB, else the config file's db, else $XDG_DATA_HOME/model-ledger/ledger.sqlite).",
            valueName: "path"))
    var db: String?

    @Option(
        name: .customLong("key-file"),
        help: ArgumentHelp(
            "The HMAC key file (default: $LEDGER_KEY_FILE, else the config file's key_file, else $XDG_CONFIG_HOME/model-ledger/ledger.key).",
            valueName: "path"))
    var keyFile: String?

    @Option(
        name: .customLong("config"),
        help: ArgumentHelp(
            "The config file, TOML (default: $LEDGER_CONFIG, else $XDG_CONFIG_HOME/model-ledger/config.toml when present; see docs/config.md).",
            valueName: "path"))
    var config: String?

    /// Checks the flags, then reads the config file in force (once per process): an unreadable or
    /// invalid config file, or a missing one named with `--config` / `LEDGER_CONFIG`, exits 78.
    func validate() throws {
        if db?.isEmpty == true { throw ValidationError("--db must not be empty") }
        if keyFile?.isEmpty == true { throw ValidationError("--key-file must not be empty") }
        if config?.isEmpty == true { throw ValidationError("--config must not be empty") }
        CLIConfig.setFlag(config)
        do {
            _ = try CLIConfig.resolution()
        } catch {
            Console.error(error.message)
            throw ExitCode(error.exitCode.rawValue)
        }
    }

    /// The database path in force, with where it came from.
    var database: ResolvedSetting { CLIConfig.resolved().database(flag: db) }

    /// The key file path in force, with where it came from.
    var keyFileSetting: ResolvedSetting { CLIConfig.resolved().keyFile(flag: keyFile) }

    /// The database path in force.
    var databasePath: String { database.value }

    /// The key file path in force.
    var keyFilePath: String { keyFileSetting.value }

    /// The paths in force, for the library.
    var location: LedgerLocation {
        LedgerLocation(databasePath: databasePath, keyFilePath: keyFilePath)
    }

    /// Opens the ledger for reading.
    func openForReading() throws -> LedgerStore {
        try location.openForReading()
    }

    /// Loads the key file.
    func loadKeys() throws -> KeyRing {
        try location.loadKeys()
    }

    /// Where this installation keeps the last checkpoint it took of a ledger (beside the key).
    func localCheckpointPath(ledgerID: String) -> String {
        location.localCheckpointPath(ledgerID: ledgerID)
    }

    /// Where this installation remembers how far it has verified a ledger (beside the key).
    func verifiedMarkPath(ledgerID: String) -> String {
        location.verifiedMarkPath(ledgerID: ledgerID)
    }

    /// Opens the ledger for writing, failing closed (``LedgerSession/openForWriting(_:)``).
    func openForWriting() throws -> LedgerSession {
        try LedgerSession.openForWriting(location)
    }
}

/// `--actor`: who is responsible for a write (flag, `LEDGER_ACTOR`, the config file's `actor`, the login name).
struct ActorOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Who is responsible: a person or pipeline (default: $LEDGER_ACTOR, else the config file's actor, else your login name).",
            valueName: "name"))
    var actor: String?

    func validate() throws {
        if let actor {
            try validateName(actor, flag: "--actor")
        } else if let actor = ProcessInfo.processInfo.environment["LEDGER_ACTOR"], !actor.isEmpty {
            try validateName(actor, flag: "LEDGER_ACTOR")
        }
    }

    /// The actor in force and where it came from; nil means the login name.
    var resolvedActor: ResolvedSetting? { CLIConfig.resolved().actor(flag: actor) }

    /// The provenance of entries written by this process.
    var provenance: Provenance {
        Provenance(actor: resolvedActor?.value)
    }
}

/// The process's settings: the config file chosen by `--config` (registered by ``LedgerOptions``
/// while parsing), `LEDGER_CONFIG` or the XDG default, read once, and the environment; the option
/// groups resolve every setting through it (``ConfigResolution``: flags > environment > config > defaults).
enum CLIConfig {
    private final class State: @unchecked Sendable {
        let lock = NSLock()
        var flag: String?
        var loaded: Result<ConfigResolution, CLIError>?
    }

    private static let state = State()

    /// Records `--config` (before anything is resolved).
    static func setFlag(_ flag: String?) {
        state.lock.lock()
        defer { state.lock.unlock() }
        if state.flag != flag { state.loaded = nil }
        state.flag = flag
    }

    /// The resolution in force; a config file that cannot be used is a configuration error (exit 78).
    static func resolution() throws(CLIError) -> ConfigResolution {
        state.lock.lock()
        defer { state.lock.unlock() }
        if state.loaded == nil {
            do {
                state.loaded = .success(
                    try ConfigResolution.load(configFlag: state.flag, environment: ProcessInfo.processInfo.environment))
            } catch {
                state.loaded = .failure(CLIError(message: error.localizedDescription, exitCode: .configError))
            }
        }
        switch state.loaded {
        case .success(let resolution): return resolution
        case .failure(let error): throw error
        case nil: throw CLIError(message: "config file not read", exitCode: .software)
        }
    }

    /// The resolution in force, for accessors that cannot throw. ``LedgerOptions`` reads the config
    /// file while parsing, so an unusable one has already stopped the command with exit 78; should a
    /// command without ``LedgerOptions`` meet one, it stops here the same way.
    static func resolved() -> ConfigResolution {
        do {
            return try resolution()
        } catch {
            Console.error(error.message)
            Foundation.exit(error.exitCode.rawValue)
        }
    }
}

enum Paths {
    static func expand(_ path: String) -> String {
        ConfigResolution.expand(path)
    }
}

/// Output formats.
enum TextOrJSON: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

enum ListFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, csv
}
