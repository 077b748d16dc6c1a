import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

@Suite("evidence bundles (library)")
struct ReportBundleTests {
    /// 1 ledger.created, 10 churn entries, 6 fraud entries, 10 churn entries.
    static func ledger() throws -> SwitchScenario {
        let s = try SwitchScenario()
        for i in 0..<5 { try s.switchModel("churn", "job-\(i)", by: "alice", .succeeded) }
        for i in 0..<3 { try s.switchModel("fraud", "fraud-\(i)", by: "bob", i == 1 ? .rejected : .succeeded, message: i == 1 ? "Not found classifier." : nil) }
        for i in 5..<10 { try s.switchModel("churn", "job-\(i)", by: "ci", .succeeded) }
        return s
    }

    static func lines(_ path: String) throws -> [[UInt8]] {
        var lines = try Data(contentsOf: URL(fileURLWithPath: path)).split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { Array($0) }
        if lines.last?.isEmpty == true { lines.removeLast() }
        return lines
    }

    static func replacing(_ line: [UInt8], _ old: String, _ new: String) -> [UInt8] {
        Array(String(decoding: line, as: UTF8.self).replacingOccurrences(of: old, with: new).utf8)
    }

    @Test("a whole-ledger bundle verifies; each line holds the entry's signed payload byte for byte")
    func wholeLedger() throws {
        let s = try Self.ledger()
        let out = s.ledger.directory.file("all.jsonl")
        let summary = try BundleExporter(store: s.store, keyRing: s.ledger.keyRing).export(selection: ExportSelection(), to: out)
        #expect(summary.header.firstSeq == 1 && summary.header.lastSeq == 27 && summary.header.entryCount == 27)
        #expect(summary.header.matchedCount == 27 && summary.header.headSeq == 27)
        #expect(summary.header.keyIDs == [s.ledger.keyRing.active.id])
        let lines = try Self.lines(out)
        #expect(lines.count == 28)
        let head = try #require(try s.store.head())
        #expect(summary.header.headMac == head.mac)
        for seq in [1, 2, 17, 27] {
            let entry = try #require(try s.store.entry(seq: Int64(seq)))
            let expected = EvidenceBundle.entryLine(payload: SignedPayload.bytes(of: entry.columnValues), mac: entry.mac, matched: true)
            #expect(lines[seq] == expected)
        }
        let report = try BundleVerifier(keyRing: s.ledger.keyRing).verify(path: out)
        #expect(report.isIntact, "\(report.findings)")
        #expect(report.entries == 27 && report.firstSeq == 1 && report.lastSeq == 27 && report.lastMac == head.mac)
    }

    @Test("a filtered bundle is the contiguous range from the first to the last match, matches marked")
    func middleRange() throws {
        let s = try Self.ledger()
        let out = s.ledger.directory.file("fraud.jsonl")
        let summary = try BundleExporter(store: s.store, keyRing: s.ledger.keyRing).export(selection: ExportSelection(model: "fraud"), to: out)
        #expect(summary.header.firstSeq == 12 && summary.header.lastSeq == 17)
        #expect(summary.header.matchedCount == 6 && summary.header.filterModel == "fraud")
        let report = try BundleVerifier(keyRing: s.ledger.keyRing).verify(path: out)
        #expect(report.isIntact, "\(report.findings)")

        // A period selection whose range includes other models' entries, marked as not matched.
        let first = try #require(try s.store.entry(seq: 10)), last = try #require(try s.store.entry(seq: 20))
        let period = s.ledger.directory.file("period.jsonl")
        let bySince = try BundleExporter(store: s.store, keyRing: s.ledger.keyRing)
            .export(selection: ExportSelection(model: "fraud", since: first.recordedAt, until: last.recordedAt), to: period)
        #expect(bySince.header.firstSeq == 12 && bySince.header.lastSeq == 17)
        let all = s.ledger.directory.file("period-all.jsonl")
        let everything = try BundleExporter(store: s.store, keyRing: s.ledger.keyRing)
            .export(selection: ExportSelection(since: first.recordedAt, until: last.recordedAt), to: all)
        #expect(everything.header.firstSeq == 10 && everything.header.lastSeq == 20 && everything.header.matchedCount == 11)
        #expect(try BundleVerifier(keyRing: s.ledger.keyRing).verify(path: all).isIntact)
        let marks = try Self.lines(out).dropFirst().map { String(decoding: $0, as: UTF8.self).hasSuffix("\"matched\":true}") }
        #expect(marks.allSatisfy { $0 })
    }

    @Test(
        "every change to a bundle is caught, with its line and seq",
        arguments: [
            "edit", "remove", "swap", "truncate", "header", "reencode", "duplicate",
        ])
    func tampering(change: String) throws {
        let s = try Self.ledger()
        let out = s.ledger.directory.file("b.jsonl")
        _ = try BundleExporter(store: s.store, keyRing: s.ledger.keyRing).export(selection: ExportSelection(model: "fraud"), to: out)
        var lines = try Self.lines(out)  // line index i holds seq 11 + i for i ≥ 1
        switch change {
        case "edit": lines[3] = Self.replacing(lines[3], "CHG-fraud-", "CHG-fraud_")
        case "remove": lines.remove(at: 3)
        case "swap": lines.swapAt(3, 4)
        case "truncate": lines.removeLast()
        case "header": lines[0] = Self.replacing(lines[0], "\"matched_count\":6", "\"matched_count\":5")
        case "reencode": lines[2] = Self.replacing(lines[2], "{\"entry\":", "{ \"entry\":")
        case "duplicate": lines.insert(lines[2], at: 3)
        default: Issue.record("unknown change")
        }
        let report = try BundleVerifier(keyRing: s.ledger.keyRing).verify(lines: lines)
        #expect(!report.isIntact)
        let kinds = Set(report.findings.map(\.kind))
        switch change {
        case "edit":
            #expect(report.findings.map(\.kind) == [.macMismatch])
            #expect(report.findings.first?.seq == 14 && report.findings.first?.line == 4)
        case "remove":
            #expect(kinds.isSuperset(of: [.gap, .brokenLink, .headerMismatch]))
            #expect(report.findings.first?.seq == 15)
        case "swap":
            #expect(kinds.isSuperset(of: [.gap, .brokenLink]))
        case "truncate":
            #expect(kinds == [.headerMismatch])
            #expect(report.findings.contains { $0.message.contains("ends at seq 17") })
        case "header":
            #expect(kinds.contains(.headerMacMismatch))
        case "reencode":
            #expect(report.findings.map(\.kind) == [.notCanonical] && report.findings.first?.seq == 13)
        case "duplicate":
            #expect(kinds.isSuperset(of: [.gap, .brokenLink, .headerMismatch]))
        default: break
        }
    }

    @Test("a bundle checked with another key names the unknown key; a foreign line is caught")
    func wrongKeyAndForeignLine() throws {
        let s = try Self.ledger()
        let out = s.ledger.directory.file("b.jsonl")
        _ = try BundleExporter(store: s.store, keyRing: s.ledger.keyRing).export(selection: ExportSelection(), to: out)
        let other = try KeyRing(keys: [try SigningKey.generate()], path: "other.key")
        let report = try BundleVerifier(keyRing: other).verify(path: out)
        #expect(report.findingCount == 28 && Set(report.findings.map(\.kind)) == [.unknownKeyID])

        var lines = try Self.lines(out)
        lines[5] = Self.replacing(lines[5], s.store.ledgerID, "00000000-0000-4000-8000-000000000000")
        let foreign = try BundleVerifier(keyRing: s.ledger.keyRing).verify(lines: lines)
        #expect(foreign.findings.contains { $0.kind == .foreignLedgerID && $0.seq == 5 })
    }

    @Test("export refuses: nothing matching, an existing file, a ledger that does not verify (nothing left behind)")
    func refusals() throws {
        let s = try Self.ledger()
        let exporter = BundleExporter(store: s.store, keyRing: s.ledger.keyRing)
        let out = s.ledger.directory.file("b.jsonl")
        #expect(throws: ExportError.self) { try exporter.export(selection: ExportSelection(model: "nope"), to: out) }
        #expect(!FileManager.default.fileExists(atPath: out))
        _ = try exporter.export(selection: ExportSelection(), to: out)
        #expect(throws: ExportError.self) { try exporter.export(selection: ExportSelection(), to: out) }
        _ = try exporter.export(selection: ExportSelection(), to: out, overwrite: true)

        try s.ledger.tamper("UPDATE entries SET reason = 'forged' WHERE seq = 14")
        let tampered = s.ledger.directory.file("tampered.jsonl")
        do {
            _ = try BundleExporter(store: try s.ledger.open(), keyRing: s.ledger.keyRing).export(selection: ExportSelection(model: "fraud"), to: tampered)
            Issue.record("export of a tampered range succeeded")
        } catch let ExportError.doesNotVerify(findings, total) {
            #expect(total == 1 && findings.first?.seq == 14 && findings.first?.kind == .macMismatch)
        }
        #expect(!FileManager.default.fileExists(atPath: tampered))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: s.ledger.directory.path).filter { $0.hasPrefix(".ledger-export") }
        #expect(leftovers.isEmpty)
    }
}
