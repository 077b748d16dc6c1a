import Foundation
import LedgerCore

#if canImport(Glibc)
    import Glibc
#endif

/// The built `ledger serve` running as a separate process on a free loopback port, with everything it
/// needs in a temporary directory: a ledger made by `ledger init`, a server config naming each model's
/// API key file and the simulator's base URL, and users made by `ledger users add` (their tokens in
/// 0600 token files). Its stdout and stderr go to files (one pair per start) for the secret scan.
public final class ServiceProcess: @unchecked Sendable {
    /// A user made by `ledger users add`.
    public struct User: Sendable {
        /// The user's name (the actor recorded for their calls).
        public let name: String
        /// switcher, approver, auditor or admin.
        public let role: String
        /// The bearer token `ledger users add` printed.
        public let token: String
        /// A 0600 file holding the token (for `--token-file`).
        public let tokenFile: String
    }

    /// Holds every file.
    public let directory: TemporaryDirectory
    /// The ledger's database.
    public let dbPath: String
    /// The ledger's key file.
    public let keyPath: String
    /// The users file (`--users`).
    public let usersPath: String
    /// The server config (`--server-config`).
    public let configPath: String
    /// model → the API key the service holds for it.
    public let apiKeys: [String: String]
    /// Extra `ledger serve` arguments.
    public let extraArguments: [String]
    /// Users by name.
    public private(set) var users: [String: User] = [:]
    /// The port of the running (or last) service.
    public private(set) var port = 0
    /// The stdout/stderr files of every start so far.
    public private(set) var logPaths: [String] = []
    private var process: Process?
    private var starts = 0

    /// `http://127.0.0.1:PORT`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }
    /// `--db PATH --key-file PATH` for running `ledger` locally on the service's ledger.
    public var localArguments: [String] { ["--db", dbPath, "--key-file", keyPath] }
    /// The pid of the running service (nil when stopped).
    public var pid: Int32? { process.flatMap { $0.isRunning ? $0.processIdentifier : nil } }

    /// Creates the ledger (`ledger init`), the API key files and server config for `apiKeys` (model →
    /// key) against `simulatorBaseURL`, and `users` (name, role); then starts the service.
    public init(
        simulatorBaseURL: String, apiKeys: [String: String], users: [(name: String, role: String)],
        extraArguments: [String] = [], start: Bool = true
    ) throws {
        directory = TemporaryDirectory(prefix: "model-ledger-service")
        dbPath = directory.file("ledger.sqlite")
        keyPath = directory.file("ledger.key")
        usersPath = directory.file("users.json")
        configPath = directory.file("server.toml")
        self.apiKeys = apiKeys
        self.extraArguments = extraArguments
        let created = try Binaries.ledger(["init", "--actor", "service-admin"] + localArguments)
        guard created.exitCode == 0 else { throw ServiceStartFailure(step: "ledger init", output: created.allOutput) }
        var config = "# written by ServiceProcess (tests)\n"
        for (model, key) in apiKeys.sorted(by: { $0.key < $1.key }) {
            let keyFile = directory.file("\(model).apikey")
            try Self.writeSecret(key + "\n", to: keyFile)
            config += "\n[models.\(model)]\napi_key_file = \"\(keyFile)\"\nbase_url = \"\(simulatorBaseURL)\"\n"
        }
        try Data(config.utf8).write(to: URL(fileURLWithPath: configPath))
        chmod(configPath, 0o600)
        for user in users { _ = try addUser(user.name, role: user.role) }
        if start { try self.start() }
    }

    deinit { kill9() }

    /// Writes `text` to a new file of mode 0600.
    public static func writeSecret(_ text: String, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw ServiceStartFailure(step: "create \(path)", output: "errno \(errno)") }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        guard write(fd, bytes, bytes.count) == bytes.count else { throw ServiceStartFailure(step: "write \(path)", output: "errno \(errno)") }
        fchmod(fd, 0o600)
    }

    /// `ledger users add NAME --role ROLE --users FILE` (on the service's ledger, by the local admin):
    /// the token it printed, saved in a 0600 token file.
    @discardableResult
    public func addUser(_ name: String, role: String, expiresDays: Int? = nil) throws -> User {
        let result = try Binaries.ledger(
            ["users", "add", name, "--role", role, "--users", usersPath, "--actor", "service-admin"]
                + (expiresDays.map { ["--expires-days", String($0)] } ?? []) + localArguments)
        let token = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard result.exitCode == 0, token.hasPrefix("mlt_") else {
            throw ServiceStartFailure(step: "ledger users add \(name)", output: "exit \(result.exitCode): \(result.stderr)")
        }
        let tokenFile = directory.file("\(name).token")
        try Self.writeSecret(token + "\n", to: tokenFile)
        let user = User(name: name, role: role, token: token, tokenFile: tokenFile)
        users[name] = user
        return user
    }

    /// `ledger users revoke NAME --users FILE` (works while the service runs: it re-reads the file).
    public func revokeUser(_ name: String) throws {
        let result = try Binaries.ledger(["users", "revoke", name, "--users", usersPath, "--actor", "service-admin"] + localArguments)
        guard result.exitCode == 0 else { throw ServiceStartFailure(step: "ledger users revoke \(name)", output: result.allOutput) }
    }

    /// Rewrites the users file so `name`'s token expired a while ago (as `--expires-days` would after
    /// that many days), keeping the file's mode.
    public func expireUser(_ name: String) throws {
        var document = try JSONValue(parsing: String(decoding: try Data(contentsOf: URL(fileURLWithPath: usersPath)), as: UTF8.self))
        guard case .array(var rows)? = document["users"] else { throw ServiceStartFailure(step: "expire \(name)", output: "no users array") }
        for index in rows.indices where rows[index]["name"]?.stringValue == name {
            if case .object(var row) = rows[index] {
                row["expires_at"] = .string("2020-01-01T00:00:00.000Z")
                rows[index] = .object(row)
            }
        }
        if case .object(var top) = document {
            top["users"] = .array(rows)
            document = .object(top)
        }
        try Self.writeSecret(document.prettyPrinted() + "\n", to: usersPath + ".new")
        // A later mtime than the last read, and usually another size: the service notices.
        usleep(20_000)
        guard rename(usersPath + ".new", usersPath) == 0 else { throw ServiceStartFailure(step: "expire \(name)", output: "rename: errno \(errno)") }
    }

    /// Starts `ledger serve --listen 127.0.0.1:PORT …` (`port` 0: a free one) and waits (at most 60 s) for
    /// `listening on HOST:PORT`.
    public func start(port requestedPort: Int = 0) throws {
        guard process?.isRunning != true else { return }
        starts += 1
        let outPath = directory.file("serve-\(starts).stdout"), errPath = directory.file("serve-\(starts).stderr")
        FileManager.default.createFile(atPath: outPath, contents: nil)
        FileManager.default.createFile(atPath: errPath, contents: nil)
        logPaths += [outPath, errPath]
        let child = Process()
        child.executableURL = URL(fileURLWithPath: Binaries.path("ledger"))
        child.arguments =
            ["serve", "--listen", "127.0.0.1:\(requestedPort)", "--users", usersPath, "--server-config", configPath] + localArguments + extraArguments
        child.environment = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": directory.path, "NO_COLOR": "1",
            "LANG": "C.UTF-8",
        ]
        child.standardInput = FileHandle.nullDevice
        child.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        child.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        try child.run()
        process = child
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let text = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
            if let newline = text.firstIndex(of: "\n") {
                let line = String(text[..<newline])
                guard line.hasPrefix("listening on "), let colon = line.lastIndex(of: ":"), let port = Int(line[line.index(after: colon)...]) else {
                    kill9()
                    throw ServiceStartFailure(step: "ledger serve", output: "first line: \(line)\n\(Self.text(errPath))")
                }
                self.port = port
                return
            }
            if !child.isRunning { break }
            usleep(10_000)
        }
        let status = child.isRunning ? "still running" : "exited \(child.terminationStatus)"
        kill9()
        throw ServiceStartFailure(step: "ledger serve (\(status))", output: Self.text(outPath) + Self.text(errPath))
    }

    /// Stops the service with SIGTERM and waits (at most 30 s, then SIGKILL); returns its exit status.
    @discardableResult
    public func stop() -> Int32? {
        guard let child = process, child.isRunning else { return process?.terminationStatus }
        kill(child.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(30)
        while child.isRunning && Date() < deadline { usleep(10_000) }
        if child.isRunning { kill(child.processIdentifier, SIGKILL) }
        child.waitUntilExit()
        return child.terminationStatus
    }

    /// Kills the service with SIGKILL (no chance to finish anything) and waits for it.
    public func kill9() {
        guard let child = process, child.isRunning else { return }
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
    }

    /// Stops the service (SIGTERM) if it runs and starts it again: on the same port with `samePort`
    /// (clients that hold the URL reach it again), else on a new one.
    public func restart(samePort: Bool = false) throws {
        stop()
        try start(port: samePort ? port : 0)
    }

    /// Everything the service printed so far (every start), stdout and stderr.
    public func logText() -> String { logPaths.map(Self.text).joined(separator: "\n") }

    /// Runs the built `ledger` in remote mode as `user`: `ARGS --server URL --token-file FILE`.
    @discardableResult
    public func remote(_ arguments: [String], as user: String, timeout: TimeInterval = 120) throws -> ProcessResult {
        guard let tokenFile = users[user]?.tokenFile else { throw ServiceStartFailure(step: "remote", output: "no user \(user)") }
        return try Binaries.ledger(arguments + ["--server", baseURL, "--token-file", tokenFile], timeout: timeout)
    }

    /// Runs the built `ledger` locally on the service's ledger (`--db`, `--key-file`), with `environment`.
    @discardableResult
    public func local(_ arguments: [String], environment: [String: String] = [:], timeout: TimeInterval = 120) throws -> ProcessResult {
        try Binaries.ledger(arguments + localArguments, environment: environment, timeout: timeout)
    }

    /// A blocking HTTP client of the running service.
    public func client(timeout: TimeInterval = 60) -> LoopbackHTTPClient { LoopbackHTTPClient(port: port, timeout: timeout) }

    /// The ledger's entries, oldest first (read-only).
    public func entries() throws -> [LedgerEntry] {
        var all: [LedgerEntry] = []
        try LedgerStore.open(path: dbPath, writable: false).forEachEntry(matching: EntryFilter()) { all.append($0) }
        return all
    }

    /// The head seq (read-only).
    public func headSeq() throws -> Int64 { try LedgerStore.open(path: dbPath, writable: false).head()?.seq ?? 0 }

    /// Every byte of the database files (main, WAL).
    public func databaseBytes() -> Data {
        var all = Data()
        for suffix in ["", "-wal"] {
            if let data = FileManager.default.contents(atPath: dbPath + suffix) { all.append(data) }
        }
        return all
    }

    /// The HMAC keys of the key file: each 64-hex line.
    public func hmacKeysHex() -> [String] {
        Self.text(keyPath).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { $0.count == 64 }
    }

    static func text(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
}

/// The service fixture could not be set up or started.
public struct ServiceStartFailure: Error, CustomStringConvertible {
    /// What was being done.
    public let step: String
    /// What the process printed.
    public let output: String
    public var description: String { "\(step) failed: \(output)" }

    public init(step: String, output: String) {
        self.step = step
        self.output = output
    }
}

/// The simulator fixture of the service tests: five models (so per-model serialisation shows), each
/// with its own API key and jobs `<model>-ok`, `<model>-ok-2` (finished), `<model>-running`,
/// `<model>-rejected` (the PUT answers a documented 400: the switch is rejected, exit 3) and
/// `<model>-delay` (the PUT's answer held back 8 s: a switch in flight to kill the service under).
public enum ServiceSimulatorFixture {
    /// The models.
    public static let models = ["churn", "fraud", "ltv", "upsell", "retention"]
    /// model → its API key.
    public static let apiKeys: [String: String] = Dictionary(
        uniqueKeysWithValues: models.enumerated().map { ($1, "key-\($1)-SECRET-\(4_096 + 7_919 * $0)-9d2f") })
    /// The fixture JSON.
    public static var json: String {
        let keys = models.map { "{\"key\": \"\(apiKeys[$0] ?? "")\", \"model\": \"\($0)\", \"state\": \"active\"}" }
        let modelObjects = models.enumerated().map { index, model in
            """
            {"name": "\(model)", "model_id": \(101 * (index + 1)), "jobs": [
              {"id": "\(model)-ok", "status": "finished"},
              {"id": "\(model)-ok-2", "status": "finished"},
              {"id": "\(model)-running", "status": "running"},
              {"id": "\(model)-rejected", "status": "finished", "faults": {"update_model": {"http_status": 400, "body": "error_json", "error_message": "Not found classifier."}}},
              {"id": "\(model)-delay", "status": "finished", "faults": {"update_model": {"delay_ms": 8000}}}
            ]}
            """
        }
        return """
            {"api_keys": [\(keys.joined(separator: ", "))],
             "models": [\(modelObjects.joined(separator: ",\n"))],
             "upload_defaults": {"finish_after_checks": 1, "end_status": "finished"}}
            """
    }
}

/// A simulator (``ServiceSimulatorFixture``) and a ledger service in front of it, with users `switcher`
/// (role switcher), `approver`, `auditor` and `admin` (their roles).
public final class ServiceRig: @unchecked Sendable {
    /// The simulator.
    public let simulator: SimulatorProcess
    /// The service.
    public let service: ServiceProcess
    /// What the tests exchanged with the service over raw HTTP.
    public let exchanges = ServiceExchanges()

    /// Holds the checkpoint signing key, when there is one.
    private let keys = TemporaryDirectory(prefix: "model-ledger-service-keys")
    /// The Ed25519 private key (PEM) given as `--sign-key`, when `signKey` was asked for.
    public let signKeyPath: String?

    /// Starts both; `extraArguments` go to `ledger serve`; with `signKey`, a new Ed25519 key
    /// (`ledger keys ed25519-generate`) signs the service's checkpoints (`--sign-key`).
    public init(extraArguments: [String] = [], signKey: Bool = false) throws {
        var arguments = extraArguments
        if signKey {
            let path = keys.file("checkpoint.pem")
            let made = try Binaries.ledger(["keys", "ed25519-generate", "--out", path])
            guard made.exitCode == 0 else { throw ServiceStartFailure(step: "ledger keys ed25519-generate", output: made.allOutput) }
            arguments += ["--sign-key", path]
            signKeyPath = path
        } else {
            signKeyPath = nil
        }
        simulator = try SimulatorProcess(fixture: ServiceSimulatorFixture.json)
        service = try ServiceProcess(
            simulatorBaseURL: simulator.baseURL, apiKeys: ServiceSimulatorFixture.apiKeys,
            users: [("switcher", "switcher"), ("approver", "approver"), ("auditor", "auditor"), ("admin", "admin")],
            extraArguments: arguments)
    }

    /// A secret scan of everything the rig holds: tokens, API keys, HMAC keys and the signing key's PEM body.
    public func secretScan() -> ServiceSecretScan {
        var scan = ServiceSecretScan()
        scan.addEverything(of: service)
        if let signKeyPath, let pem = try? String(contentsOfFile: signKeyPath, encoding: .utf8) {
            let body = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
            if !body.isEmpty { scan.add("the checkpoint signing key (PEM body)", text: body) }
        }
        return scan
    }

    /// The token of `user`.
    public func token(_ user: String) -> String? { service.users[user]?.token }

    /// Sends a recorded request as `user` (nil: no Authorization header).
    @discardableResult
    public func call(
        _ method: String, _ target: String, as user: String?, json: String? = nil, headers: [(String, String)] = [],
        client: LoopbackHTTPClient? = nil
    ) throws -> LoopbackHTTPResponse {
        let client = client ?? service.client()
        return try exchanges.send(client, method, target, token: user.flatMap(token), json: json, headers: headers)
    }

    /// Requests the simulator received whose path contains `fragment`.
    public func simulatorRequests(containing fragment: String) throws -> [JSONValue] {
        try simulator.requests().filter { ($0["path"]?.stringValue ?? "").contains(fragment) }
    }

    /// Stops both.
    public func stop() {
        service.stop()
        simulator.stop()
    }
}

/// The built `ledger` running in the background (stdout and stderr to files), for a command that must
/// be in flight while the test does something else (kills the service under it).
public final class BackgroundLedger: @unchecked Sendable {
    private let process = Process()
    private let directory = TemporaryDirectory(prefix: "model-ledger-bg")

    /// Starts `ledger ARGS` with a scratch HOME and `environment`.
    public init(_ arguments: [String], environment: [String: String] = [:]) throws {
        process.executableURL = URL(fileURLWithPath: Binaries.path("ledger"))
        process.arguments = arguments
        var env = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": directory.path, "NO_COLOR": "1", "LANG": "C.UTF-8",
        ]
        env.merge(environment) { _, new in new }
        process.environment = env
        FileManager.default.createFile(atPath: directory.file("stdout"), contents: nil)
        FileManager.default.createFile(atPath: directory.file("stderr"), contents: nil)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: directory.file("stdout")))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: directory.file("stderr")))
        try process.run()
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// True while it runs.
    public var isRunning: Bool { process.isRunning }

    /// Waits (at most `timeout` seconds, then SIGKILL and throws) and returns what it printed.
    public func wait(timeout: TimeInterval = 120) throws -> ProcessResult {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw ProcessTimeout(name: "ledger", arguments: process.arguments ?? [], seconds: timeout)
        }
        process.waitUntilExit()
        return ProcessResult(
            exitCode: process.terminationStatus, stdout: ServiceProcess.text(directory.file("stdout")),
            stderr: ServiceProcess.text(directory.file("stderr")))
    }
}

extension ServiceProcess {
    /// Polls `condition` every 20 ms until it holds or `timeout` seconds pass; returns whether it held.
    @discardableResult
    public static func waitUntil(timeout: TimeInterval = 60, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return true }
            usleep(20_000)
        }
        return try condition()
    }
}
