import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LedgerCore
import LedgerService
import LedgerTestSupport
import LedgerWorkflows
import NIOCore
import Testing

/// The simulator fixture of the service tests: two active models with their keys.
enum ServiceFixture {
    static let churnKey = "svc-churn-SECRET-5a1f9e2b"
    static let fraudKey = "svc-fraud-SECRET-0c7d3e41"

    static let json = """
        {
          "api_keys": [
            {"key": "\(churnKey)", "model": "churn", "state": "active"},
            {"key": "\(fraudKey)", "model": "fraud", "state": "active"}
          ],
          "models": [
            {"name": "churn", "model_id": 101, "jobs": [
              {"id": "job-ok", "status": "finished"},
              {"id": "job-ok-2", "status": "finished"},
              {"id": "job-running", "status": "running"},
              {"id": "job-slow", "status": "finished", "faults": {"update_model": {"delay_ms": 1500}}},
              {"id": "job-slow-2", "status": "finished", "faults": {"update_model": {"delay_ms": 1500}}}
            ]},
            {"name": "fraud", "model_id": 202, "jobs": [
              {"id": "fraud-ok", "status": "finished"},
              {"id": "fraud-slow", "status": "finished", "faults": {"update_model": {"delay_ms": 1500}}}
            ]}
          ],
          "upload_defaults": {"finish_after_checks": 1, "end_status": "finished"}
        }
        """
}

/// A service built in-process (HummingbirdTesting) on a fresh ledger, with one user per role and,
/// when given a simulator, the models churn and fraud configured against it.
final class InProcessService: @unchecked Sendable {
    let ledger: TestLedger
    let usersPath: String
    let server: LedgerServer
    private(set) var tokens: [UserRole: String] = [:]
    let simulator: SimulatorProcess?

    init(simulator: SimulatorProcess? = nil, limits: ServiceLimits = ServiceLimits()) async throws {
        ledger = try TestLedger()
        usersPath = ledger.directory.file("users.json")
        self.simulator = simulator
        let session = try LedgerSession.openForWriting(LedgerLocation(databasePath: ledger.dbPath, keyFilePath: ledger.keyPath))
        let service = UserService(session: session, usersPath: usersPath)
        let admin = Provenance(actor: "service-admin")
        for role in UserRole.allCases {
            tokens[role] = try service.add(name: "user-\(role.rawValue)", role: role, provenance: admin).token
        }
        var configPath: String?
        if let simulator {
            var config = ""
            for (model, key) in [("churn", ServiceFixture.churnKey), ("fraud", ServiceFixture.fraudKey)] {
                let keyFile = ledger.directory.file("\(model).apikey")
                try ServiceProcess.writeSecret(key + "\n", to: keyFile)
                config += "[models.\(model)]\napi_key_file = \"\(keyFile)\"\nbase_url = \"\(simulator.baseURL)\"\n\n"
            }
            let path = ledger.directory.file("server.toml")
            try Data(config.utf8).write(to: URL(fileURLWithPath: path))
            configPath = path
        }
        var settings = ServiceSettings(
            listen: ListenAddress(host: "127.0.0.1", port: 0), location: LedgerLocation(databasePath: ledger.dbPath, keyFilePath: ledger.keyPath),
            usersPath: usersPath, serverConfigPath: configPath)
        settings.limits = limits
        server = try await LedgerServer(settings: settings, logger: LedgerServer.quietLogger())
    }

    /// Adds a user directly (as `ledger users add` does) and returns the token.
    func addUser(_ name: String, role: UserRole, expiresDays: Int? = nil) throws -> String {
        let session = try LedgerSession.openForWriting(LedgerLocation(databasePath: ledger.dbPath, keyFilePath: ledger.keyPath))
        return try UserService(session: session, usersPath: usersPath).add(
            name: name, role: role, expiresDays: expiresDays, provenance: Provenance(actor: "service-admin")
        ).token
    }

    /// Revokes a user directly.
    func revoke(_ name: String) throws {
        let session = try LedgerSession.openForWriting(LedgerLocation(databasePath: ledger.dbPath, keyFilePath: ledger.keyPath))
        _ = try UserService(session: session, usersPath: usersPath).revoke(name: name, provenance: Provenance(actor: "service-admin"))
    }

    /// The newest seq of the ledger (read through a separate read-only connection).
    func headSeq() throws -> Int64 {
        try LedgerStore.open(path: ledger.dbPath, writable: false).head()?.seq ?? 0
    }

    /// Runs `body` against the application (router-level testing), then releases the service.
    func test<T>(_ body: @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
        do {
            let value = try await server.application.test(.router, body)
            await server.shutdown()
            return value
        } catch {
            await server.shutdown()
            throw error
        }
    }
}

extension TestResponse {
    /// The body as text.
    var text: String { String(buffer: body) }
    /// The body parsed strictly.
    func json() throws -> JSONValue { try JSONValue(parsing: text) }
    /// The `Ledger-Exit-Code` header.
    var exitCode: String? { headers[HTTPField.Name("Ledger-Exit-Code")!] }
}

/// Request helpers.
enum Call {
    static func headers(_ token: String?, _ extra: [(String, String)] = []) -> HTTPFields {
        var fields = HTTPFields()
        if let token { fields[.authorization] = "Bearer \(token)" }
        fields[.contentType] = "application/json"
        for (name, value) in extra { fields[HTTPField.Name(name)!] = value }
        return fields
    }

    static func body(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }
}

/// The error envelope's code, when the body is one.
func errorCode(_ response: TestResponse) -> String? {
    (try? response.json())?["error"]?["code"]?.stringValue
}
