import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

/// Evidence bundles with proofs (`ledger export --sign-key` / `--checkpoint`), verified with a public
/// key only (`ledger verify --bundle --public-key`), and by docs/verify-bundle.py. Built binaries on
/// real files; the verifying process never sees a key file (its HOME is empty, no LEDGER_* variable).
@Suite("evidence bundles with proofs, verified with a public key (built binary)")
struct PublicBundleTests {
    /// A ledger of 21 entries, an Ed25519 signing key, and its vkey named after the default origin.
    struct Fixture {
        let ledger: TestLedger
        let signKey: String
        let vkeyPath: String
        let ledgerID: String
        /// An empty directory for what an auditor receives (no key file in it).
        let auditor: TemporaryDirectory

        init(entries: Int = 20) throws {
            ledger = try TestLedger()
            try ledger.appendSample(count: entries)
            ledgerID = try ledger.open().ledgerID
            signKey = ledger.directory.file("note-signing.pem")
            let generated = try Binaries.ledger(["keys", "ed25519-generate", "--out", signKey])
            try #require(generated.exitCode == 0, "\(generated.allOutput)")
            auditor = TemporaryDirectory()
            vkeyPath = auditor.file("ledger.vkey")
            try Self.writeVkey(publicPEM: signKey.replacingOccurrences(of: ".pem", with: ".pub.pem"), name: "model-ledger/\(ledgerID)", to: vkeyPath)
        }

        static func writeVkey(publicPEM: String, name: String, to path: String) throws {
            let vkey = try Binaries.ledger(["keys", "vkey", publicPEM, "--name", name])
            try #require(vkey.exitCode == 0, "\(vkey.allOutput)")
            try Data(vkey.stdout.utf8).write(to: URL(fileURLWithPath: path))
        }

        /// `ledger export --sign-key` of the whole ledger (plus `extra` flags) into the auditor's directory.
        func signedBundle(_ name: String = "bundle.jsonl", extra: [String] = []) throws -> String {
            let out = auditor.file(name)
            let export = try Binaries.ledger(["export", "--out", out, "--sign-key", signKey] + extra + ledger.arguments)
            try #require(export.exitCode == 0, "\(export.allOutput)")
            return out
        }

        /// `ledger verify --bundle B --public-key VKEY` with no key file anywhere.
        func verifyPublic(_ bundle: String, format: String = "text", key: String? = nil) throws -> ProcessResult {
            try Binaries.ledger(["verify", "--bundle", bundle, "--public-key", key ?? vkeyPath, "--format", format])
        }
    }

    static func lines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    static func write(_ lines: [String], to path: String) throws {
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
    }

    /// Line `index` parsed, changed by `edit`, and written back in canonical form.
    static func edit(_ lines: inout [String], _ index: Int, _ edit: (inout [String: JSONValue]) -> Void) throws {
        var object = try #require(try JSONValue(parsing: lines[index]).objectValue)
        edit(&object)
        lines[index] = String(decoding: CanonicalJSON.encode(.object(object)), as: UTF8.self)
    }

    /// The finding kinds of a `--format json` verification.
    static func kinds(_ result: ProcessResult) throws -> [String] {
        let json = try JSONValue(parsing: Array(result.stdout.utf8))
        guard case .array(let findings)? = json["findings"] else { return [] }
        return findings.compactMap { $0["kind"]?.stringValue }
    }

    @Test(
        "a signed bundle carries the note and a proof per line, and verifies with only the vkey or the PEM public key (no key file anywhere): exit 0, with the header reported as not authenticated"
    )
    func verifiesWithOnlyThePublicKey() throws {
        let f = try Fixture()
        let bundle = try f.signedBundle()
        let lines = try Self.lines(bundle)
        #expect(lines.count == 22)
        let header = try JSONValue(parsing: Array(lines[0].utf8))
        #expect(header["bundle_version"]?.integerValue == 2)
        let noteText = try #require(header["checkpoint"]?.stringValue)
        let note = try SignedNote(parsing: noteText)
        let checkpoint = try TreeCheckpoint(parsing: note.text)
        #expect(checkpoint.origin == "model-ledger/\(f.ledgerID)" && checkpoint.size == 21)
        #expect(checkpoint.ledgerHead?.seq == 21 && checkpoint.time != nil)
        #expect(checkpoint.rootHash == (try f.ledger.open().recomputedTreeRoot(size: 21)))
        for (offset, line) in lines.dropFirst().enumerated() {
            let object = try JSONValue(parsing: Array(line.utf8))
            #expect(object["leaf_index"]?.integerValue == Int64(offset))
            guard case .array(let proof)? = object["inclusion_proof"] else {
                Issue.record("line \(offset + 2) has no inclusion_proof")
                continue
            }
            #expect(!proof.isEmpty && proof.allSatisfy { Data(base64Encoded: $0.stringValue ?? "")?.count == 32 })
            #expect(CanonicalJSON.encode(object) == Array(line.utf8))
        }

        let text = try f.verifyPublic(bundle)
        #expect(text.exitCode == 0, "\(text.allOutput)")
        #expect(text.stdout.contains("INTACT") && text.stdout.contains("signature verified with the public key"))
        #expect(text.stdout.contains("21 of 21 line(s) proved"))
        #expect(text.stdout.contains("warning") && text.stdout.contains("NOT authenticated"))

        let json = try JSONValue(parsing: Array(try f.verifyPublic(bundle, format: "json").stdout.utf8))
        #expect(json["intact"] == .bool(true) && json["macs_checked"] == .bool(false) && json["header_authenticated"] == .bool(false))
        #expect(json["proved"]?.integerValue == 21 && json["checkpoint"]?["signature_verified"] == .bool(true))
        #expect(json["matched_authenticated"] == .bool(false))

        // The PEM public key works as well (named after the note's origin).
        let pem = f.signKey.replacingOccurrences(of: ".pem", with: ".pub.pem")
        let withPEM = try f.verifyPublic(bundle, key: pem)
        #expect(withPEM.exitCode == 0, "\(withPEM.allOutput)")
    }

    @Test(
        "an edited line, two lines' proofs swapped, a note signed by another key, a note edited by one byte, and a removed line are each caught with their finding kind (exit 2)"
    )
    func tamperingIsCaught() throws {
        let f = try Fixture()
        let bundle = try f.signedBundle()
        let original = try Self.lines(bundle)

        // An edited line: one character of an entry.
        var edited = original
        try Self.edit(&edited, 5) { object in
            var entry = object["entry"]?.objectValue ?? [:]
            entry["retrain_job_id"] = .string("job-X")
            object["entry"] = .object(entry)
        }
        try Self.write(edited, to: f.auditor.file("edited.jsonl"))
        let editedResult = try f.verifyPublic(f.auditor.file("edited.jsonl"), format: "json")
        #expect(editedResult.exitCode == 2, "\(editedResult.allOutput)")
        #expect(try Self.kinds(editedResult) == ["inclusion_proof_invalid"])

        // Two lines' proofs exchanged (each line still canonical).
        var swapped = original
        let proof3 = try JSONValue(parsing: Array(original[3].utf8))["inclusion_proof"]
        let proof4 = try JSONValue(parsing: Array(original[4].utf8))["inclusion_proof"]
        try #require(proof3 != proof4)
        try Self.edit(&swapped, 3) { $0["inclusion_proof"] = proof4 }
        try Self.edit(&swapped, 4) { $0["inclusion_proof"] = proof3 }
        try Self.write(swapped, to: f.auditor.file("swapped.jsonl"))
        let swappedResult = try f.verifyPublic(f.auditor.file("swapped.jsonl"), format: "json")
        #expect(swappedResult.exitCode == 2, "\(swappedResult.allOutput)")
        #expect(try Self.kinds(swappedResult) == ["inclusion_proof_invalid", "inclusion_proof_invalid"])

        // A note signed by another key (same origin): the bundle is otherwise a genuine one.
        let otherKey = f.ledger.directory.file("other-signing.pem")
        #expect(try Binaries.ledger(["keys", "ed25519-generate", "--out", otherKey]).exitCode == 0)
        let forged = f.auditor.file("other-key.jsonl")
        #expect(try Binaries.ledger(["export", "--out", forged, "--sign-key", otherKey] + f.ledger.arguments).exitCode == 0)
        let forgedResult = try f.verifyPublic(forged, format: "json")
        #expect(forgedResult.exitCode == 2, "\(forgedResult.allOutput)")
        #expect(try Self.kinds(forgedResult) == ["checkpoint_invalid"])
        #expect(forgedResult.stdout.contains("no signature by the public key given"))

        // A note edited by one byte (the last digit of its time line).
        var noteEdited = original
        try Self.edit(&noteEdited, 0) { header in
            var note = Array((header["checkpoint"]?.stringValue ?? "").utf8)
            // The time line ends the body: "…sssZ\n" then the blank line.
            let end = Array("Z\n\n".utf8)
            guard let z = (0..<(note.count - 2)).first(where: { Array(note[$0..<($0 + 3)]) == end }) else { return }
            note[z - 1] = note[z - 1] == UInt8(ascii: "1") ? UInt8(ascii: "2") : UInt8(ascii: "1")
            header["checkpoint"] = .string(String(decoding: note, as: UTF8.self))
        }
        try #require(noteEdited[0] != original[0])
        try Self.write(noteEdited, to: f.auditor.file("note-edited.jsonl"))
        let noteResult = try f.verifyPublic(f.auditor.file("note-edited.jsonl"), format: "json")
        #expect(noteResult.exitCode == 2, "\(noteResult.allOutput)")
        #expect(try Self.kinds(noteResult) == ["checkpoint_invalid"])
        #expect(noteResult.stdout.contains("altered"))

        // A line removed from the middle: the seq gap and the broken link (the proofs of the
        // remaining lines still hold; the header, unauthenticated, disagrees with the count).
        var removed = original
        removed.remove(at: 8)
        try Self.write(removed, to: f.auditor.file("removed.jsonl"))
        let removedResult = try f.verifyPublic(f.auditor.file("removed.jsonl"), format: "json")
        #expect(removedResult.exitCode == 2, "\(removedResult.allOutput)")
        let removedKinds = try Self.kinds(removedResult)
        #expect(removedKinds.contains("gap") && removedKinds.contains("broken_link"))
        #expect(!removedKinds.contains("inclusion_proof_invalid"))

        // And the original still verifies.
        #expect(try f.verifyPublic(bundle).exitCode == 0)
    }

    @Test("--checkpoint NOTE proves against an existing note; entries beyond its size, or a note of another ledger, are refused (exit 64, nothing written)")
    func existingCheckpoint() throws {
        let f = try Fixture()
        // A note of the ledger at seq 21 (taken from a signed export's header).
        let first = try f.signedBundle()
        let noteText = try #require(try JSONValue(parsing: Array(try Self.lines(first)[0].utf8))["checkpoint"]?.stringValue)
        let notePath = f.ledger.directory.file("head21.note")
        try Data(noteText.utf8).write(to: URL(fileURLWithPath: notePath))

        let proved = f.auditor.file("proved.jsonl")
        let ok = try Binaries.ledger(["export", "--out", proved, "--checkpoint", notePath] + f.ledger.arguments)
        #expect(ok.exitCode == 0, "\(ok.allOutput)")
        let header = try JSONValue(parsing: Array(try Self.lines(proved)[0].utf8))
        #expect(header["checkpoint"]?.stringValue == noteText)
        #expect(try f.verifyPublic(proved).exitCode == 0)

        // The ledger grows: the whole ledger is beyond the note.
        try f.ledger.appendSample(count: 3)
        let beyond = f.auditor.file("beyond.jsonl")
        let refused = try Binaries.ledger(["export", "--out", beyond, "--checkpoint", notePath] + f.ledger.arguments)
        #expect(refused.exitCode == 64, "\(refused.allOutput)")
        #expect(refused.stderr.contains("beyond the checkpoint note's tree (21 entries)"))
        #expect(!FileManager.default.fileExists(atPath: beyond))

        // A note of another ledger (same size): its root is not this ledger's.
        let other = try Fixture()
        let otherBundle = try other.signedBundle()
        let otherNote = try #require(try JSONValue(parsing: Array(try Self.lines(otherBundle)[0].utf8))["checkpoint"]?.stringValue)
        let otherPath = f.ledger.directory.file("other.note")
        try Data(otherNote.utf8).write(to: URL(fileURLWithPath: otherPath))
        let foreign = try Binaries.ledger(["export", "--out", f.auditor.file("foreign.jsonl"), "--checkpoint", otherPath] + f.ledger.arguments)
        #expect(foreign.exitCode == 64, "\(foreign.allOutput)")
        #expect(foreign.stderr.contains("root hash is not this ledger's"))
    }

    @Test(
        "--key-file with --public-key also recomputes the HMACs: an edited header (proofs intact) passes with the public key alone but is a header_mac_mismatch with the key file"
    )
    func keyFileAlsoChecksHMACs() throws {
        let f = try Fixture()
        let bundle = try f.signedBundle()
        let both = try Binaries.ledger(["verify", "--bundle", bundle, "--public-key", f.vkeyPath, "--key-file", f.ledger.keyPath, "--format", "json"])
        #expect(both.exitCode == 0, "\(both.allOutput)")
        let json = try JSONValue(parsing: Array(both.stdout.utf8))
        #expect(json["macs_checked"] == .bool(true) && json["header_authenticated"] == .bool(true) && json["matched_authenticated"] == .bool(true))
        #expect(json["checkpoint"]?["signature_verified"] == .bool(true) && json["proved"]?.integerValue == 21)

        var lines = try Self.lines(bundle)
        try Self.edit(&lines, 0) { $0["exported_at"] = .string("2020-01-01T00:00:00.000Z") }
        let edited = f.auditor.file("header-edited.jsonl")
        try Self.write(lines, to: edited)
        let publicOnly = try f.verifyPublic(edited)
        #expect(publicOnly.exitCode == 0, "the header is not authenticated without the key: \(publicOnly.allOutput)")
        let withKey = try Binaries.ledger(["verify", "--bundle", edited, "--public-key", f.vkeyPath, "--key-file", f.ledger.keyPath, "--format", "json"])
        #expect(withKey.exitCode == 2, "\(withKey.allOutput)")
        #expect(try Self.kinds(withKey) == ["header_mac_mismatch"])
    }

    @Test("a bundle without proofs (unsigned version 2, or version 1) given only --public-key is refused (exit 64): nothing to check the entries against")
    func bundleWithoutProofsIsRefused() throws {
        let f = try Fixture()
        let plain = f.auditor.file("plain.jsonl")
        #expect(try Binaries.ledger(["export", "--out", plain] + f.ledger.arguments).exitCode == 0)
        let refused = try f.verifyPublic(plain)
        #expect(refused.exitCode == 64, "\(refused.allOutput)")
        #expect(refused.stderr.contains("carries no checkpoint and no inclusion proofs") && refused.stderr.contains("--key-file"))
        #expect(!refused.stdout.contains("INTACT"))

        var lines = try Self.lines(plain)
        try Self.edit(&lines, 0) { header in
            header["bundle_version"] = .integer(1)
            header["matched_digest"] = nil
        }
        let v1 = f.auditor.file("v1.jsonl")
        try Self.write(lines, to: v1)
        let refusedV1 = try f.verifyPublic(v1)
        #expect(refusedV1.exitCode == 64, "\(refusedV1.allOutput)")
        #expect(refusedV1.stderr.contains("version 1"))
    }

    @Test(
        "docs/verify-bundle.py (python3 hashlib + cryptography, no model-ledger) accepts a bundle made by the built ledger, and rejects an edited line and a note signed by another key"
    )
    func pythonVerifier() throws {
        try RequiredTool.require("python3", for: "docs/verify-bundle.py, the independent bundle verifier")
        let hasCryptography = try SystemTool.run("python3", ["-c", "import cryptography"]).exitCode == 0
        try #require(hasCryptography, "python3's cryptography package is needed for docs/verify-bundle.py (Ed25519): pip install cryptography")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/verify-bundle.py").path
        let f = try Fixture()
        let bundle = try f.signedBundle()
        let ok = try SystemTool.run("python3", [script, bundle, f.vkeyPath])
        #expect(ok.exitCode == 0, "\(ok.allOutput)")
        #expect(ok.stdout.contains("OK: 21 entry line(s)"))

        var lines = try Self.lines(bundle)
        lines[7] = lines[7].replacingOccurrences(of: "CHG-", with: "CHH-")
        try #require(lines[7] != (try Self.lines(bundle))[7])
        let edited = f.auditor.file("edited.jsonl")
        try Self.write(lines, to: edited)
        let caught = try SystemTool.run("python3", [script, edited, f.vkeyPath])
        #expect(caught.exitCode == 1, "\(caught.allOutput)")
        #expect(caught.stdout.contains("line 8") && caught.stdout.contains("does not prove"))

        let otherKey = f.ledger.directory.file("other-signing.pem")
        #expect(try Binaries.ledger(["keys", "ed25519-generate", "--out", otherKey]).exitCode == 0)
        let forged = f.auditor.file("other-key.jsonl")
        #expect(try Binaries.ledger(["export", "--out", forged, "--sign-key", otherKey] + f.ledger.arguments).exitCode == 0)
        let refused = try SystemTool.run("python3", [script, forged, f.vkeyPath])
        #expect(refused.exitCode == 1, "\(refused.allOutput)")
        #expect(refused.stderr.contains("no signature by the trusted key"))
    }
}
