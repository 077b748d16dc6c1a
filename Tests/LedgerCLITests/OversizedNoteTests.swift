import Foundation
import LedgerTestSupport
import Testing

/// A checkpoint file far larger than any signed note is refused as a note, with the reason, not
/// misread as a malformed JSON statement.
@Suite("Oversized checkpoint notes")
struct OversizedNoteTests {
    @Test("a 16 MB non-JSON checkpoint file: exit 2, 'larger than' named, nothing else read")
    func sixteenMegabyteNote() throws {
        let ledger = try TestLedger()
        let dir = ledger.directory
        let keys = try Binaries.ledger(["keys", "ed25519-generate", "--out", dir.file("ed.pem")])
        #expect(keys.exitCode == 0, "\(keys.allOutput)")
        let vkey = try Binaries.ledger(["keys", "vkey", dir.file("ed.pub.pem"), "--name", "model-ledger/test"])
        try vkey.stdout.write(toFile: dir.file("v.vkey"), atomically: true, encoding: .utf8)
        let big = "o\n1\n" + String(repeating: "A", count: 16 << 20) + "\n\n\u{2014} k AAAA\n"
        try big.write(toFile: dir.file("big.note"), atomically: true, encoding: .utf8)
        let result = try Binaries.ledger(["verify", "--db", ledger.dbPath, "--public-key", dir.file("v.vkey"), "--checkpoint", dir.file("big.note")])
        #expect(result.exitCode == 2, "\(result.allOutput)")
        #expect(result.allOutput.contains("larger than"), "\(result.allOutput)")
        #expect(!result.allOutput.contains("not JSON"))
    }
}
