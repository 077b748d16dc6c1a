import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

@Suite("Key files")
struct KeyFileTests {
    @Test("a created key file has mode 0600, one 64-hex line, and key_id = SHA-256(key)[0..16]")
    func create() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("sub/dir/ledger.key")
        let ring = try KeyFile.create(path: path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.count == 65 && text.hasSuffix("\n"))
        #expect(Hex.isLowercaseHex(text.dropLast(), count: 64))
        let raw = try #require(Hex.decodeLowercase(text.dropLast()))
        #expect(ring.active.id == String(try Digest.sha256Hex(raw).prefix(16)))
        #expect(try KeyFile.load(path: path).active.id == ring.active.id)
    }

    @Test("a group- or other-accessible key file is refused with a chmod 600 hint", arguments: [0o644, 0o640, 0o604, 0o660, 0o602])
    func loosePermissions(mode: Int) throws {
        let dir = TemporaryDirectory()
        let path = dir.file("ledger.key")
        _ = try KeyFile.create(path: path)
        chmod(path, mode_t(mode))
        let error = try #require(throws: LedgerError.self) { try KeyFile.load(path: path) }
        #expect(error.localizedDescription.contains("chmod 600 \(path)"))
    }

    @Test("malformed key files name the line, never its content")
    func malformed() throws {
        let secretish = String(repeating: "A", count: 64)
        let cases: [(String, String)] = [
            ("", "holds no key"),
            (secretish + "\n", "line 1"),
            (String(repeating: "a", count: 63) + "\n", "line 1"),
            (String(repeating: "a", count: 64) + "\n" + "xyz\n", "line 2"),
            (String(repeating: "b", count: 64) + "\n" + String(repeating: "b", count: 64) + "\n", "repeats"),
        ]
        for (content, expected) in cases {
            let error = try #require(throws: LedgerError.self) { try KeyFile.parse(Array(content.utf8), path: "k") }
            #expect(error.localizedDescription.contains(expected))
            #expect(!error.localizedDescription.contains(secretish))
        }
    }

    @Test("the last line is the active key; earlier lines are retired keys")
    func activeIsLast() throws {
        let a = String(repeating: "a", count: 64), b = String(repeating: "b", count: 64)
        let ring = try KeyFile.parse(Array("\(a)\n\(b)\n".utf8), path: "k")
        #expect(ring.keys.count == 2)
        #expect(ring.active.id == String(try Digest.sha256Hex(Hex.decodeLowercase(b) ?? []).prefix(16)))
        #expect(!String(describing: ring.active).contains(b))
    }

    @Test("a missing key file is a clear configuration error")
    func missing() throws {
        let error = try #require(throws: LedgerError.self) { try KeyFile.load(path: "/nonexistent/ledger.key") }
        #expect(error.isConfiguration)
        #expect(error.localizedDescription.contains("ledger init"))
    }
}
