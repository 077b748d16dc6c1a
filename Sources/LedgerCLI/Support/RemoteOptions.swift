import ArgumentParser
import EPAClient
import Foundation
import LedgerCore
import LedgerPresentation
import LedgerWorkflows

/// Remote mode: `--server URL` (`LEDGER_SERVER`, the config file's `server`) and `--token-file F`
/// (`LEDGER_TOKEN_FILE`, `token_file`). With a server in force, a command asks the ledger service
/// (`ledger serve`) instead of opening a ledger: the service holds the ledger, its keys and the API
/// keys, and records the authenticated user as the actor.
///
/// The https CA file comes from the command's `--ca-file` (``RemoteCAFileOption``, or ``ServiceOptions``
/// for the commands that also call the retrain API locally).
struct RemoteOptions: ParsableArguments {
    @Option(
        name: .customLong("server"),
        help: ArgumentHelp(
            "Ask the ledger service at this URL instead of opening a ledger (default: $LEDGER_SERVER, else the config file's server). https, or http to a loopback host.",
            valueName: "url"))
    var server: String?

    @Option(
        name: .customLong("token-file"),
        help: ArgumentHelp(
            "The ledger service's token, mode 0600, one line (default: $LEDGER_TOKEN_FILE, else the config file's token_file).",
            valueName: "path"))
    var tokenFile: String?

    func validate() throws {
        if server?.isEmpty == true { throw ValidationError("--server must not be empty") }
        if tokenFile?.isEmpty == true { throw ValidationError("--token-file must not be empty") }
    }

    /// The server in force and where it came from; nil means local mode.
    var serverSetting: ResolvedSetting? { CLIConfig.resolved().server(flag: server) }

    /// True when a server is in force (remote mode).
    var isRemote: Bool { serverSetting != nil }

    /// A client of the service in force, or nil in local mode (no `--server`, `LEDGER_SERVER` or `server`).
    ///
    /// - Parameters:
    ///   - caFile: the `--ca-file` given (`LEDGER_CA_FILE` otherwise), extra CA certificates for https.
    ///   - localOnly: flags given that only local mode uses (name → given); any given is refused (exit 64).
    /// - Throws: ``CLIError``: a plain-http server that is not loopback or an invalid URL (64), a local-only
    ///   flag (64), a missing, loose or malformed token file or an unusable CA file (78).
    func client(caFile: String?, localOnly: [(flag: String, given: Bool)] = []) throws -> RemoteLedgerClient? {
        guard let setting = serverSetting else { return nil }
        for (flag, given) in localOnly where given {
            throw CLIError(message: RemoteRefusal.message(flag: flag), exitCode: .usage)
        }
        let baseURL = try Self.checkServer(setting)
        let token = try Self.loadToken(CLIConfig.resolved().tokenFile(flag: tokenFile))
        let ca = caFile.map { ResolvedSetting(value: Paths.expand($0), source: .flag("--ca-file")) } ?? Self.environmentCAFile
        return try RemoteLedgerClient(baseURL: baseURL, token: token, caFile: ca)
    }

    /// `LEDGER_CA_FILE`, when set.
    static var environmentCAFile: ResolvedSetting? {
        guard let value = ProcessInfo.processInfo.environment["LEDGER_CA_FILE"], !value.isEmpty else { return nil }
        return ResolvedSetting(value: Paths.expand(value), source: .environment("LEDGER_CA_FILE"))
    }

    /// The server URL without trailing slashes: `https`, or `http` to a loopback host (else exit 64).
    static func checkServer(_ setting: ResolvedSetting) throws -> String {
        let origin = setting.source.origin ?? "server"
        do {
            return try EPAConfiguration.checkBaseURL(setting.value)
        } catch .insecureBaseURL {
            throw CLIError(
                message:
                    "\(origin) \(DisplayText.terminal(setting.value)): use https (plain http is allowed only to a loopback host: 127.0.0.0/8, ::1, localhost); the token would cross the network in clear",
                exitCode: .usage)
        } catch {
            throw CLIError(message: "\(origin): the ledger service's URL is not usable: \(error.localizedDescription)", exitCode: .usage)
        }
    }

    /// A token: `mlt_` and 64 lowercase hex digits.
    static func isWellFormedToken(_ token: String) -> Bool {
        let bytes = Array(token.utf8)
        guard bytes.count == 68, bytes.starts(with: Array("mlt_".utf8)) else { return false }
        return bytes.dropFirst(4).allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) }
    }

    /// Reads the token file with the rules of every secret file (owner, mode 0600, no swappable path).
    /// Errors name the file and the rule, never its content (exit 78).
    static func loadToken(_ setting: ResolvedSetting?) throws -> String {
        guard let setting else {
            throw CLIError(
                message:
                    "remote mode needs a token: pass --token-file FILE (mode 0600, the one line `ledger users add` printed), or set LEDGER_TOKEN_FILE or the config file's token_file",
                exitCode: .configError)
        }
        let path = setting.value
        let origin = setting.source.kind == "flag" ? "" : " (\(setting.source.description))"
        var bytes: [UInt8]
        do {
            bytes = try SecretFile.read(path: path, what: "token file")
        } catch let error as LedgerError {
            switch error {
            case .keyFileMissing: throw CLIError(message: "no token file at \(path)\(origin).", exitCode: .configError)
            case let .keyFilePermissions(_, mode):
                throw CLIError(
                    message:
                        "token file \(path)\(origin) has mode \(String(format: "%04o", mode)); it must not be readable or writable by group or others. Fix it with: chmod 600 \(path)",
                    exitCode: .configError)
            case let .keyFileMalformed(_, reason):
                throw CLIError(message: "token file \(path)\(origin) is not usable: \(reason).", exitCode: .configError)
            default: throw CLIError(message: error.localizedDescription, exitCode: .configError)
            }
        }
        defer { Digest.wipe(&bytes) }
        var line = bytes[...]
        if line.last == UInt8(ascii: "\n") { line = line.dropLast() }
        if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
        let token = String(decoding: line, as: UTF8.self)
        guard isWellFormedToken(token) else {
            throw CLIError(
                message:
                    "token file \(path)\(origin) must hold exactly one line: mlt_ followed by 64 lowercase hex digits (the token `ledger users add` printed); its content is not shown",
                exitCode: .configError)
        }
        return token
    }
}

/// `--ca-file` for the commands that have no ``ServiceOptions``: extra CA certificates to trust for the
/// ledger service's https (remote mode).
struct RemoteCAFileOption: ParsableArguments {
    @Option(
        name: .customLong("ca-file"),
        help: ArgumentHelp(
            "Remote mode: PEM file of extra CA certificates to trust for the ledger service's https, in addition to the system's (default: $LEDGER_CA_FILE).",
            valueName: "path"))
    var caFile: String?

    func validate() throws {
        if caFile?.isEmpty == true { throw ValidationError("--ca-file must not be empty") }
    }
}

/// Why a local-only flag is refused in remote mode.
enum RemoteRefusal {
    /// `FLAG cannot be used with a ledger service: …` (exit 64).
    static func message(flag: String) -> String {
        let why =
            switch flag {
            case "--actor": "the service records the authenticated user (the token's owner) as the actor"
            case "--api-key-file", "--base-url": "the service holds the API keys and the retrain API's settings"
            case "--policy": "the service applies the approval policy recorded in its ledger"
            case "--finished-status", "--failed-status": "the service judges the job's status words by its own settings"
            case "--wait": "the service answers one status check per call; repeat `ledger retrain status` to poll"
            case "--checkpoint", "--public-key": "they check local files; verify a bundle from `ledger export` locally with --bundle"
            case "--out", "--sign-key", "--note", "--tsa":
                "the service signs and keeps its checkpoints itself (GET /v1/checkpoint serves the latest note)"
            default: "the service holds the ledger and its keys"
            }
        return "\(flag) cannot be used in remote mode (--server, LEDGER_SERVER or the config file's server): \(why)"
    }
}
