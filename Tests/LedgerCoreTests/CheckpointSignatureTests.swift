import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

/// `Checkpoint.authenticity`: every signature present is checked when it can be, and one that fails
/// makes the statement not authentic.
@Suite("checkpoint authenticity (library)")
struct CheckpointSignatureTests {
    static func make() throws -> (ledger: TestLedger, checkpoint: Checkpoint, publicPEM: String) {
        let ledger = try TestLedger()
        let entry = try #require(try ledger.open().head())
        let pair = try Ed25519.generate()
        let checkpoint = try Checkpoint(entry: entry, keyRing: ledger.keyRing, signingKeyPEM: pair.privatePEM, publicKeyPEM: pair.publicPEM)
        return (ledger, checkpoint, pair.publicPEM)
    }

    @Test("a broken HMAC is a failure even when the Ed25519 signature verifies")
    func brokenHMACFails() throws {
        var (ledger, checkpoint, pub) = try Self.make()
        checkpoint.hmac = String(repeating: "0", count: 64)
        let result = try checkpoint.authenticity(keyRing: ledger.keyRing, publicKeyPEM: pub)
        #expect(result.ed25519 == .valid && !result.isAuthentic && result.failure?.contains("HMAC is invalid") == true)
        let publicOnly = try checkpoint.authenticity(keyRing: nil, publicKeyPEM: pub)
        #expect(publicOnly.summary == "Ed25519 signature valid; HMAC not checked (no key file)")
        #expect(publicOnly.isAuthentic && !publicOnly.isFullyChecked)
    }

    @Test("a bad Ed25519 signature is a failure even when the HMAC verifies; without a public key it is 'not checked', never valid")
    func badSignatureFails() throws {
        var (ledger, checkpoint, pub) = try Self.make()
        checkpoint.ed25519Signature = Data(repeating: 7, count: 64).base64EncodedString()
        let result = try checkpoint.authenticity(keyRing: ledger.keyRing, publicKeyPEM: pub)
        #expect(result.hmac == .valid && !result.isAuthentic && result.failure?.contains("Ed25519 signature is invalid") == true)
        let keyOnly = try checkpoint.authenticity(keyRing: ledger.keyRing, publicKeyPEM: nil)
        #expect(keyOnly.ed25519 == .notChecked("no --public-key") && !keyOnly.isFullyChecked)
    }

    @Test("nothing checked is not authentic")
    func nothingCheckedIsNotAuthentic() throws {
        let (_, checkpoint, _) = try Self.make()
        let result = try checkpoint.authenticity(keyRing: nil, publicKeyPEM: nil)
        #expect(!result.isAuthentic && result.failure == "no signature could be checked")
    }

    @Test("an ed25519 member that cannot be read is a malformed checkpoint, not an unsigned one")
    func unreadableSignatureIsMalformed() throws {
        let (_, checkpoint, _) = try Self.make()
        var object = try #require(checkpoint.jsonValue.objectValue)
        object["ed25519"] = .object(["signature": .integer(5)])
        #expect(throws: LedgerError.self) { try Checkpoint(parsing: JSONValue.object(object).prettyPrinted(), source: "cp.json") }
        object["ed25519"] = .string("none")
        #expect(throws: LedgerError.self) { try Checkpoint(parsing: JSONValue.object(object).prettyPrinted(), source: "cp.json") }
    }
}
