import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

/// Checkpoints, key rotation, range verification and fail-closed writes (the built binary).
@Suite("integrity hardening: checkpoints, rotation, ranges, fail-closed writes")
struct IntegrityTests {
    static func args(_ ledger: TestLedger) -> [String] { ["--db", ledger.dbPath, "--key-file", ledger.keyPath] }

    @Test("a ledger cut short (and even re-chained with the key) verifies without a checkpoint but fails with one")
    func truncationCaughtByCheckpoint() throws {
        let ledger = try TestLedger()
        try ledger.appendSample(count: 50)
        let cp = ledger.directory.file("cp.json")
        #expect(try Binaries.ledger(["checkpoint", "--out", cp] + Self.args(ledger)).exitCode == 0)
        try ledger.appendSample(count: 5)
        let checkpoint = try Checkpoint.load(path: cp)
        #expect(checkpoint.seq == 52)
        #expect(try Binaries.ledger(["verify", "--checkpoint", cp] + Self.args(ledger)).exitCode == 0)

        // Cut the tail, including the checkpoint entry.
        try ledger.tamper("DELETE FROM entries WHERE seq >= 45")
        let plain = try Binaries.ledger(["verify"] + Self.args(ledger))
        #expect(plain.exitCode == 0, "without an external anchor a clean cut is invisible: \(plain.stdout)")
        let anchored = try Binaries.ledger(["verify", "--checkpoint", cp] + Self.args(ledger))
        #expect(anchored.exitCode == 2)
        #expect(anchored.stdout.contains("checkpoint_mismatch") && anchored.stdout.contains("cut short"))

        // Re-chain a new tail with the key: still caught, the mac at seq 52 differs.
        try ledger.appendSample(count: 20)
        let rechained = try Binaries.ledger(["verify", "--checkpoint", cp, "--format", "json"] + Self.args(ledger))
        #expect(rechained.exitCode == 2)
        let json = try JSONValue(parsing: rechained.stdout)
        guard case .array(let findings) = json["findings"] else { Issue.record("no findings"); return }
        #expect(findings.count == 1 && findings.first?["kind"]?.stringValue == "checkpoint_mismatch")
        #expect(findings.first?["message"]?.stringValue?.contains("rewritten") == true)

        // Writers refuse the re-chained ledger: the local copy of the checkpoint no longer matches.
        let write = try Binaries.ledger(["keys", "rotate"] + Self.args(ledger))
        #expect(write.exitCode == 6, "\(write.allOutput)")
        #expect(write.stderr.contains("last checkpoint"))
    }

    @Test("an Ed25519-signed checkpoint verifies with the public key alone (and with openssl pkeyutl); an edited one does not")
    func ed25519Checkpoint() throws {
        let ledger = try TestLedger()
        try ledger.appendSample(count: 10)
        let pem = ledger.directory.file("sign.pem"), pub = ledger.directory.file("sign.pub.pem")
        #expect(try Binaries.ledger(["keys", "ed25519-generate", "--out", pem]).exitCode == 0)
        let mode = try FileManager.default.attributesOfItem(atPath: pem)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
        let cp = ledger.directory.file("cp.json")
        #expect(try Binaries.ledger(["checkpoint", "--out", cp, "--sign-key", pem] + Self.args(ledger)).exitCode == 0)
        let ok = try Binaries.ledger(["checkpoint", "verify", cp, "--public-key", pub])
        #expect(ok.exitCode == 0 && ok.stdout.contains("Ed25519 signature valid"), "\(ok.allOutput)")

        if RequiredTool.available("openssl", "python3", for: "the openssl pkeyutl check of an Ed25519 checkpoint") {
            let script = """
                import json, base64, sys
                d = json.load(open(sys.argv[1]))
                open(sys.argv[2], "wb").write(json.dumps(d["checkpoint"], sort_keys=True, separators=(",", ":")).encode())
                open(sys.argv[3], "wb").write(base64.b64decode(d["ed25519"]["signature"]))
                """
            let payload = ledger.directory.file("payload.bin"), sig = ledger.directory.file("sig.bin")
            #expect(try SystemTool.run("python3", ["-c", script, cp, payload, sig]).exitCode == 0)
            let pkeyutl = try SystemTool.run("openssl", ["pkeyutl", "-verify", "-pubin", "-inkey", pub, "-rawin", "-in", payload, "-sigfile", sig])
            #expect(pkeyutl.exitCode == 0 && pkeyutl.stdout.contains("Signature Verified Successfully"), "\(pkeyutl.allOutput)")
        }

        var text = try String(contentsOfFile: cp, encoding: .utf8)
        let checkpoint = try Checkpoint.load(path: cp)
        text = text.replacingOccurrences(of: "\"seq\": \(checkpoint.seq)", with: "\"seq\": \(checkpoint.seq - 1)")
        try Data(text.utf8).write(to: URL(fileURLWithPath: cp))
        let forged = try Binaries.ledger(["checkpoint", "verify", cp, "--public-key", pub])
        #expect(forged.exitCode == 2 && forged.stdout.contains("NOT AUTHENTIC"))
        #expect(try Binaries.ledger(["verify", "--checkpoint", cp] + Self.args(ledger)).exitCode == 2)
    }

    @Test("a ledger rotated three times verifies; a later row signed with a retired key is flagged")
    func rotation() throws {
        let ledger = try TestLedger()
        let original = ledger.keyRing.active
        for round in 0..<3 {
            try ledger.appendSample(count: 10)
            let rotate = try Binaries.ledger(["keys", "rotate", "--reason", "round \(round)"] + Self.args(ledger))
            #expect(rotate.exitCode == 0, "\(rotate.allOutput)")
        }
        let ring = try KeyFile.load(path: ledger.keyPath)
        #expect(ring.keys.count == 4)
        try LedgerStore.open(path: ledger.dbPath, writable: true)
            .append(contentsOf: [TestLedger.sampleDraft(1)], keyRing: ring, provenance: ledger.provenance)
        let report = try Binaries.ledger(["verify", "--format", "json"] + Self.args(ledger))
        #expect(report.exitCode == 0, "\(report.stdout)")
        guard case .array(let keys) = try JSONValue(parsing: report.stdout)["keys"] else { Issue.record("no keys"); return }
        #expect(keys.count == 4)
        let list = try Binaries.ledger(["keys", "list", "--format", "json"] + Self.args(ledger))
        guard case .array(let rows) = try JSONValue(parsing: list.stdout) else { Issue.record("no list"); return }
        #expect(rows.filter { $0["active"] == .bool(true) }.count == 1)
        #expect(rows.first?["first_seq"]?.integerValue == 1)

        // Someone holding the first (retired) key appends a correctly chained row with it.
        let store = try LedgerStore.open(path: ledger.dbPath, writable: true)
        let forged = try store.append(contentsOf: [TestLedger.sampleDraft(2)], keyRing: ring, provenance: ledger.provenance, signingKey: original)[0]
        let caught = try Binaries.ledger(["verify"] + Self.args(ledger))
        #expect(caught.exitCode == 2)
        #expect(caught.stdout.contains("seq \(forged.seq)\tretired_key"), "\(caught.stdout)")
    }

    @Test("verify --from/--to checks a range and still catches a broken link into it")
    func ranges() throws {
        let ledger = try TestLedger()
        try ledger.appendSample(count: 300)
        let ok = try Binaries.ledger(["verify", "--from", "100", "--to", "200", "--format", "json"] + Self.args(ledger))
        #expect(ok.exitCode == 0)
        #expect(try JSONValue(parsing: ok.stdout)["entries"]?.integerValue == 101)
        try ledger.tamper("DELETE FROM entries WHERE seq = 99")
        let boundary = try Binaries.ledger(["verify", "--from", "100", "--to", "200"] + Self.args(ledger))
        #expect(boundary.exitCode == 2)
        #expect(boundary.stdout.contains("seq 100\t"), "\(boundary.stdout)")
        #expect(try Binaries.ledger(["verify", "--from", "150"] + Self.args(ledger)).exitCode == 0)
    }
}
