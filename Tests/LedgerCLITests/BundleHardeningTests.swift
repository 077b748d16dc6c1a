import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

/// Evidence bundles under attack: edited `matched` flags, version-1 bundles, and lines too long to read
/// (the built binary).
@Suite("evidence bundle hardening: authenticated matched flags, long lines")
struct BundleHardeningTests {
    /// A ledger with fraud and churn entries alternating in the middle (seq 2…11 churn, 12…21 alternating
    /// fraud/churn, 22…31 churn) and its `--model fraud` bundle (seq 12…20: matched true and false lines),
    /// exported by the binary.
    static func exported() throws -> (ledger: TestLedger, bundle: String, lines: [String]) {
        let ledger = try TestLedger()
        let store = try ledger.open()
        for (models, count) in [(["churn"], 10), (["fraud", "churn"], 10), (["churn"], 10)] {
            let drafts = (0..<count).map { i -> EntryDraft in
                var draft = EntryDraft(kind: EntryKind.switchRequested)
                let model = models[i % models.count]
                draft.model = model
                draft.retrainJobID = "\(model)-job-\(i)"
                draft.reason = "CHG-\(i)"
                return draft
            }
            _ = try store.append(contentsOf: drafts, keyRing: ledger.keyRing, provenance: ledger.provenance)
        }
        let bundle = ledger.directory.file("fraud.jsonl")
        let export = try Binaries.ledger(["export", "--out", bundle, "--model", "fraud", "--db", ledger.dbPath, "--key-file", ledger.keyPath])
        #expect(export.exitCode == 0, "\(export.allOutput)")
        return (ledger, bundle, try lines(bundle))
    }

    static func lines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    static func write(_ lines: [String], to path: String) throws {
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
    }

    /// Swaps one `"matched":true` line and one `"matched":false` line (the count stays the same).
    static func swapFlags(_ lines: [String]) throws -> [String] {
        var edited = lines
        let trueIndex = try #require(edited.indices.dropFirst().first { edited[$0].hasSuffix(#","matched":true}"#) })
        let falseIndex = try #require(edited.indices.dropFirst().first { edited[$0].hasSuffix(#","matched":false}"#) })
        edited[trueIndex] = String(edited[trueIndex].dropLast(#"true}"#.count)) + "false}"
        edited[falseIndex] = String(edited[falseIndex].dropLast(#"false}"#.count)) + "true}"
        return edited
    }

    @Test("swapping two lines' matched flags (count unchanged) is a matched_mismatch finding, exit 2, not INTACT")
    func swappedMatchedFlagsAreCaught() throws {
        let (ledger, bundle, lines) = try Self.exported()
        let header = try JSONValue(parsing: lines[0])
        #expect(header["bundle_version"]?.integerValue == 2)
        #expect(header["matched_digest"]?.stringValue?.count == 64)
        let intact = try Binaries.ledger(["verify", "--bundle", bundle, "--key-file", ledger.keyPath, "--format", "json"])
        #expect(intact.exitCode == 0, "\(intact.allOutput)")
        #expect(try JSONValue(parsing: intact.stdout)["matched_authenticated"] == .bool(true))

        try Self.write(try Self.swapFlags(lines), to: bundle)
        let swapped = try Binaries.ledger(["verify", "--bundle", bundle, "--key-file", ledger.keyPath])
        #expect(swapped.exitCode == 2, "\(swapped.allOutput)")
        #expect(swapped.stdout.contains("matched_mismatch"))
        #expect(!swapped.stdout.contains("INTACT"))
    }

    @Test("matched_digest is the SHA-256 of one \"<seq> <matched>\\n\" line per entry line, as documented")
    func matchedDigestIsReproducibleByHand() throws {
        let (_, _, lines) = try Self.exported()
        var text = ""
        for line in lines.dropFirst() {
            let json = try JSONValue(parsing: line)
            let seq = try #require(json["entry"]?["seq"]?.integerValue)
            guard case .bool(let matched)? = json["matched"] else { Issue.record("no matched flag"); return }
            text += "\(seq) \(matched)\n"
        }
        #expect(try JSONValue(parsing: lines[0])["matched_digest"]?.stringValue == (try Digest.sha256Hex(text)))
    }

    /// Rewrites the bundle's header as version 1 (no matched_digest), correctly signed with the ledger's key.
    static func asVersion1(_ lines: [String], keyRing: KeyRing) throws -> [String] {
        var header = try BundleHeader(json: try JSONValue(parsing: lines[0]))
        header.matchedDigest = nil
        header.bundleVersion = 1
        try header.sign(with: keyRing.active)
        return [String(decoding: header.line, as: UTF8.self)] + lines.dropFirst()
    }

    @Test("a version-1 bundle (no matched_digest) still verifies, but says its matched flags are not authenticated")
    func version1BundleWarnsThatFlagsAreNotAuthenticated() throws {
        let (ledger, bundle, lines) = try Self.exported()
        try Self.write(try Self.asVersion1(lines, keyRing: ledger.keyRing), to: bundle)
        let text = try Binaries.ledger(["verify", "--bundle", bundle, "--key-file", ledger.keyPath])
        #expect(text.exitCode == 0, "\(text.allOutput)")
        #expect(text.stdout.contains("NOT authenticated"), "\(text.stdout)")
        let json = try Binaries.ledger(["verify", "--bundle", bundle, "--key-file", ledger.keyPath, "--format", "json"])
        let report = try JSONValue(parsing: json.stdout)
        #expect(report["matched_authenticated"] == .bool(false) && report["bundle_version"]?.integerValue == 1)
        guard case .array(let warnings)? = report["warnings"] else { Issue.record("no warnings array: \(json.stdout)"); return }
        #expect(warnings.contains { $0.stringValue?.contains("NOT authenticated") == true })

        // Swapped flags in a version-1 bundle: not provable, but flagged against the signed filter.
        try Self.write(try Self.swapFlags(try Self.asVersion1(lines, keyRing: ledger.keyRing)), to: bundle)
        let swapped = try Binaries.ledger(["verify", "--bundle", bundle, "--key-file", ledger.keyPath])
        #expect(swapped.stdout.contains("disagrees with the header's filter"), "\(swapped.stdout)")
        #expect(swapped.stdout.contains("NOT authenticated"))
    }

    @Test("a version-1 header cannot be forged onto a version-2 bundle: dropping matched_digest breaks header_mac")
    func strippingTheDigestBreaksTheHeaderMac() throws {
        let (ledger, bundle, lines) = try Self.exported()
        var header = try #require(try JSONValue(parsing: lines[0]).objectValue)
        header["matched_digest"] = nil
        header["bundle_version"] = .integer(1)
        try Self.write([String(decoding: CanonicalJSON.encode(.object(header)), as: UTF8.self)] + lines.dropFirst(), to: bundle)
        let result = try Binaries.ledger(["verify", "--bundle", bundle, "--key-file", ledger.keyPath])
        #expect(result.exitCode == 2 && result.stdout.contains("header_mac_mismatch"), "\(result.allOutput)")
    }

    @Test("a 16 MB line is a line_too_long finding naming its line, found in seconds (exit 2)")
    func sixteenMegabyteLineEndsQuicklyWithAFinding() throws {
        let (ledger, bundle, lines) = try Self.exported()
        var data = Data((lines[0] + "\n").utf8)
        data.append(Data(repeating: UInt8(ascii: "a"), count: 16_000_000))
        data.append(Data("\n".utf8))
        try data.write(to: URL(fileURLWithPath: bundle))
        let started = Date()
        let result = try Binaries.ledger(["verify", "--bundle", bundle, "--key-file", ledger.keyPath], timeout: 20)
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(result.exitCode == 2, "\(result.allOutput)")
        #expect(result.stdout.contains("line_too_long") && result.stdout.contains("line 2 is longer than \(EvidenceBundle.maxLineBytes) bytes"))
    }

    @Test("/dev/zero as a bundle ends (exit 2) with a line_too_long finding for line 1")
    func devZeroEnds() throws {
        let ledger = try TestLedger()
        let result = try Binaries.ledger(["verify", "--bundle", "/dev/zero", "--key-file", ledger.keyPath, "--format", "json"], timeout: 20)
        #expect(result.exitCode == 2, "\(result.allOutput)")
        let report = try JSONValue(parsing: result.stdout)
        guard case .array(let findings)? = report["findings"] else { Issue.record("no findings: \(result.stdout)"); return }
        #expect(findings.first?["kind"]?.stringValue == "line_too_long" && findings.first?["line"]?.integerValue == 1)
    }

    @Test("export refuses an entry longer than a bundle line may hold (exit 74, nothing written) instead of writing an unverifiable bundle")
    func exportRefusesOverlongEntry() throws {
        let ledger = try TestLedger()
        var draft = EntryDraft(kind: EntryKind.switchRequested)
        draft.model = "churn"
        draft.reason = String(repeating: "r", count: EvidenceBundle.maxLineBytes + 1)
        _ = try ledger.open().append(draft, keyRing: ledger.keyRing, provenance: ledger.provenance)
        let bundle = ledger.directory.file("all.jsonl")
        let result = try Binaries.ledger(["export", "--out", bundle, "--db", ledger.dbPath, "--key-file", ledger.keyPath])
        #expect(result.exitCode == 74, "\(result.allOutput)")
        #expect(result.stderr.contains("longer than an evidence bundle may hold"))
        #expect(!FileManager.default.fileExists(atPath: bundle))
    }

    @Test("a member added inside the header's filter (not covered by header_mac) makes the header malformed, never INTACT")
    func unsignedFilterMemberIsRefused() throws {
        let (ledger, bundle, lines) = try Self.exported()
        var header = try #require(try JSONValue(parsing: lines[0]).objectValue)
        var filter = try #require(header["filter"]?.objectValue)
        filter["injected"] = .string("\u{1B}]8;;https://evil\u{07}unsigned")
        header["filter"] = .object(filter)
        try Self.write([String(decoding: CanonicalJSON.encode(.object(header)), as: UTF8.self)] + lines.dropFirst(), to: bundle)
        let result = try Binaries.ledger(["verify", "--bundle", bundle, "--key-file", ledger.keyPath])
        #expect(result.exitCode == 2 && result.stdout.contains("malformed_header"), "\(result.allOutput)")
        #expect(!result.stdout.contains("\u{1B}"))
    }
}
