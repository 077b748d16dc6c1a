import ArgumentParser
import Foundation
import LedgerCore
import LedgerWorkflows

/// `--db` and `--key-file`, shared by every command. Flags override the environment
/// (`LEDGER_DB`, `LEDGER_KEY_FILE`), which overrides the XDG defaults.
struct LedgerOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The ledger database (default: $LEDGER_DB, else $XDG_DATA_HOME/model-ledger/ledger.sqlite).",
            valueName: "path"))
    var db: String?

    @Option(
        name: .customLong("key-file"),
        help: ArgumentHelp(
            "The HMAC key file (default: $LEDGER_KEY_FILE, else $XDG_CONFIG_HOME/model-ledger/ledger.key).",
            valueName: "path"))
    var keyFile: String?

    func validate() throws {
        if db?.isEmpty == true { throw ValidationError("--db must not be empty") }
        if keyFile?.isEmpty == true { throw ValidationError("--key-file must not be empty") }
    }

    /// The database path in force.
    var databasePath: String {
        Paths.resolve(flag: db, env: "LEDGER_DB", xdg: "XDG_DATA_HOME", fallback: ".local/share", file: "ledger.sqlite")
    }

    /// The key file path in force.
    var keyFilePath: String {
        Paths.resolve(flag: keyFile, env: "LEDGER_KEY_FILE", xdg: "XDG_CONFIG_HOME", fallback: ".config", file: "ledger.key")
    }

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

/// `--actor`: who is responsible for a write.
struct ActorOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Who is responsible: a person or pipeline (default: $LEDGER_ACTOR, else your login name).",
            valueName: "name"))
    var actor: String?

    func validate() throws {
        if let actor {
            try validateName(actor, flag: "--actor")
        } else if let actor = ProcessInfo.processInfo.environment["LEDGER_ACTOR"], !actor.isEmpty {
            try validateName(actor, flag: "LEDGER_ACTOR")
        }
    }

    /// The provenance of entries written by this process.
    var provenance: Provenance {
        Provenance(actor: actor ?? ProcessInfo.processInfo.environment["LEDGER_ACTOR"])
    }
}

enum Paths {
    static func resolve(flag: String?, env: String, xdg: String, fallback: String, file: String) -> String {
        let environment = ProcessInfo.processInfo.environment
        if let flag { return expand(flag) }
        if let value = environment[env], !value.isEmpty { return expand(value) }
        let base: String
        if let dir = environment[xdg], dir.hasPrefix("/") {
            base = dir
        } else {
            base = (environment["HOME"] ?? NSHomeDirectory()) + "/" + fallback
        }
        return base + "/model-ledger/" + file
    }

    static func expand(_ path: String) -> String {
        (path as NSString).expandingTildeInPath
    }
}

/// Output formats.
enum TextOrJSON: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

enum ListFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, csv
}
