import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

/// Checks rows written by the project with an implementation of the spec that shares no code
/// with it: python3's json module builds the canonical bytes, `openssl dgst` computes the HMAC.
/// Each test needs the tools (`RequiredTool.require`): under CI=true a missing one fails it.
@Suite("independent verification (python3 json + openssl dgst)")
struct IndependentVerificationTests {
    /// Reads row `seq` with the sqlite3 CLI as JSON, builds P per the spec in python3
    /// (drop mac and NULLs, sort keys, no whitespace, minimal escapes), and prints P's bytes.
    static let script = """
        import json, sys, subprocess
        db, seq = sys.argv[1], sys.argv[2]
        out = subprocess.run(["sqlite3", "-json", db, f"SELECT * FROM entries WHERE seq = {int(seq)}"],
                             check=True, capture_output=True).stdout
        row = json.loads(out)[0]
        payload = {k: v for k, v in row.items() if k != "mac" and v is not None}
        sys.stdout.buffer.write(json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
        """

    @Test("openssl dgst -mac HMAC over the canonical bytes reproduces each row's mac", arguments: [1, 2, 3, 4, 6, 11])
    func rowMatchesOpenSSL(seq: Int) throws {
        try RequiredTool.require("python3", "openssl", "sqlite3", for: "the independent mac check (python3 json + openssl dgst)")
        let ledger = try TestLedger()
        try ledger.appendSample(count: 12)
        let scriptPath = ledger.directory.file("canonical.py")
        try Data(Self.script.utf8).write(to: URL(fileURLWithPath: scriptPath))
        let payload = try SystemTool.run("python3", [scriptPath, ledger.dbPath, String(seq)])
        #expect(payload.exitCode == 0, "\(payload.stderr)")
        let hexKey = try String(contentsOfFile: ledger.keyPath, encoding: .utf8).trimmingCharacters(in: .newlines)
        let mac = try SystemTool.run(
            "openssl", ["dgst", "-sha256", "-mac", "HMAC", "-macopt", "hexkey:\(hexKey)", "-r"],
            stdin: Data(payload.stdout.utf8))
        #expect(mac.exitCode == 0, "\(mac.stderr)")
        let stored = try #require(try ledger.open().entry(seq: Int64(seq)))
        #expect(mac.stdout.split(separator: " ").first.map(String.init) == stored.mac)
        // The key_id is the first 16 hex digits of SHA-256 of the raw key.
        let keyID = try SystemTool.run(
            "python3", ["-c", "import hashlib,sys; print(hashlib.sha256(bytes.fromhex(sys.stdin.read().strip())).hexdigest())"],
            stdin: Data(hexKey.utf8))
        #expect(keyID.stdout.hasPrefix(stored.keyID) && stored.keyID.count == 16)
    }

    /// docs/verify-with-openssl.sh, found from this source file.
    static var shellVerifier: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/verify-with-openssl.sh").path
    }

    @Test("docs/verify-with-openssl.sh (sqlite3 + openssl only) accepts every row, and catches an edit")
    func shellVerifierAgrees() throws {
        try RequiredTool.require("bash", "sqlite3", "openssl", for: "docs/verify-with-openssl.sh")
        let ledger = try TestLedger()
        try ledger.appendSample(count: 25)
        let good = try SystemTool.run("bash", [Self.shellVerifier, ledger.dbPath, ledger.keyPath])
        #expect(good.exitCode == 0, "\(good.stdout)\(good.stderr)")
        #expect(good.stdout.split(separator: "\n").filter { $0.hasSuffix(" ok") }.count == 26)
        try ledger.tamper("UPDATE entries SET reason = 'forged' WHERE seq = 7")
        let bad = try SystemTool.run("bash", [Self.shellVerifier, ledger.dbPath, ledger.keyPath])
        #expect(bad.exitCode == 1)
        #expect(bad.stdout.contains("seq 7 FAILED: mac mismatch"))
        let one = try SystemTool.run("bash", [Self.shellVerifier, ledger.dbPath, ledger.keyPath, "8"])
        #expect(one.exitCode == 0 && one.stdout == "seq 8 ok\n", "\(one.stdout)")
    }
}
