import Foundation
import LedgerCore
import LedgerTestSupport
import LedgerWorkflows
import Testing

/// `ledger serve` as a process: the first stdout line, a graceful stop on SIGTERM (exit 0), the
/// refusals before serving (a non-loopback bind without TLS: 64; a bad users file or server config:
/// 78; a port in use: 69), and what its log says about a refused token (its id, never the token).
@Suite(.serialized) struct ServiceServeTests {
    static let apiKey = "svc-serve-SECRET-9a8b7c6d"

    static func requireLedger() throws {
        try RequiredTool.requireExecutable(Binaries.path("ledger"), named: "ledger", for: "ledger serve")
    }

    @Test func itListensStopsGracefullyOnSIGTERMAndLogsRefusedTokensByIDOnly() throws {
        try Self.requireLedger()
        let service = try ServiceProcess(
            simulatorBaseURL: "http://127.0.0.1:9/v1/external", apiKeys: ["churn": Self.apiKey], users: [("ops", "admin"), ("gone", "switcher")])
        let first = try String(contentsOfFile: service.directory.file("serve-1.stdout"), encoding: .utf8)
        #expect(first == "listening on 127.0.0.1:\(service.port)\n", "exactly one line on stdout")
        let gone = try #require(service.users["gone"])
        try service.revokeUser("gone")
        let client = service.client()
        let health = try client.send("GET", "/healthz", token: nil, json: nil)
        #expect(health.status == 200)
        let refused = try client.send("GET", "/v1/log", token: gone.token, json: nil)
        #expect(refused.status == 401)
        client.disconnect()
        #expect(service.stop() == 0, "SIGTERM: a graceful stop, exit 0")
        let log = service.logText()
        let tokenID = try UserToken.id(sha256: UserToken.sha256(gone.token))
        #expect(log.contains("revoked_token") && log.contains(tokenID), "the refusal is logged with the token id: \(log)")
        for user in service.users.values { #expect(!log.contains(user.token), "no token in the log") }
        #expect(!log.contains(Self.apiKey), "no API key in the log")
    }

    @Test func itRefusesToStartWithoutWhatItNeeds() throws {
        try Self.requireLedger()
        let service = try ServiceProcess(
            simulatorBaseURL: "http://127.0.0.1:9/v1/external", apiKeys: ["churn": Self.apiKey], users: [("ops", "admin")], start: false)
        func serve(_ extra: [String]) throws -> ProcessResult {
            try Binaries.ledger(["serve", "--users", service.usersPath, "--server-config", service.configPath] + service.localArguments + extra, timeout: 30)
        }
        let open = try serve(["--listen", "0.0.0.0:0"])
        #expect(open.exitCode == 64, "a non-loopback bind without TLS: \(open.stderr)")
        #expect(open.stdout.isEmpty)
        #expect(try serve(["--listen", "127.0.0.1:99999"]).exitCode == 64)
        #expect(try serve(["--listen", "nonsense"]).exitCode == 64)
        #expect(try serve(["--listen", "127.0.0.1:0", "--tls-cert", "/nonexistent.pem"]).exitCode == 64, "--tls-cert without --tls-key")
        let missingUsers = try Binaries.ledger(
            ["serve", "--listen", "127.0.0.1:0", "--users", service.directory.file("nope.json"), "--server-config", service.configPath]
                + service.localArguments, timeout: 30)
        #expect(missingUsers.exitCode == 78, "\(missingUsers.stderr)")
        chmod(service.directory.file("churn.apikey"), 0o644)
        let looseKey = try serve(["--listen", "127.0.0.1:0"])
        #expect(looseKey.exitCode == 78, "an API key file others may read: \(looseKey.stderr)")
        #expect(!looseKey.allOutput.contains(Self.apiKey))
        chmod(service.directory.file("churn.apikey"), 0o600)

        // A port in use: 69.
        try service.start()
        defer { service.stop() }
        let taken = try serve(["--listen", "127.0.0.1:\(service.port)"])
        #expect(taken.exitCode == 69, "\(taken.stderr)")
    }
}
