import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

@Suite("SecretFile.create and replace: the one writer of owner-only files")
struct SecretFileWriteTests {
    private func mode(_ path: String) throws -> Int {
        try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    @Test("create writes the bytes with mode 0600, and they read back through SecretFile.read")
    func createWritesOwnerOnly() throws {
        let dir = TemporaryDirectory(prefix: "secret-write")
        let path = dir.file("secret")
        try SecretFile.create(path: path, contents: Array("s3cret\n".utf8), what: "test secret")
        #expect(try mode(path) == 0o600)
        #expect(try SecretFile.read(path: path, what: "test secret") == Array("s3cret\n".utf8))
    }

    @Test("create never overwrites: an existing file and a planted symbolic link are refused and left as they were")
    func createRefusesExistingAndSymlink() throws {
        let dir = TemporaryDirectory(prefix: "secret-write")
        let existing = dir.file("existing"), target = dir.file("target"), link = dir.file("link")
        try Data("old".utf8).write(to: URL(fileURLWithPath: existing))
        try Data("victim".utf8).write(to: URL(fileURLWithPath: target))
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        #expect(throws: LedgerError.self) { try SecretFile.create(path: existing, contents: Array("new".utf8)) }
        #expect(throws: LedgerError.self) { try SecretFile.create(path: link, contents: Array("new".utf8)) }
        #expect(FileManager.default.contents(atPath: existing) == Data("old".utf8))
        #expect(FileManager.default.contents(atPath: target) == Data("victim".utf8))
    }

    @Test("replace swaps in the complete new content with mode 0600 and leaves no temporary file, even after an interrupted run")
    func replaceIsCompleteAndClean() throws {
        let dir = TemporaryDirectory(prefix: "secret-write")
        let path = dir.file("secret")
        try SecretFile.create(path: path, contents: Array("one\n".utf8))
        // A leftover of an interrupted rotation does not block the next one.
        try Data("partial".utf8).write(to: URL(fileURLWithPath: path + ".rotating"))
        try SecretFile.replace(path: path, contents: Array("one\ntwo\n".utf8), temporarySuffix: ".rotating")
        #expect(FileManager.default.contents(atPath: path) == Data("one\ntwo\n".utf8))
        #expect(try mode(path) == 0o600)
        #expect(!FileManager.default.fileExists(atPath: path + ".rotating"))
    }
}
