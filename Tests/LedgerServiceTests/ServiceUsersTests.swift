import Foundation
import LedgerCore
import LedgerTestSupport
import LedgerWorkflows
import Testing

/// `ledger users add/list/revoke` through the built binary: the token is printed once on stdout and
/// stored nowhere; the users file (0600) holds its hash; every change is a signed entry.
@Suite struct ServiceUsersTests {
    static func requireLedger() throws {
        try RequiredTool.requireExecutable(Binaries.path("ledger"), named: "ledger", for: "ledger users")
    }

    /// Every byte of the ledger's database files (main, WAL, shm).
    static func databaseBytes(_ ledger: TestLedger) -> Data {
        var all = Data()
        for suffix in ["", "-wal", "-shm"] {
            if let data = FileManager.default.contents(atPath: ledger.dbPath + suffix) { all.append(data) }
        }
        return all
    }

    @Test func addPrintsTheTokenOnceOnStdoutAndStoresOnlyItsHash() throws {
        try Self.requireLedger()
        let ledger = try TestLedger()
        let users = ledger.directory.file("users.json")
        let result = try Binaries.ledger(["users", "add", "alice", "--role", "switcher", "--users", users, "--actor", "root-admin"] + ledger.arguments)
        #expect(result.exitCode == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 2 && lines[1].isEmpty, "exactly one line on stdout")
        let token = String(lines[0])
        #expect(UserToken.isWellFormed(token))
        #expect(!result.stderr.contains(token))
        #expect(result.stderr.contains("alice"))

        // The file: mode 0600, the hash and id, never the token.
        let attributes = try FileManager.default.attributesOfItem(atPath: users)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let fileBytes = try #require(FileManager.default.contents(atPath: users))
        #expect(fileBytes.range(of: Data(token.utf8)) == nil)
        #expect(fileBytes.range(of: Data(token.dropFirst(4).utf8)) == nil)
        let file = try UsersFile.load(path: users)
        let hash = try UserToken.sha256(token)
        #expect(file.users.count == 1)
        #expect(file.users.first?.tokenSHA256 == hash)
        #expect(file.users.first?.role == .switcher)

        // The entry: user.added with user, role, token id; signed; the token nowhere in the database.
        let store = try LedgerStore.open(path: ledger.dbPath, writable: false)
        let head = try #require(try store.head())
        #expect(head.kind == .userAdded)
        #expect(head.actor == "root-admin")
        let details = try JSONValue(parsing: head.details ?? "")
        #expect(details["user"] == "alice")
        #expect(details["role"] == "switcher")
        #expect(details["token_id"]?.stringValue == UserToken.id(sha256: hash))
        #expect(details["expires_at"] == nil)
        let db = Self.databaseBytes(ledger)
        #expect(db.range(of: Data(token.utf8)) == nil)
        #expect(db.range(of: Data(token.dropFirst(4).utf8)) == nil)
        #expect(db.range(of: Data(hash.utf8)) == nil, "the database names the token id only")
        let verify = try Binaries.ledger(["verify"] + ledger.arguments)
        #expect(verify.exitCode == 0, "\(verify.allOutput)")
        #expect(!verify.allOutput.contains(token))
    }

    @Test func revokeWritesAnEntryAndMarksTheUserRevoked() throws {
        try Self.requireLedger()
        let ledger = try TestLedger()
        let users = ledger.directory.file("users.json")
        let added = try Binaries.ledger(["users", "add", "bob", "--role", "approver", "--expires-days", "30", "--users", users] + ledger.arguments)
        #expect(added.exitCode == 0, "\(added.stderr)")
        let again = try Binaries.ledger(["users", "add", "bob", "--role", "admin", "--users", users] + ledger.arguments)
        #expect(again.exitCode == 64, "a second active user of one name is refused")
        #expect(again.stdout.isEmpty)

        let revoked = try Binaries.ledger(["users", "revoke", "bob", "--users", users] + ledger.arguments)
        #expect(revoked.exitCode == 0, "\(revoked.stderr)")
        let store = try LedgerStore.open(path: ledger.dbPath, writable: false)
        let head = try #require(try store.head())
        #expect(head.kind == .userRevoked)
        let file = try UsersFile.load(path: users)
        #expect(file.users.first?.revokedAt == head.recordedAt)
        #expect(file.users.first?.expiresAt != nil)
        let seqBefore = head.seq
        let twice = try Binaries.ledger(["users", "revoke", "bob", "--users", users] + ledger.arguments)
        #expect(twice.exitCode == 64)
        #expect(try store.head()?.seq == seqBefore, "nothing written for a refused revoke")

        let list = try Binaries.ledger(["users", "list", "--users", users, "--format", "json"])
        #expect(list.exitCode == 0, "\(list.stderr)")
        let document = try JSONValue(parsing: list.stdout)
        guard case .array(let rows)? = document["users"] else {
            Issue.record("no users array")
            return
        }
        #expect(rows.count == 1)
        #expect(rows.first?["status"] == "revoked")
        #expect(rows.first?["token_sha256"] == nil, "list never shows the hash")
        #expect(try Binaries.ledger(["verify"] + ledger.arguments).exitCode == 0)
    }

    @Test func aLooselyPermissionedUsersFileIsRefused() throws {
        try Self.requireLedger()
        let ledger = try TestLedger()
        let users = ledger.directory.file("users.json")
        #expect(try Binaries.ledger(["users", "add", "carol", "--role", "auditor", "--users", users] + ledger.arguments).exitCode == 0)
        chmod(users, 0o644)
        let list = try Binaries.ledger(["users", "list", "--users", users])
        #expect(list.exitCode == 78)
        #expect(list.stderr.contains("0644"))
    }

    @Test func badNamesAndRolesAreUsageErrors() throws {
        try Self.requireLedger()
        let ledger = try TestLedger()
        let users = ledger.directory.file("users.json")
        #expect(try Binaries.ledger(["users", "add", "al\u{1}ice", "--role", "admin", "--users", users] + ledger.arguments).exitCode == 64)
        #expect(try Binaries.ledger(["users", "add", "alice", "--role", "king", "--users", users] + ledger.arguments).exitCode == 64)
        #expect(try Binaries.ledger(["users", "add", "alice", "--role", "admin", "--expires-days", "0", "--users", users] + ledger.arguments).exitCode == 64)
        #expect(!FileManager.default.fileExists(atPath: users))
        #expect(try LedgerStore.open(path: ledger.dbPath, writable: false).head()?.seq == 1)
    }
}
