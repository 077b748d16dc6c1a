import EPAClient
import Foundation
import LedgerCore
import TOMLKit

/// Why a config file could not be used (a configuration error, exit 78): the file, the line when
/// known, and what is wrong (naming the key when it is about one).
public struct LedgerConfigError: Error, Sendable, Equatable, LocalizedError {
    /// The file.
    public var path: String
    /// The 1-based line the problem is on, when known.
    public var line: Int?
    /// What is wrong.
    public var reason: String

    /// A config error in `path`, at `line` when known.
    public init(path: String, line: Int?, reason: String) {
        self.path = path
        self.line = line
        self.reason = reason
    }

    public var errorDescription: String? {
        "config file \(path)\(line.map { " line \($0)" } ?? ""): \(reason)"
    }
}

/// The config file (`config.toml`, docs/config.md): defaults for the ledger's files and actor, the
/// ledger service's URL and token file, and per model (`[models.NAME]`) the API key file and base URL.
///
/// The file holds no secret values, only paths to files that do: a key such as `api_key` or `token`
/// is refused. Paths are stored resolved: `~` expanded, a relative path taken against the directory
/// of the config file. Unknown keys and wrong types are errors naming the key and its line.
public struct LedgerConfig: Sendable, Equatable {
    /// One value set in the file and the line it is on (when it is written the plain way).
    public struct Setting: Sendable, Equatable {
        /// The value (a path already resolved for path keys).
        public var value: String
        /// The 1-based line of the key, when found.
        public var line: Int?

        /// A value at `line`.
        public init(value: String, line: Int?) {
            self.value = value
            self.line = line
        }
    }

    /// A `[models.NAME]` table: how to reach the retrain API for one model. The ledger service's
    /// server config reads the same tables.
    public struct Model: Sendable, Equatable {
        /// The model's name (the `--model` value).
        public var name: String
        /// The line of the table's header, when found.
        public var line: Int?
        /// `api_key_file`: the file holding the model's API key (mode 0600), resolved.
        public var apiKeyFile: Setting?
        /// `base_url`: the API base URL including `/v1/external`.
        public var baseURL: Setting?

        /// An empty model table.
        public init(name: String, line: Int? = nil, apiKeyFile: Setting? = nil, baseURL: Setting? = nil) {
            self.name = name
            self.line = line
            self.apiKeyFile = apiKeyFile
            self.baseURL = baseURL
        }
    }

    /// The file read (as given, `~` expanded).
    public var path: String
    /// `db`: the ledger database.
    public var database: Setting?
    /// `key_file`: the HMAC key file.
    public var keyFile: Setting?
    /// `actor`: who is responsible for writes.
    public var actor: Setting?
    /// `policy`: the approval policy file.
    public var policy: Setting?
    /// `server`: the ledger service's URL (issue 14; read and shown, not used yet).
    public var server: Setting?
    /// `token_file`: the file holding the ledger service's token (issue 14; read and shown, not used yet).
    public var tokenFile: Setting?
    /// The `[models.NAME]` tables, by name.
    public var models: [String: Model]

    /// An empty config read from `path`.
    public init(path: String) {
        self.path = path
        self.models = [:]
    }

    /// The largest config file read (a config is a few lines).
    public static let maximumBytes = 256 * 1024

    /// The keys of the top level, in the order `ledger config show` lists them.
    public static let topLevelKeys = ["db", "key_file", "actor", "policy", "server", "token_file", "models"]
    /// The keys of a `[models.NAME]` table.
    public static let modelKeys = ["api_key_file", "base_url"]

    /// Keys that would hold a secret value, refused with the key to use instead.
    static let secretKeys: [String: String] = [
        "api_key": "api_key_file", "apikey": "api_key_file", "key": "key_file", "hmac_key": "key_file",
        "token": "token_file", "password": "a file path", "secret": "a file path",
    ]

    /// Loads and parses the config file at `path`; `~` in its paths means `home` (default: the user's home).
    public static func load(path: String, home: String? = nil) throws(LedgerConfigError) -> LedgerConfig {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw LedgerConfigError(path: path, line: nil, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw LedgerConfigError(path: path, line: nil, reason: "is a directory") }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw LedgerConfigError(path: path, line: nil, reason: "cannot be read")
        }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: maximumBytes + 1)) ?? nil ?? Data()
        guard data.count <= maximumBytes else {
            throw LedgerConfigError(path: path, line: nil, reason: "is larger than \(maximumBytes) bytes")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw LedgerConfigError(path: path, line: nil, reason: "is not UTF-8 text")
        }
        return try parse(text, path: path, home: home)
    }

    /// Parses config text; `path` names the file in errors and its directory is the base of relative
    /// paths; `~` means `home` (default: the user's home).
    public static func parse(_ text: String, path: String, home: String? = nil) throws(LedgerConfigError) -> LedgerConfig {
        guard !text.unicodeScalars.contains(where: { $0.value == 0 }) else {
            throw LedgerConfigError(path: path, line: nil, reason: "contains a NUL character")
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw LedgerConfigError(path: path, line: error.source.begin.line, reason: "not valid TOML: \(error.description)")
        } catch {
            throw LedgerConfigError(path: path, line: nil, reason: "not valid TOML")
        }
        let directory = (path as NSString).deletingLastPathComponent
        var config = LedgerConfig(path: path)
        func fail(_ key: String, _ reason: String) -> LedgerConfigError {
            LedgerConfigError(path: path, line: PolicyFile.line(of: key, in: text), reason: "\(key): \(reason)")
        }
        func string(_ value: any TOMLValueConvertible, key: String) throws(LedgerConfigError) -> Setting {
            guard value.type == .string, let string = value.string else {
                throw fail(key, "must be a string, not \(describe(value.type))")
            }
            guard !string.trimmingCharacters(in: .whitespaces).isEmpty else { throw fail(key, "must not be empty") }
            guard !string.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw fail(key, "must not contain control characters")
            }
            return Setting(value: string, line: PolicyFile.line(of: key, in: text))
        }
        func pathSetting(_ value: any TOMLValueConvertible, key: String) throws(LedgerConfigError) -> Setting {
            var setting = try string(value, key: key)
            setting.value = resolvePath(setting.value, relativeTo: directory, home: home)
            return setting
        }

        for key in table.keys.sorted() {
            guard let value = table[key] else { continue }
            if let instead = secretKeys[key.lowercased()] {
                let hint = key.lowercased().hasPrefix("api") ? "api_key_file in a [models.NAME] table" : instead
                throw fail(key, "the config file holds no secret values, only paths to files that hold them: use \(hint)")
            }
            switch key {
            case "db": config.database = try pathSetting(value, key: key)
            case "key_file": config.keyFile = try pathSetting(value, key: key)
            case "policy": config.policy = try pathSetting(value, key: key)
            case "token_file": config.tokenFile = try pathSetting(value, key: key)
            case "actor":
                let setting = try string(value, key: key)
                if let problem = Identifier.problem(with: setting.value) {
                    throw fail(key, "\"\(Identifier.escaped(setting.value))\" is not accepted: \(problem)")
                }
                config.actor = setting
            case "server":
                let setting = try string(value, key: key)
                guard let url = URL(string: setting.value), let scheme = url.scheme?.lowercased(),
                    scheme == "https" || scheme == "http", url.host?.isEmpty == false
                else {
                    throw fail(key, "must be an http or https URL")
                }
                config.server = setting
            case "models":
                guard value.type == .table, let models = value.table else {
                    throw fail(key, "must be tables [models.NAME], not \(describe(value.type))")
                }
                for name in models.keys.sorted() {
                    guard let entry = models[name] else { continue }
                    let tableKey = "models.\(name)"
                    if let problem = Identifier.problem(with: name) {
                        throw fail(tableKey, "the model name \"\(Identifier.escaped(name))\" is not accepted: \(problem)")
                    }
                    guard entry.type == .table, let modelTable = entry.table else {
                        throw fail(tableKey, "must be a table [models.\(name)], not \(describe(entry.type))")
                    }
                    var model = Model(name: name, line: PolicyFile.line(of: tableKey, in: text))
                    for modelKey in modelTable.keys.sorted() {
                        guard let modelValue = modelTable[modelKey] else { continue }
                        let fullKey = "\(tableKey).\(modelKey)"
                        if let instead = secretKeys[modelKey.lowercased()] {
                            let hint = modelKey.lowercased().hasPrefix("api") ? "api_key_file" : instead
                            throw fail(fullKey, "the config file holds no secret values, only paths to files that hold them: use \(hint)")
                        }
                        switch modelKey {
                        case "api_key_file": model.apiKeyFile = try pathSetting(modelValue, key: fullKey)
                        case "base_url":
                            var setting = try string(modelValue, key: fullKey)
                            do {
                                setting.value = try EPAConfiguration.checkBaseURL(setting.value)
                            } catch {
                                throw fail(fullKey, error.localizedDescription)
                            }
                            model.baseURL = setting
                        default:
                            throw fail(fullKey, "unknown key (a [models.NAME] table takes \(modelKeys.joined(separator: ", ")))")
                        }
                    }
                    config.models[name] = model
                }
            default:
                throw fail(key, "unknown key (the top level takes \(topLevelKeys.filter { $0 != "models" }.joined(separator: ", ")) and [models.NAME] tables)")
            }
        }
        return config
    }

    /// `path` with `~` expanded (to `home` when given) and, when relative, taken against `directory`.
    public static func resolvePath(_ path: String, relativeTo directory: String, home: String? = nil) -> String {
        var expanded = path
        if let home, path == "~" || path.hasPrefix("~/") {
            expanded = home + path.dropFirst()
        } else {
            expanded = (path as NSString).expandingTildeInPath
        }
        if expanded.hasPrefix("/") || directory.isEmpty { return expanded }
        return (directory as NSString).appendingPathComponent(expanded)
    }

    /// A TOML type named for messages ("an integer", "a table").
    static func describe(_ type: TOMLType) -> String {
        switch type {
        case .int: "an integer"
        case .double: "a float"
        case .bool: "a boolean"
        case .array: "an array"
        case .table: "a table"
        case .string: "a string"
        default: "a \(type.rawValue)"
        }
    }
}
