import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

/// Signed checkpoint notes, tree proofs and RFC 3161 time-stamps, through the built `ledger`,
/// checked by implementations written independently here (Python: `cryptography`, hashlib, sqlite3).
@Suite("transparency commands: signed notes, tree proofs, time-stamps, verify with a public key")
struct TransparencyCommandTests {
    /// A ledger, an Ed25519 key pair and the key's vkey.
    final class Fixture: @unchecked Sendable {
        let ledger: TestLedger
        let signKey: String
        let publicKey: String
        let vkeyFile: String

        init(entries: Int = 30) throws {
            ledger = try TestLedger()
            try ledger.appendSample(count: entries)
            signKey = ledger.directory.file("sign.pem")
            publicKey = ledger.directory.file("sign.pub.pem")
            let generated = try Binaries.ledger(["keys", "ed25519-generate", "--out", signKey])
            #expect(generated.exitCode == 0, "\(generated.allOutput)")
            vkeyFile = ledger.directory.file("ledger.vkey")
            let vkey = try Binaries.ledger(["keys", "vkey", publicKey, "--db", ledger.dbPath])
            #expect(vkey.exitCode == 0, "\(vkey.allOutput)")
            try vkey.stdout.write(toFile: vkeyFile, atomically: true, encoding: .utf8)
        }

        /// `ledger checkpoint --sign-key --note FILE` (plus `extra`); returns the result.
        @discardableResult
        func note(_ name: String, signKey: String? = nil, _ extra: [String] = []) throws -> ProcessResult {
            let result = try Binaries.ledger(
                [
                    "checkpoint", "--sign-key", signKey ?? self.signKey, "--note", ledger.directory.file(name),
                    "--out", ledger.directory.file(name + ".json"),
                ] + extra + ledger.arguments)
            #expect(result.exitCode == 0, "\(result.allOutput)")
            return result
        }
    }

    /// An independent signed-note verifier (C2SP signed-note, Ed25519 via `cryptography`): exit 0 when
    /// the note carries a valid signature by the vkey, 1 otherwise. Also checks the checkpoint body's shape.
    static let noteVerifier = #"""
        import sys, base64, hashlib
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
        from cryptography.exceptions import InvalidSignature
        vkey = open(sys.argv[2]).read().strip()
        name, kid, key = vkey.split("+", 2)
        raw = base64.b64decode(key)
        assert raw[0] == 1 and len(raw) == 33
        assert hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4].hex() == kid
        note = open(sys.argv[1], "rb").read().decode("utf-8")
        cut = note.rindex("\n\n")
        text, sigs = note[:cut + 1], note[cut + 2:]
        lines = text.split("\n")[:-1]
        if not (len(lines) >= 3 and lines[1].isdigit() and len(base64.b64decode(lines[2])) == 32):
            sys.exit(1)
        ok = False
        for line in sigs.split("\n")[:-1]:
            if not line.startswith("\u2014 "):
                sys.exit(1)
            signer, sig = line[2:].rsplit(" ", 1)
            blob = base64.b64decode(sig)
            if signer == name and blob[:4].hex() == kid:
                try:
                    Ed25519PublicKey.from_public_bytes(raw[1:]).verify(blob[4:], text.encode("utf-8"))
                    ok = True
                except InvalidSignature:
                    sys.exit(1)
        sys.exit(0 if ok else 1)
        """#

    @Test(
        "a note signed by the tool verifies with an independent Python signed-note verifier (cryptography, hashlib); a note edited by one byte does not, nor with ledger checkpoint verify"
    )
    func noteVerifiesIndependently() throws {
        try RequiredTool.require("python3", for: "the independent signed-note verifier")
        let f = try Fixture()
        let created = try f.note("cp.note")
        let notePath = f.ledger.directory.file("cp.note")
        let vkey = try String(contentsOfFile: f.vkeyFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(created.stdout.contains("verifier key (vkey): \(vkey)"), "\(created.allOutput)")
        let script = f.ledger.directory.file("verify_note.py")
        try Self.noteVerifier.write(toFile: script, atomically: true, encoding: .utf8)
        let good = try SystemTool.run("python3", [script, notePath, f.vkeyFile])
        #expect(good.exitCode == 0, "the independent verifier rejects the tool's note: \(good.allOutput)")
        #expect(try Binaries.ledger(["checkpoint", "verify", "--note", notePath, "--public-key", f.vkeyFile]).exitCode == 0)
        #expect(try Binaries.ledger(["checkpoint", "verify", "--note", notePath, "--public-key", f.publicKey]).exitCode == 0)

        // One byte of the body changed (a digit of the ledger-head mac, still valid hex): both reject it.
        let original = try String(contentsOfFile: notePath, encoding: .utf8)
        var bytes = Array(original.utf8)
        let head = try #require(original.range(of: "ledger-head ")).upperBound
        let index = original.utf8.distance(from: original.utf8.startIndex, to: head) + 3
        bytes[index] = bytes[index] == UInt8(ascii: "a") ? UInt8(ascii: "b") : UInt8(ascii: "a")
        try Data(bytes).write(to: URL(fileURLWithPath: notePath))
        #expect(try SystemTool.run("python3", [script, notePath, f.vkeyFile]).exitCode == 1)
        let rejected = try Binaries.ledger(["checkpoint", "verify", "--note", notePath, "--public-key", f.vkeyFile])
        #expect(rejected.exitCode == 2 && rejected.stdout.contains("NOT AUTHENTIC"), "\(rejected.allOutput)")
    }

    /// Independent RFC 6962 / RFC 9162 code: leaf hashes from the database rows (canonical JSON of
    /// every non-NULL column), tree heads by the MTH recursion, and the two verification algorithms.
    static let treeChecker = #"""
        import sys, json, base64, hashlib, sqlite3
        def h(b): return hashlib.sha256(b).digest()
        def leaf(b): return h(b"\x00" + b)
        def node(l, r): return h(b"\x01" + l + r)
        def mth(leaves):
            n = len(leaves)
            if n == 0: return h(b"")
            if n == 1: return leaves[0]
            k = 1
            while k * 2 < n: k *= 2
            return node(mth(leaves[:k]), mth(leaves[k:]))
        def verify_inclusion(index, size, leaf_hash, proof, root):  # RFC 9162 2.1.3.2
            if index >= size: return False
            fn, sn, r = index, size - 1, leaf_hash
            for p in proof:
                if sn == 0: return False
                if fn & 1 or fn == sn:
                    r = node(p, r)
                    if not fn & 1:
                        while not fn & 1 and fn != 0: fn >>= 1; sn >>= 1
                else:
                    r = node(r, p)
                fn >>= 1; sn >>= 1
            return sn == 0 and r == root
        def verify_consistency(m, n, old, new, proof):  # RFC 9162 2.1.4.2
            if m == n: return not proof and old == new
            if m == 0 or not proof: return False
            if m & (m - 1) == 0: proof = [old] + proof
            fn, sn = m - 1, n - 1
            while fn & 1: fn >>= 1; sn >>= 1
            fr = sr = proof[0]
            for c in proof[1:]:
                if sn == 0: return False
                if fn & 1 or fn == sn:
                    fr = node(c, fr); sr = node(c, sr)
                    if not fn & 1:
                        while not fn & 1 and fn != 0: fn >>= 1; sn >>= 1
                else:
                    sr = node(sr, c)
                fn >>= 1; sn >>= 1
            return fr == old and sr == new and sn == 0
        db = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
        db.row_factory = sqlite3.Row
        rows = db.execute("SELECT * FROM entries ORDER BY seq").fetchall()
        leaves = [leaf(json.dumps({k: r[k] for k in r.keys() if r[k] is not None}, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")) for r in rows]
        b = lambda s: base64.b64decode(s)
        checked = 0
        for path in sys.argv[2:]:
            if path.startswith("consistency="):
                c = json.load(open(path.split("=", 1)[1]))
                m, n = c["old_size"], c["new_size"]
                assert b(c["old_root"]) == mth(leaves[:m]) and b(c["new_root"]) == mth(leaves[:n]), "note roots"
                assert verify_consistency(m, n, b(c["old_root"]), b(c["new_root"]), [b(x) for x in c["consistency_proof"]]), "consistency"
                assert not verify_consistency(m, n, b(c["old_root"]), h(b"x"), [b(x) for x in c["consistency_proof"]])
                checked += 1
                continue
            for line in open(path):
                p = json.loads(line)
                size, i = p["tree_size"], p["leaf_index"]
                assert p["seq"] == i + 1
                root = mth(leaves[:size])
                assert b(p["root_hash"]) == root, ("root", size)
                assert b(p["leaf_hash"]) == leaves[i], ("leaf", i)
                assert verify_inclusion(i, size, leaves[i], [b(x) for x in p["inclusion_proof"]], root), ("proof", i, size)
                if size > 1:
                    assert not verify_inclusion(i, size, leaves[(i + 1) % size], [b(x) for x in p["inclusion_proof"]], root)
                checked += 1
        print(checked)
        """#

    @Test(
        "ledger tree proof: every index of trees of sizes 1..64 (grown one entry at a time: the stored state caught up leaf by leaf, then rebuilt) checks with an independent RFC 9162 verifier in Python; a consistency proof between two notes too"
    )
    func proofsCheckIndependently() throws {
        try RequiredTool.require("python3", for: "the independent RFC 9162 verifier")
        let ledger = try TestLedger()  // seq 1: ledger.created
        let db = ["--db", ledger.dbPath]
        let dir = ledger.directory
        var files: [String] = []
        func proveAll(size: Int, tag: String) throws {
            let result = try Binaries.ledger(["tree", "proof", "--all", "--size", String(size)] + db)
            #expect(result.exitCode == 0, "\(result.allOutput)")
            let file = dir.file("proofs-\(tag)-\(size).jsonl")
            try result.stdout.write(toFile: file, atomically: true, encoding: .utf8)
            files.append(file)
        }
        for size in 1...64 {
            if size > 1 { try ledger.appendSample(count: 1) }
            try proveAll(size: size, tag: "caught-up")
        }
        #expect(try Binaries.ledger(["tree", "rebuild"] + db).exitCode == 0)
        for size in 1...64 { try proveAll(size: size, tag: "rebuilt") }

        // Two notes (sizes 65 and 70) and the consistency proof between them.
        let sign = dir.file("sign.pem")
        #expect(try Binaries.ledger(["keys", "ed25519-generate", "--out", sign]).exitCode == 0)
        #expect(
            try Binaries.ledger(["checkpoint", "--sign-key", sign, "--note", dir.file("a.note"), "--out", dir.file("a.json")] + ledger.arguments).exitCode == 0)
        try ledger.appendSample(count: 4)
        #expect(
            try Binaries.ledger(["checkpoint", "--sign-key", sign, "--note", dir.file("b.note"), "--out", dir.file("b.json")] + ledger.arguments).exitCode == 0)
        let consistency = try Binaries.ledger(
            [
                "tree", "consistency", "--from", dir.file("a.note"), "--to", dir.file("b.note"),
                "--public-key", dir.file("sign.pub.pem"), "--format", "json",
            ] + db)
        #expect(consistency.exitCode == 0, "\(consistency.allOutput)")
        let json = try JSONValue(parsing: consistency.stdout)
        #expect(json["old_size"] == .integer(65) && json["new_size"] == .integer(70))
        let consistencyFile = dir.file("consistency.json")
        try consistency.stdout.write(toFile: consistencyFile, atomically: true, encoding: .utf8)
        // Backwards is refused.
        let backwards = try Binaries.ledger(
            ["tree", "consistency", "--from", dir.file("b.note"), "--to", dir.file("a.note"), "--public-key", dir.file("sign.pub.pem")] + db)
        #expect(backwards.exitCode == 2)

        let script = dir.file("tree_check.py")
        try Self.treeChecker.write(toFile: script, atomically: true, encoding: .utf8)
        let checked = try SystemTool.run("python3", [script, ledger.dbPath] + files + ["consistency=" + consistencyFile])
        #expect(checked.exitCode == 0, "\(checked.allOutput)")
        // 2 × (1 + 2 + … + 64) inclusion proofs, 1 consistency proof.
        #expect(checked.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == String(2 * 64 * 65 / 2 + 1), "\(checked.allOutput)")
    }

    @Test(
        "ledger checkpoint --tsa: an RFC 3161 token from a local TSA over HTTP, kept as NOTE.tsr, verified by openssl ts -verify; ledger checkpoint verify --tsa-ca passes with the TSA's CA and fails with another CA"
    )
    func timeStampFromLocalTSA() throws {
        try RequiredTool.require("openssl", "python3", for: "the local TSA and openssl ts -verify")
        let f = try Fixture()
        let tsa = try LocalTSA()
        let url = try tsa.startServer()
        let created = try f.note("cp.note", ["--tsa", url, "--tsa-ca", tsa.caFile])
        #expect(created.stdout.contains("RFC 3161 time-stamp (genTime 20") && created.stdout.contains("verified against the TSA CA"), "\(created.allOutput)")
        let notePath = f.ledger.directory.file("cp.note"), tokenPath = notePath + ".tsr"
        #expect(FileManager.default.fileExists(atPath: tokenPath))

        // The body: every line before the blank line, final newline included.
        let note = try String(contentsOfFile: notePath, encoding: .utf8)
        let body = String(note[..<note.index(after: try #require(note.range(of: "\n\n", options: .backwards)).lowerBound)])
        let bodyPath = f.ledger.directory.file("body.txt")
        try Data(body.utf8).write(to: URL(fileURLWithPath: bodyPath))
        let openssl = try SystemTool.run("openssl", ["ts", "-verify", "-data", bodyPath, "-in", tokenPath, "-CAfile", tsa.caFile])
        #expect(openssl.exitCode == 0 && openssl.allOutput.contains("Verification: OK"), "\(openssl.allOutput)")

        let ok = try Binaries.ledger(["checkpoint", "verify", "--note", notePath, "--public-key", f.vkeyFile, "--tsa-ca", tsa.caFile])
        #expect(ok.exitCode == 0 && ok.stdout.hasPrefix("AUTHENTIC") && ok.stdout.contains("genTime 20"), "\(ok.allOutput)")
        let unchecked = try Binaries.ledger(["checkpoint", "verify", "--note", notePath, "--public-key", f.vkeyFile])
        #expect(unchecked.exitCode == 0 && unchecked.stdout.hasPrefix("SIGNATURE VALID") && unchecked.stdout.contains("NOT checked"), "\(unchecked.allOutput)")

        let other = try LocalTSA()
        let wrong = try Binaries.ledger(["checkpoint", "verify", "--note", notePath, "--public-key", f.vkeyFile, "--tsa-ca", other.caFile, "--format", "json"])
        #expect(wrong.exitCode == 2, "\(wrong.allOutput)")
        #expect(try JSONValue(parsing: wrong.stdout)["verdict"]?.stringValue == "NOT AUTHENTIC")

        // A TSA that cannot be reached: the note is written, no token, exit 4 with a readable reason.
        let unreachable = try Binaries.ledger(
            [
                "checkpoint", "--sign-key", f.signKey, "--note", f.ledger.directory.file("late.note"),
                "--out", f.ledger.directory.file("late.json"), "--tsa", "http://127.0.0.1:9/", "--tsa-timeout", "5",
            ] + f.ledger.arguments)
        #expect(unreachable.exitCode == 4 && unreachable.stderr.contains("time-stamping authority"), "\(unreachable.allOutput)")
        #expect(FileManager.default.fileExists(atPath: f.ledger.directory.file("late.note")))
        #expect(!FileManager.default.fileExists(atPath: f.ledger.directory.file("late.note.tsr")))
    }

    @Test(
        "verify --public-key with notes needs no key file: an intact ledger passes; a ledger cut and re-chained with the HMAC key below a note's size, a row edited below it, a note signed by another key and a note edited by one byte each fail"
    )
    func verifyWithPublicKeyOnly() throws {
        let f = try Fixture(entries: 40)
        try f.note("a.note")  // size 42
        try f.ledger.appendSample(count: 10)
        try f.note("b.note")  // size 53
        let db = ["--db", f.ledger.dbPath]
        let a = f.ledger.directory.file("a.note"), b = f.ledger.directory.file("b.note")

        let intact = try Binaries.ledger(["verify", "--public-key", f.vkeyFile, "--checkpoint", a, "--checkpoint", b] + db)
        #expect(
            intact.exitCode == 0 && intact.stdout.contains("INTACT up to seq 53") && intact.stdout.contains("each extends the one before"),
            "\(intact.allOutput)")
        let pem = try Binaries.ledger(["verify", "--public-key", f.publicKey, "--checkpoint", a, "--format", "json"] + db)
        #expect(pem.exitCode == 0, "\(pem.allOutput)")
        #expect(try JSONValue(parsing: pem.stdout)["intact"] == .bool(true))
        // With the key file too: the HMAC chain and the notes, one report.
        let both = try Binaries.ledger(["verify", "--public-key", f.vkeyFile, "--checkpoint", b] + f.ledger.arguments)
        #expect(both.exitCode == 0 && both.stdout.contains("INTACT: every entry verifies") && both.stdout.contains("matches"), "\(both.allOutput)")
        // A note without --public-key is a usage error.
        #expect(try Binaries.ledger(["verify", "--checkpoint", a] + f.ledger.arguments).exitCode == 64)

        // A note signed by another key.
        let otherKey = f.ledger.directory.file("other.pem")
        #expect(try Binaries.ledger(["keys", "ed25519-generate", "--out", otherKey]).exitCode == 0)
        try f.note("other.note", signKey: otherKey)
        let foreign = try Binaries.ledger(["verify", "--public-key", f.vkeyFile, "--checkpoint", f.ledger.directory.file("other.note")] + db)
        #expect(foreign.exitCode == 2 && foreign.stdout.contains("no signature by the trusted key"), "\(foreign.allOutput)")

        // A note edited by one byte (its size line: 53 → 52).
        let edited = f.ledger.directory.file("edited.note")
        let text = try String(contentsOfFile: b, encoding: .utf8)
        try text.replacingOccurrences(of: "\n53\n", with: "\n52\n").write(toFile: edited, atomically: true, encoding: .utf8)
        let forged = try Binaries.ledger(["verify", "--public-key", f.vkeyFile, "--checkpoint", edited] + db)
        #expect(forged.exitCode == 2 && forged.stdout.contains("does not verify"), "\(forged.allOutput)")

        // One row below note a's size edited (no key needed to notice): the recomputed root differs
        // (the note's ledger-head row is untouched). Then put back.
        try f.ledger.tamper("UPDATE entries SET reason = reason || 'X' WHERE seq = 20")
        let rowEdited = try Binaries.ledger(["verify", "--public-key", f.vkeyFile, "--checkpoint", a] + db)
        #expect(rowEdited.exitCode == 2 && rowEdited.stdout.contains("recomputed from the rows has root"), "\(rowEdited.allOutput)")
        try f.ledger.tamper("UPDATE entries SET reason = substr(reason, 1, length(reason) - 1) WHERE seq = 20")
        #expect(try Binaries.ledger(["verify", "--public-key", f.vkeyFile, "--checkpoint", a] + db).exitCode == 0)

        // Cut below note a's size and re-chained with the HMAC key: both notes fail, with or without the key file.
        try f.ledger.tamper("DELETE FROM entries WHERE seq >= 30")
        try f.ledger.appendSample(count: 40)
        #expect(try Binaries.ledger(["verify"] + f.ledger.arguments).exitCode == 0, "the HMAC chain alone cannot see it")
        let cut = try Binaries.ledger(["verify", "--public-key", f.vkeyFile, "--checkpoint", a, "--checkpoint", b, "--format", "json"] + db)
        #expect(cut.exitCode == 2, "\(cut.allOutput)")
        let json = try JSONValue(parsing: cut.stdout)
        #expect(json["finding_count"] == .integer(2), "\(cut.stdout)")
        let withKey = try Binaries.ledger(["verify", "--public-key", f.vkeyFile, "--checkpoint", a] + f.ledger.arguments)
        #expect(withKey.exitCode == 2 && withKey.stdout.contains("rewritten"), "\(withKey.allOutput)")
        // The two notes stay consistent with each other (they were signed over one log), but once the
        // tree state is recomputed from the rewritten rows, this ledger can no longer prove it.
        #expect(try Binaries.ledger(["tree", "rebuild"] + db).exitCode == 0)
        let consistency = try Binaries.ledger(["tree", "consistency", "--from", a, "--to", b, "--public-key", f.vkeyFile] + db)
        #expect(consistency.exitCode == 2 && consistency.stdout.contains("NOT CONSISTENT"), "\(consistency.allOutput)")
    }

    @Test(
        "ledger keys vkey: the vkey of the checkpoint's key names the ledger's default origin; --name renames; without --name and without a ledger it is a usage error; a private key is refused"
    )
    func vkeyCommand() throws {
        let f = try Fixture(entries: 1)
        let vkey = try String(contentsOfFile: f.vkeyFile, encoding: .utf8)
        let ledgerID = try f.ledger.open().ledgerID
        #expect(vkey.hasPrefix("model-ledger/\(ledgerID)+") && vkey.hasSuffix("\n") && vkey.split(separator: "\n").count == 1)
        let named = try Binaries.ledger(["keys", "vkey", f.publicKey, "--name", "ledger.example.com/churn"])
        #expect(named.exitCode == 0 && named.stdout.hasPrefix("ledger.example.com/churn+"))
        let noLedger = try Binaries.ledger(["keys", "vkey", f.publicKey, "--db", f.ledger.directory.file("missing.sqlite")])
        #expect(noLedger.exitCode == 64 && noLedger.stderr.contains("--name"), "\(noLedger.allOutput)")
        let privateKey = try Binaries.ledger(["keys", "vkey", f.signKey, "--name", "x"])
        #expect(privateKey.exitCode == 78 && !privateKey.allOutput.contains("PRIVATE"), "\(privateKey.allOutput)")
        #expect(try Binaries.ledger(["keys", "vkey", f.publicKey, "--name", "has space"]).exitCode == 64)
        // A vkey as --public-key of a JSON statement works like the PEM.
        try f.note("cp.note")
        let statement = try Binaries.ledger(["checkpoint", "verify", f.ledger.directory.file("cp.note.json"), "--public-key", f.vkeyFile])
        #expect(statement.exitCode == 0 && statement.stdout.contains("Ed25519 signature valid"), "\(statement.allOutput)")
    }
}
