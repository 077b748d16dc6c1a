import Foundation
import LedgerTestSupport
import Testing

/// Remote mode's options are resolved and refused before any network I/O: nothing here listens.
@Suite("Remote options")
struct RemoteOptionsTests {
    /// A loopback address where nothing is expected to listen (the discard port); never reached by these tests.
    static let loopback = "http://127.0.0.1:9"

    @Test func plainHTTPToANonLoopbackServerIsRefusedWithUseHTTPS() throws {
        let dir = TemporaryDirectory()
        let token = try writeTokenFile(in: dir)
        let result = try Binaries.ledger(["verify", "--server", "http://example.com", "--token-file", token.path])
        #expect(result.exitCode == 64)
        #expect(result.stderr.contains("use https"))
    }

    @Test func plainHTTPFromLEDGER_SERVERAndFromTheConfigFileIsRefusedToo() throws {
        let dir = TemporaryDirectory()
        let token = try writeTokenFile(in: dir)
        let fromEnvironment = try Binaries.ledger(
            ["log"], environment: ["LEDGER_SERVER": "http://ledger.example.com", "LEDGER_TOKEN_FILE": token.path])
        #expect(fromEnvironment.exitCode == 64)
        #expect(fromEnvironment.stderr.contains("LEDGER_SERVER"))
        #expect(fromEnvironment.stderr.contains("use https"))

        let config = dir.file("config.toml")
        try Data("server = \"http://ledger.example.org\"\ntoken_file = \"service.token\"\n".utf8).write(to: URL(fileURLWithPath: config))
        let fromConfig = try Binaries.ledger(["log", "--config", config])
        #expect(fromConfig.exitCode == 64)
        #expect(fromConfig.stderr.contains("config.toml:1"))
        #expect(fromConfig.stderr.contains("use https"))
    }

    @Test func actorWithServerIsRefusedBecauseTheServiceRecordsTheUser() throws {
        let dir = TemporaryDirectory()
        let token = try writeTokenFile(in: dir)
        let result = try Binaries.ledger([
            "switch", "churn-2026-11-a", "--model", "churn", "--reason", "CHG-1", "--actor", "bob",
            "--server", Self.loopback, "--token-file", token.path,
        ])
        #expect(result.exitCode == 64)
        #expect(result.stderr.contains("--actor cannot be used in remote mode"))
        #expect(result.stderr.contains("authenticated user"))
    }

    @Test func localOnlyFlagsAreRefusedInRemoteMode() throws {
        let dir = TemporaryDirectory()
        let token = try writeTokenFile(in: dir)
        let remote = ["--server", Self.loopback, "--token-file", token.path]
        let cases: [[String]] = [
            ["log", "--db", dir.file("l.sqlite")],
            ["verify", "--key-file", dir.file("k")],
            ["switch", "j-1", "--model", "churn", "--reason", "r", "--api-key-file", dir.file("a")],
            ["switch", "j-1", "--model", "churn", "--reason", "r", "--policy", dir.file("p.toml")],
        ]
        for arguments in cases {
            let result = try Binaries.ledger(arguments + remote)
            #expect(result.exitCode == 64, "\(arguments)")
            #expect(result.stderr.contains("cannot be used in remote mode"), "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains("the service"), "\(arguments)")
        }
    }

    @Test func aTokenFileReadableByOthersIsRefusedWithExit78() throws {
        let dir = TemporaryDirectory()
        let token = try writeTokenFile(in: dir, mode: 0o644)
        let result = try Binaries.ledger(["log", "--server", Self.loopback, "--token-file", token.path])
        #expect(result.exitCode == 78)
        #expect(result.stderr.contains("chmod 600"))
        #expect(!result.allOutput.contains(token.token))
    }

    @Test func aMalformedTokenFileIsRefusedWithoutShowingItsContent() throws {
        let dir = TemporaryDirectory()
        let secret = "hunter2-super-secret-bearer-value"
        for contents in [secret, "mlt_" + String(repeating: "g", count: 64), "mlt_\(String(repeating: "a", count: 64))\nsecond-line-\(secret)"] {
            let token = try writeTokenFile(in: dir, contents: contents)
            let result = try Binaries.ledger(["verify", "--server", Self.loopback, "--token-file", token.path])
            #expect(result.exitCode == 78)
            #expect(result.stderr.contains("mlt_ followed by 64 lowercase hex digits"))
            #expect(!result.allOutput.contains(secret))
            #expect(!result.allOutput.contains(String(repeating: "g", count: 64)))
        }
    }

    @Test func remoteModeWithoutATokenFileIsAConfigurationError() throws {
        let result = try Binaries.ledger(["log", "--server", Self.loopback])
        #expect(result.exitCode == 78)
        #expect(result.stderr.contains("--token-file"))
    }

    @Test func tokenFileComesFromLEDGER_TOKEN_FILEWhenNoFlagIsGiven() throws {
        let dir = TemporaryDirectory()
        let token = try writeTokenFile(in: dir, mode: 0o640)
        let result = try Binaries.ledger(["log", "--server", Self.loopback], environment: ["LEDGER_TOKEN_FILE": token.path])
        #expect(result.exitCode == 78)
        #expect(result.stderr.contains(token.path))
        #expect(result.stderr.contains("env LEDGER_TOKEN_FILE"))
    }
}

/// A token file (mode 0600) in `directory` holding a well-formed token; returns its path and the token.
func writeTokenFile(in directory: TemporaryDirectory, name: String = "service.token", contents: String? = nil, mode: Int = 0o600) throws -> (
    path: String, token: String
) {
    let token = contents ?? "mlt_" + String(repeating: "0123456789abcdef", count: 4)
    let path = directory.file(name)
    try Data((token + "\n").utf8).write(to: URL(fileURLWithPath: path))
    try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    return (path, token)
}
