import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

/// A valid key file that is simply another ledger's: before issue 10, `verify` reported every row
/// TAMPERED (exit 2, unknown_key_id) while `switch` with the same file exited 78. Now a key file
/// holding none of the keys the entries name is "wrong key file" with exit 78 in `verify`,
/// `verify --bundle`, `report` and `history`; TAMPERED (exit 2) stays for real findings.
@Suite("A wrong key file exits 78 saying so; TAMPERED stays for real findings")
struct WrongKeyFileTests {
    /// A ledger with a few entries, and the path of another valid key file (another ledger's).
    static func setup() throws -> (ledger: TestLedger, otherKey: String, ledgerKeyID: String) {
        let ledger = try TestLedger()
        try ledger.appendSample(count: 5)
        let otherKey = ledger.directory.file("other.key")
        _ = try KeyFile.create(path: otherKey)
        let keyID = try #require(ledger.keyRing.keys.first?.id)
        return (ledger, otherKey, keyID)
    }

    @Test("verify with another ledger's key file: exit 78, 'wrong key file: none of the ledger's keys (ID) is in FILE', nothing on stdout (text and json)")
    func verifyWrongKeyFile() throws {
        let (ledger, otherKey, keyID) = try Self.setup()
        for format in ["text", "json"] {
            let result = try Binaries.ledger(["verify", "--db", ledger.dbPath, "--key-file", otherKey, "--format", format])
            #expect(result.exitCode == 78, "\(format): \(result.allOutput)")
            #expect(result.stderr.hasPrefix("error: wrong key file: none of the ledger's keys (\(keyID)) is in \(otherKey)"), "\(result.stderr)")
            #expect(result.stdout.isEmpty, "\(format): \(result.stdout)")
            #expect(!result.allOutput.contains("TAMPERED"), "\(result.allOutput)")
        }
    }

    @Test("verify with the right key file and one row's key_id changed: still TAMPERED (exit 2, unknown_key_id)")
    func oneUnknownKeyIsTampering() throws {
        let (ledger, _, _) = try Self.setup()
        try ledger.tamper("UPDATE entries SET key_id = 'ffffffffffffffff' WHERE seq = 3")
        let result = try Binaries.ledger(["verify"] + ledger.arguments)
        #expect(result.exitCode == 2, "\(result.allOutput)")
        #expect(result.stdout.contains("TAMPERED") && result.stdout.contains("seq 3\tunknown_key_id"), "\(result.stdout)")
        #expect(!result.allOutput.contains("wrong key file"))
    }

    @Test("verify with the right key file and every row's key_id changed: exit 78 naming the rewritten key, with the hint to treat it as tampering")
    func everyKeyRewrittenNamesTheKeyAndHints() throws {
        let (ledger, _, _) = try Self.setup()
        try ledger.tamper("UPDATE entries SET key_id = 'ffffffffffffffff'")
        let result = try Binaries.ledger(["verify"] + ledger.arguments)
        #expect(result.exitCode == 78, "\(result.allOutput)")
        #expect(result.stderr.contains("(ffffffffffffffff)") && result.stderr.contains("treat the ledger as tampered"), "\(result.stderr)")
    }

    @Test("verify --bundle with another ledger's key file: exit 78, 'wrong key file', not TAMPERED")
    func bundleWrongKeyFile() throws {
        let (ledger, otherKey, keyID) = try Self.setup()
        let bundle = ledger.directory.file("b.jsonl")
        #expect(try Binaries.ledger(["export", "--out", bundle] + ledger.arguments).exitCode == 0)
        for format in ["text", "json"] {
            let result = try Binaries.ledger(["verify", "--bundle", bundle, "--key-file", otherKey, "--format", format])
            #expect(result.exitCode == 78, "\(format): \(result.allOutput)")
            #expect(result.stderr.hasPrefix("error: wrong key file: none of the bundle's keys (\(keyID)) is in \(otherKey)"), "\(result.stderr)")
            #expect(result.stdout.isEmpty && !result.allOutput.contains("TAMPERED"), "\(result.allOutput)")
        }
        // The right key file still verifies it.
        #expect(try Binaries.ledger(["verify", "--bundle", bundle, "--key-file", ledger.keyPath]).exitCode == 0)
    }

    @Test("report and history with another ledger's key file: written marked NOT VERIFIED (wrong key file), no tamper banner, exit 78")
    func reportWrongKeyFile() throws {
        let (ledger, otherKey, keyID) = try Self.setup()
        for arguments in [["report"], ["report", "--as-of", "2099-01-01"], ["history", "--model", "churn"]] {
            let result = try Binaries.ledger(arguments + ["--format", "json", "--db", ledger.dbPath, "--key-file", otherKey])
            #expect(result.exitCode == 78, "\(arguments): \(result.allOutput)")
            #expect(result.stderr.contains("error: wrong key file: none of the ledger's keys (\(keyID)) is in \(otherKey)"), "\(result.stderr)")
            let json = try JSONValue(parsing: result.stdout)
            #expect(json["verification"]?["status"]?.stringValue == "not_verified", "\(arguments)")
            #expect(json["verification"]?["reason"]?.stringValue?.hasPrefix("wrong key file: ") == true, "\(arguments)")
            #expect(json["banner"] == .null, "\(arguments)")
            let table = try Binaries.ledger(arguments + ["--db", ledger.dbPath, "--key-file", otherKey])
            #expect(table.exitCode == 78)
            #expect(
                table.stdout.contains("NOT VERIFIED") && table.stdout.contains("wrong key file") && !table.stdout.contains("TAMPERED"),
                "\(table.stdout.prefix(600))")
        }
    }

    @Test("switch and verify agree on the wrong key file: both exit 78")
    func switchAndVerifyAgree() throws {
        let (ledger, otherKey, _) = try Self.setup()
        // `ledger keys rotate` opens for writing like `switch` (no service needed): the same key check.
        let write = try Binaries.ledger(["keys", "rotate", "--db", ledger.dbPath, "--key-file", otherKey])
        let verify = try Binaries.ledger(["verify", "--db", ledger.dbPath, "--key-file", otherKey])
        #expect(write.exitCode == 78 && verify.exitCode == 78, "write: \(write.allOutput)\nverify: \(verify.allOutput)")
    }
}
