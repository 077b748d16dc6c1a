import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

/// Every signature a checkpoint carries must verify: `checkpoint verify` and `verify --checkpoint`
/// (the built binary).
@Suite("checkpoint signatures: every signature present must verify")
struct CheckpointSignatureCommandTests {
    /// A ledger, an Ed25519 key pair and a signed checkpoint of it.
    static func signed() throws -> (ledger: TestLedger, cp: String, pub: String) {
        let ledger = try TestLedger()
        try ledger.appendSample(count: 5)
        let pem = ledger.directory.file("sign.pem"), pub = ledger.directory.file("sign.pub.pem")
        #expect(try Binaries.ledger(["keys", "ed25519-generate", "--out", pem]).exitCode == 0)
        let cp = ledger.directory.file("cp.json")
        let made = try Binaries.ledger(["checkpoint", "--out", cp, "--sign-key", pem, "--db", ledger.dbPath, "--key-file", ledger.keyPath])
        #expect(made.exitCode == 0, "\(made.allOutput)")
        return (ledger, cp, pub)
    }

    /// Rewrites one member of the checkpoint file.
    static func edit(_ path: String, _ change: (inout [String: JSONValue]) -> Void) throws {
        var object = try #require(try JSONValue(parsing: String(contentsOfFile: path, encoding: .utf8)).objectValue)
        change(&object)
        try Data(JSONValue.object(object).prettyPrinted().utf8).write(to: URL(fileURLWithPath: path))
    }

    /// Flips the last hex digit of the HMAC.
    static func breakHMAC(_ path: String) throws {
        try edit(path) { object in
            let hmac = object["hmac"]?.stringValue ?? ""
            object["hmac"] = .string(String(hmac.dropLast()) + (hmac.hasSuffix("0") ? "1" : "0"))
        }
    }

    /// Replaces the Ed25519 signature by a valid-looking one over other bytes.
    static func breakSignature(_ path: String, pem: String) throws {
        let other = try Ed25519.sign(Array("something else".utf8), privateKeyPEM: String(contentsOfFile: pem, encoding: .utf8))
        try edit(path) { object in
            var signer = object["ed25519"]?.objectValue ?? [:]
            signer["signature"] = .string(Data(other).base64EncodedString())
            object["ed25519"] = .object(signer)
        }
    }

    static func lines(_ text: String) -> [Substring] { text.split(separator: "\n") }

    @Test("checkpoint verify --public-key with a broken HMAC: says exactly what was checked, never AUTHENTIC; with the key file too: NOT AUTHENTIC")
    func brokenHMACIsNeverAuthentic() throws {
        let (ledger, cp, pub) = try Self.signed()
        let both = try Binaries.ledger(["checkpoint", "verify", cp, "--public-key", pub, "--key-file", ledger.keyPath])
        #expect(both.exitCode == 0 && both.stdout.hasPrefix("AUTHENTIC: Ed25519 signature valid; HMAC valid"), "\(both.allOutput)")

        try Self.breakHMAC(cp)
        let publicOnly = try Binaries.ledger(["checkpoint", "verify", cp, "--public-key", pub])
        #expect(publicOnly.exitCode == 0, "\(publicOnly.allOutput)")
        #expect(publicOnly.stdout.contains("Ed25519 signature valid; HMAC not checked (no key file)"), "\(publicOnly.stdout)")
        #expect(!Self.lines(publicOnly.stdout).contains { $0.hasPrefix("AUTHENTIC") }, "\(publicOnly.stdout)")

        let withKey = try Binaries.ledger(["checkpoint", "verify", cp, "--public-key", pub, "--key-file", ledger.keyPath])
        #expect(withKey.exitCode == 2, "\(withKey.allOutput)")
        #expect(withKey.stdout.hasPrefix("NOT AUTHENTIC") && withKey.stdout.contains("HMAC INVALID"))
        let keyOnly = try Binaries.ledger(["checkpoint", "verify", cp, "--key-file", ledger.keyPath])
        #expect(keyOnly.exitCode == 2 && keyOnly.stdout.hasPrefix("NOT AUTHENTIC"), "\(keyOnly.allOutput)")
    }

    @Test("a valid HMAC does not hide a bad Ed25519 signature: NOT AUTHENTIC with the public key, a loud not-checked note without it")
    func badSignatureWithValidHMAC() throws {
        let (ledger, cp, pub) = try Self.signed()
        try Self.breakSignature(cp, pem: ledger.directory.file("sign.pem"))
        let db = ["--db", ledger.dbPath, "--key-file", ledger.keyPath]

        let verify = try Binaries.ledger(["verify", "--checkpoint", cp, "--public-key", pub] + db)
        #expect(verify.exitCode == 2, "\(verify.allOutput)")
        #expect(verify.stdout.contains("checkpoint_mismatch") && verify.stdout.contains("Ed25519 signature is invalid"))

        let unchecked = try Binaries.ledger(["verify", "--checkpoint", cp] + db)
        #expect(unchecked.stdout.contains("Ed25519 signature that was NOT checked"), "\(unchecked.allOutput)")

        let both = try Binaries.ledger(["checkpoint", "verify", cp, "--public-key", pub, "--key-file", ledger.keyPath])
        #expect(both.exitCode == 2 && both.stdout.hasPrefix("NOT AUTHENTIC"), "\(both.allOutput)")
        let keyOnly = try Binaries.ledger(["checkpoint", "verify", cp, "--key-file", ledger.keyPath])
        #expect(keyOnly.exitCode == 0, "\(keyOnly.allOutput)")
        #expect(keyOnly.stdout.hasPrefix("HMAC VALID") && keyOnly.stdout.contains("Ed25519 signature not checked (no --public-key)"))
    }

    @Test("verify --checkpoint --public-key: a correctly signed checkpoint verifies, both signatures checked, no warning")
    func bothSignaturesValid() throws {
        let (ledger, cp, pub) = try Self.signed()
        let result = try Binaries.ledger(["verify", "--checkpoint", cp, "--public-key", pub, "--db", ledger.dbPath, "--key-file", ledger.keyPath])
        #expect(result.exitCode == 0, "\(result.allOutput)")
        #expect(result.stdout.contains("checkpoints 1 of 1 matched") && !result.stdout.contains("NOT checked"))
    }

    @Test("verify --public-key without --checkpoint is a usage error (exit 64)")
    func publicKeyNeedsCheckpoint() throws {
        let (ledger, _, pub) = try Self.signed()
        let result = try Binaries.ledger(["verify", "--public-key", pub, "--db", ledger.dbPath, "--key-file", ledger.keyPath])
        #expect(result.exitCode == 64, "\(result.allOutput)")
    }
}
