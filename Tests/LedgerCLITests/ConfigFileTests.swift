import Foundation
import LedgerCore
import LedgerTestSupport
import LedgerWorkflows
import Testing

/// The config file (issue 16, docs/config.md): `config.toml` found in `$XDG_CONFIG_HOME` or `~/.config`,
/// `--config`, `LEDGER_CONFIG`; precedence flags > environment > config > defaults; errors with exit 78.
/// The built `ledger` against the simulator on loopback.
@Suite("config file: one file, precedence, errors, no secrets")
struct ConfigFileTests {
    /// A scratch HOME with `~/.config/model-ledger/config.toml` holding `text`.
    final class Home: @unchecked Sendable {
        let directory = TemporaryDirectory(prefix: "model-ledger-home")
        var path: String { directory.path }
        var configDirectory: String { path + "/.config/model-ledger" }
        var configPath: String { configDirectory + "/config.toml" }

        init(config text: String? = nil) throws {
            try FileManager.default.createDirectory(
                atPath: configDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            if let text { try write(text) }
        }

        func write(_ text: String, to path: String? = nil) throws {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path ?? configPath))
        }

        /// Runs the built `ledger` with only this HOME (plus `environment`): no flag or variable unless given.
        func ledger(_ arguments: [String], environment: [String: String] = [:]) throws -> ProcessResult {
            try Binaries.ledger(arguments, environment: ["HOME": path].merging(environment) { _, new in new })
        }
    }

    /// The API key file for churn, mode 0600, in the config directory (named relatively in the config).
    static func writeChurnKey(in home: Home) -> String {
        let path = home.configDirectory + "/churn.apikey"
        FileManager.default.createFile(
            atPath: path, contents: Data((SwitchFixture.churnKey + "\n").utf8), attributes: [.posixPermissions: 0o600])
        return path
    }

    static func json(_ result: ProcessResult) throws -> JSONValue {
        try JSONValue(parsing: result.stdout)
    }

    @Test("`ledger switch JOB --model churn --reason R` works with only the config file: ledger, key, actor, API key file and base URL from it")
    func switchWithOnlyTheConfigFile() throws {
        let simulator = try SimulatorProcess(fixture: SwitchFixture.json)
        let ledger = try TestLedger()
        let home = try Home()
        _ = Self.writeChurnKey(in: home)
        try home.write(
            """
            # the team's settings
            db = "\(ledger.dbPath)"
            key_file = "\(ledger.keyPath)"
            actor = "team-pipeline"

            [models.churn]
            api_key_file = "churn.apikey"      # relative: beside this file
            base_url = "\(simulator.baseURL)"
            """)

        let result = try home.ledger(["switch", "job-ok", "--model", "churn", "--reason", "CHG-123"])
        #expect(result.exitCode == 0, "\(result.allOutput)")
        #expect(!result.allOutput.contains(SwitchFixture.churnKey))

        var entries: [LedgerEntry] = []
        try LedgerStore.open(path: ledger.dbPath, writable: false).forEachEntry(matching: EntryFilter()) { entries.append($0) }
        let completed = try #require(entries.last { $0.kind == EntryKind.switchCompleted })
        #expect(completed.outcome == .succeeded)
        #expect(completed.model == "churn" && completed.retrainJobID == "job-ok" && completed.reason == "CHG-123")
        #expect(completed.actor == "team-pipeline")
        #expect(try simulator.liveJob(model: "churn") == "job-ok")

        // `--proposal` without `--model`: the model, and so its [models.churn] table, comes from the proposal.
        let proposed = try home.ledger(["propose", "job-ok-2", "--model", "churn", "--reason", "CHG-124", "--format", "json"])
        let seq = try #require(try Self.json(proposed)["seq"]?.integerValue, "\(proposed.allOutput)")
        let byProposal = try home.ledger(["switch", "--proposal", String(seq)])
        #expect(byProposal.exitCode == 0, "\(byProposal.allOutput)")
        #expect(try simulator.liveJob(model: "churn") == "job-ok-2")
        #expect(try home.ledger(["verify"]).exitCode == 0)
    }

    @Test("precedence, as `config show --format json` reports it: a flag beats the environment, which beats the config file, which beats the defaults")
    func precedenceFlagBeatsEnvironmentBeatsConfig() throws {
        let home = try Home(
            config: """
                db = "from-config.sqlite"
                key_file = "~/from-config.key"
                actor = "config-actor"
                policy = "policy.toml"

                [models.churn]
                api_key_file = "churn.apikey"
                base_url = "http://127.0.0.1:1/v1/external"
                """)
        let environment = ["LEDGER_KEY_FILE": "/env/ledger.key", "LEDGER_ACTOR": "env-actor", "EPA_BASE_URL": "http://127.0.0.1:2/v1/external"]
        let result = try home.ledger(["config", "show", "--format", "json", "--actor", "flag-actor"], environment: environment)
        #expect(result.exitCode == 0, "\(result.allOutput)")
        let json = try Self.json(result)
        let settings = try #require(json["settings"])

        #expect(json["config_file"]?["path"]?.stringValue == home.configPath)
        #expect(json["config_file"]?["source"]?.stringValue == "default")
        // config (paths resolved: relative to the file's directory, ~ to HOME), each with its line
        #expect(settings["db"]?["value"]?.stringValue == home.configDirectory + "/from-config.sqlite")
        #expect(settings["db"]?["source"]?.stringValue == "config")
        #expect(settings["db"]?["from"]?.stringValue == home.configPath + ":1")
        #expect(settings["policy"]?["from"]?.stringValue == home.configPath + ":4")
        // environment beats config
        #expect(settings["key_file"]?["value"]?.stringValue == "/env/ledger.key")
        #expect(settings["key_file"]?["source"]?.stringValue == "env")
        #expect(settings["key_file"]?["from"]?.stringValue == "LEDGER_KEY_FILE")
        #expect(json["models"]?["churn"]?["base_url"]?["from"]?.stringValue == "EPA_BASE_URL")
        #expect(json["models"]?["churn"]?["api_key_file"]?["from"]?.stringValue == home.configPath + ":7")
        // flag beats environment
        #expect(settings["actor"]?["value"]?.stringValue == "flag-actor")
        #expect(settings["actor"]?["source"]?.stringValue == "flag")
        #expect(settings["actor"]?["from"]?.stringValue == "--actor")

        // Without the flag and the variables: config; ~ means HOME.
        let plain = try Self.json(try home.ledger(["config", "show", "--format", "json"]))
        #expect(plain["settings"]?["actor"]?["value"]?.stringValue == "config-actor")
        #expect(plain["settings"]?["key_file"]?["value"]?.stringValue == home.path + "/from-config.key")
        #expect(plain["models"]?["churn"]?["base_url"]?["value"]?.stringValue == "http://127.0.0.1:1/v1/external")

        // --config beats LEDGER_CONFIG, which beats the default file; XDG_CONFIG_HOME moves the default.
        let other = TemporaryDirectory(prefix: "model-ledger-cfg")
        try home.write("actor = \"other-actor\"\n", to: other.file("a.toml"))
        try home.write("actor = \"flag-file-actor\"\n", to: other.file("b.toml"))
        let byVariable = try Self.json(try home.ledger(["config", "show", "--format", "json"], environment: ["LEDGER_CONFIG": other.file("a.toml")]))
        #expect(byVariable["config_file"]?["source"]?.stringValue == "env")
        #expect(byVariable["settings"]?["actor"]?["value"]?.stringValue == "other-actor")
        let byFlag = try Self.json(
            try home.ledger(["config", "show", "--format", "json", "--config", other.file("b.toml")], environment: ["LEDGER_CONFIG": other.file("a.toml")]))
        #expect(byFlag["config_file"]?["source"]?.stringValue == "flag")
        #expect(byFlag["settings"]?["actor"]?["value"]?.stringValue == "flag-file-actor")
        let xdg = TemporaryDirectory(prefix: "model-ledger-xdg")
        let byXDG = try Self.json(try home.ledger(["config", "show", "--format", "json"], environment: ["XDG_CONFIG_HOME": xdg.path]))
        #expect(byXDG["config_file"]?["path"]?.stringValue == xdg.path + "/model-ledger/config.toml")
        #expect(byXDG["config_file"]?["found"] == .bool(false))
        #expect(byXDG["settings"]?["actor"]?["source"]?.stringValue == "default")
    }

    @Test(
        "an unknown key, at the top level or in a [models.NAME] table, exits 78 naming the key and its line; nothing is written",
        arguments: [
            ("db = \"x.sqlite\"\nactr = \"alice\"\n", "actr", 2),
            ("actor = \"alice\"\n\n[models.churn]\nbase_url = \"http://127.0.0.1:1/v1/external\"\napi_key_fil = \"k\"\n", "models.churn.api_key_fil", 5),
        ])
    func unknownKeyExits78NamingKeyAndLine(text: String, key: String, line: Int) throws {
        let ledger = try TestLedger()
        let home = try Home(config: text)
        let before = try Data(contentsOf: URL(fileURLWithPath: ledger.dbPath))
        for arguments in [
            ["config", "show"], ["log"] + ledger.arguments,
            ["switch", "job-ok", "--model", "churn", "--reason", "r"] + ledger.arguments,
        ] {
            let result = try home.ledger(arguments, environment: ["EPA_API_KEY": SwitchFixture.churnKey])
            #expect(result.exitCode == 78, "\(arguments): \(result.allOutput)")
            #expect(result.stderr.contains("\(home.configPath) line \(line): \(key): unknown key"), "\(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: ledger.dbPath)) == before)
    }

    @Test("a wrong type, a secret value, invalid TOML and an explicitly named missing file exit 78; a missing default file is fine")
    func otherConfigErrorsExit78() throws {
        let home = try Home()
        let cases: [(text: String, expected: String)] = [
            ("db = 3\n", "line 1: db: must be a string, not an integer"),
            ("[models.churn]\napi_key = \"\(SwitchFixture.churnKey)\"\n", "line 2: models.churn.api_key: the config file holds no secret values"),
            ("token = \"abc\"\n", "line 1: token: the config file holds no secret values, only paths to files that hold them: use token_file"),
            ("models = \"churn\"\n", "line 1: models: must be tables [models.NAME]"),
            ("[models.churn]\nbase_url = \"http://example.com/v1/external\"\n", "line 2: models.churn.base_url:"),
            ("actor = \"ali\u{202E}ce\"\n", "line 1: actor:"),
            ("db = \"x\"\ndb = \"y\"\n", "line 2: not valid TOML"),
        ]
        for (text, expected) in cases {
            try home.write(text)
            let result = try home.ledger(["config", "show"])
            #expect(result.exitCode == 78, "\(text): \(result.allOutput)")
            #expect(result.stderr.contains(expected), "\(text): \(result.stderr)")
            #expect(!result.allOutput.contains(SwitchFixture.churnKey))
        }
        #expect(try home.ledger(["config", "show"], environment: ["LEDGER_CONFIG": home.path + "/absent.toml"]).exitCode == 78)
        let missingFlag = try home.ledger(["config", "show", "--config", home.path + "/absent.toml"])
        #expect(missingFlag.exitCode == 78)
        #expect(missingFlag.stderr.contains("absent.toml: no such file"))
        try FileManager.default.removeItem(atPath: home.configPath)
        let none = try home.ledger(["config", "show", "--format", "json"])
        #expect(none.exitCode == 0, "\(none.allOutput)")
        #expect(try Self.json(none)["config_file"]?["found"] == .bool(false))
    }

    @Test("`config show` shows API key and token files as paths and never prints an API key, in text or JSON")
    func configShowNeverPrintsTheAPIKey() throws {
        let home = try Home(
            config: """
                server = "https://ledger.example.com"
                token_file = "service.token"

                [models.churn]
                api_key_file = "churn.apikey"
                """)
        let keyPath = Self.writeChurnKey(in: home)
        FileManager.default.createFile(
            atPath: home.configDirectory + "/service.token", contents: Data("tok-SECRET-9a8b7c6d\n".utf8), attributes: [.posixPermissions: 0o600])
        for format in ["text", "json"] {
            let fromFile = try home.ledger(["config", "show", "--format", format])
            #expect(fromFile.exitCode == 0, "\(fromFile.allOutput)")
            #expect(fromFile.stdout.contains(keyPath))
            #expect(fromFile.stdout.contains(home.configDirectory + "/service.token"))
            #expect(!fromFile.allOutput.contains(SwitchFixture.churnKey))
            #expect(!fromFile.allOutput.contains("tok-SECRET"))
            #expect(fromFile.stdout.contains("remote mode: commands ask this ledger service"))

            let fromEnvironment = try home.ledger(
                ["config", "show", "--format", format, "--model", "fraud"], environment: ["EPA_API_KEY": SwitchFixture.fraudKey])
            #expect(fromEnvironment.exitCode == 0, "\(fromEnvironment.allOutput)")
            #expect(fromEnvironment.stdout.contains("EPA_API_KEY"))
            #expect(!fromEnvironment.allOutput.contains(SwitchFixture.fraudKey))
            #expect(!fromEnvironment.allOutput.contains(SwitchFixture.churnKey))
        }
    }

    @Test("LedgerConfig resolves relative paths against the file's directory and ~ against the home given")
    func pathsAreResolved() throws {
        let config = try LedgerConfig.parse(
            """
            db = "data/ledger.sqlite"
            key_file = "~/keys/ledger.key"
            policy = "/etc/model-ledger/policy.toml"

            [models.churn]
            api_key_file = "../churn.apikey"
            """, path: "/srv/team/config.toml", home: "/home/alice")
        #expect(config.database == .init(value: "/srv/team/data/ledger.sqlite", line: 1))
        #expect(config.keyFile?.value == "/home/alice/keys/ledger.key")
        #expect(config.policy?.value == "/etc/model-ledger/policy.toml")
        #expect(config.models["churn"]?.apiKeyFile == .init(value: "/srv/team/../churn.apikey", line: 6))
        #expect(config.models["churn"]?.line == 5)
    }
}
