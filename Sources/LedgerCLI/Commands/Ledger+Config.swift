import ArgumentParser
import Foundation
import LedgerCore
import LedgerWorkflows

extension Ledger {
    /// `ledger config`: the config file and the settings in force.
    struct ConfigCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "config",
            abstract: "Show the settings in force and where each came from (flag, environment, config file, default).",
            discussion: """
                The config file (docs/config.md) is --config FILE, else $LEDGER_CONFIG, else
                $XDG_CONFIG_HOME/model-ledger/config.toml (~/.config/…) when present. Precedence:
                flags > environment > config file > built-in defaults.

                Examples:
                  ledger config show
                  ledger config show --model churn --format json
                """,
            subcommands: [Show.self])
    }
}

extension Ledger.ConfigCommand {
    /// `ledger config show`: every effective value and its source; secrets as their file paths only.
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Show every setting in force and where it came from; secrets only as their file paths.",
            discussion: """
                Lists the config file in use, then db, key_file, actor, policy, ca_file, server,
                token_file, the API key file and base URL without a model table, and per model
                (each [models.NAME] table, and --model NAME) its api_key_file and base_url. Each
                value's source is `flag --NAME`, `env NAME`, `config FILE:LINE` or `default`.

                No secret is ever read or shown: an API key or token appears only as the path of
                the file holding it (an API key in EPA_API_KEY is shown as "set", never its value).
                Flags given here (--db, --actor, --api-key-file, --server, …) are resolved as for any
                command; with a server in force (remote mode) commands ask the ledger service instead.

                Exit status: 0, 64 usage, 78 the config file cannot be used (unknown key, wrong
                type, a secret value, invalid TOML, a file named with --config or LEDGER_CONFIG
                that is missing).

                Examples:
                  ledger config show
                  ledger config show --model churn --format json
                  LEDGER_CONFIG=team.toml ledger config show --db /tmp/other.sqlite
                """)

        @Option(help: ArgumentHelp("Also show this model's API key file and base URL (repeatable).", valueName: "name"))
        var model: [String] = []

        @OptionGroup var who: ActorOptions
        @OptionGroup var policy: PolicyOptions
        @OptionGroup var service: ServiceOptions
        @OptionGroup var options: LedgerOptions
        @OptionGroup var remote: RemoteOptions

        @Option(help: "Output format: text or json.") var format: TextOrJSON = .text

        func validate() throws {
            for name in model { try validateName(name, flag: "--model") }
        }

        func run() async throws {
            try await runReportingErrors {
                let resolution = try CLIConfig.resolution()
                ConfigOutput.print(settings(resolution), configFile: resolution, format: format)
            }
        }

        /// Every setting in force, in display order.
        private func settings(_ resolution: ConfigResolution) -> [ConfigOutput.Row] {
            let server = resolution.server(flag: remote.server), tokenFile = resolution.tokenFile(flag: remote.tokenFile)
            var rows: [ConfigOutput.Row] = [
                .init(key: "db", setting: options.database),
                .init(key: "key_file", setting: options.keyFileSetting),
                .init(
                    key: "actor", setting: who.resolvedActor ?? ResolvedSetting(value: Provenance.currentOSUser(), source: .builtIn),
                    note: who.resolvedActor == nil ? "your login name" : nil),
                .init(key: "policy", setting: policy.resolved, note: policy.resolved == nil ? "none: the policy recorded in the ledger, if any" : nil),
                .init(
                    key: "ca_file", setting: resolution.caFile(flag: service.caFile),
                    note: resolution.caFile(flag: service.caFile) == nil ? "none: the system's roots" : nil),
                .init(
                    key: "server", setting: server,
                    note: server == nil ? "none: local mode" : "remote mode: commands ask this ledger service instead of opening a ledger"),
                .init(
                    key: "token_file", setting: tokenFile, note: tokenFile == nil ? "none" : "the ledger service's token (remote mode)",
                    secretFile: true),
            ]
            rows += modelRows(resolution, model: nil)
            var names = resolution.modelNames
            for name in model where !names.contains(name) { names.append(name) }
            for name in names { rows += modelRows(resolution, model: name) }
            return rows
        }

        /// A model's API key file and base URL (without a model: what applies to a model with no table).
        private func modelRows(_ resolution: ConfigResolution, model: String?) -> [ConfigOutput.Row] {
            let prefix = model.map { "models.\($0)." } ?? ""
            let keyRow: ConfigOutput.Row
            switch resolution.apiKey(flag: service.apiKeyFile, model: model) {
            case .file(let setting):
                keyRow = .init(key: prefix + "api_key_file", model: model, setting: setting, secretFile: true)
            case .environment(let name):
                keyRow = .init(
                    key: prefix + "api_key_file", model: model, setting: nil, source: .environment(name),
                    note: "the key itself is set in \(name); its value is never shown", secretFile: true)
            case nil:
                keyRow = .init(key: prefix + "api_key_file", model: model, setting: nil, note: "none: no API key", secretFile: true)
            }
            return [keyRow, .init(key: prefix + "base_url", model: model, setting: resolution.baseURL(flag: service.baseURL, model: model))]
        }
    }
}

/// How `ledger config show` presents the settings (paths, names and URLs only; never a secret).
enum ConfigOutput {
    /// One setting: its key, value (nil when unset) and source.
    struct Row {
        var key: String
        var model: String?
        var value: String?
        var source: ConfigSource
        var note: String?
        /// The value is the path of a file holding a secret (shown as the path only).
        var secretFile: Bool

        init(
            key: String, model: String? = nil, setting: ResolvedSetting?, source: ConfigSource? = nil, note: String? = nil,
            secretFile: Bool = false
        ) {
            self.key = key
            self.model = model
            self.value = setting?.value
            self.source = source ?? setting?.source ?? .builtIn
            self.note = note
            self.secretFile = secretFile
        }
    }

    static func print(_ rows: [ConfigOutput.Row], configFile resolution: ConfigResolution, format: TextOrJSON) {
        let file = resolution.configPath
        let found = resolution.file != nil
        switch format {
        case .json:
            func json(_ row: Row) -> JSONValue {
                var object: [String: JSONValue] = [
                    "value": row.value.map { .string($0) } ?? .null,
                    "source": .string(row.source.kind),
                    "from": row.source.origin.map { .string($0) } ?? .null,
                ]
                if let note = row.note { object["note"] = .string(note) }
                if row.secretFile { object["secret_shown_as"] = .string("file path") }
                return .object(object)
            }
            var settings: [String: JSONValue] = [:]
            var models: [String: JSONValue] = [:]
            for row in rows {
                if let model = row.model {
                    let name = String(row.key.dropFirst("models.\(model).".count))
                    var table = models[model]?.objectValue ?? [:]
                    table[name] = json(row)
                    models[model] = .object(table)
                } else {
                    settings[row.key] = json(row)
                }
            }
            Console.out(
                JSONValue.object([
                    "config_file": .object([
                        "path": .string(file.value), "source": .string(file.source.kind),
                        "from": file.source.origin.map { .string($0) } ?? .null, "found": .bool(found),
                    ]),
                    "settings": .object(settings),
                    "models": .object(models),
                ]).prettyPrinted())
        case .text:
            let width = max(12, rows.map(\.key.count).max() ?? 0) + 2
            func line(_ key: String, _ value: String, _ source: String) {
                let padded = key + String(repeating: " ", count: max(1, width - key.count))
                Console.out(DisplayText.terminal(padded + value + "  (" + source + ")"))
            }
            line("config file", file.value, file.source.description + (found ? "" : "; not present, defaults apply"))
            for row in rows {
                line(row.key, row.value ?? "-", row.source.description + (row.note.map { "; \($0)" } ?? ""))
            }
        }
    }
}
