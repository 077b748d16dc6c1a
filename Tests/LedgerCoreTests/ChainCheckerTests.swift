import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

/// The one chain checker, seen through its four users: the database verifier, bundle
/// verification, export and the writers' tail check.
@Suite("chain checker")
struct ChainCheckerTests {
    /// The chain rules' finding kinds (what every source reports alike).
    static let chainKinds: Set<FindingKind> = [
        .gap, .brokenLink, .macMismatch, .foreignLedgerID, .unknownKeyID, .retiredKey, .unannouncedKey, .malformedValue,
    ]

    /// A ledger of 1 + 12 entries, a key rotation (seq 14), then 6 entries signed by the new key (head: seq 20).
    static func rotatedLedger() throws -> (ledger: TestLedger, old: SigningKey) {
        let ledger = try TestLedger()
        try ledger.appendSample(count: 12)
        let store = try ledger.open()
        let rotation = try store.rotateKey(keyFilePath: ledger.keyPath, provenance: ledger.provenance, reason: "test")
        try ledger.appendSample(count: 6)
        return (ledger, rotation.old)
    }

    /// SQL that re-signs entry `seq` with `key` (its key_id and mac), as someone holding an old key could.
    static func resign(_ ledger: TestLedger, seq: Int64, with key: SigningKey) throws -> String {
        var entry = try #require(try ledger.open().entry(seq: seq))
        entry.keyID = key.id
        let mac = try HMACSHA256(key: key.bytes).authenticateHex(SignedPayload.bytes(of: entry.columnValues))
        return "UPDATE entries SET key_id = '\(key.id)', mac = '\(mac)' WHERE seq = \(seq)"
    }

    /// The bundle lines of a ledger's rows as they are (a tampered ledger cannot be exported),
    /// under `header`.
    static func bundleLines(of ledger: TestLedger, header: [UInt8]) throws -> [[UInt8]] {
        var lines = [header]
        try LedgerStore.open(path: ledger.dbPath, writable: false).forEachEntry(matching: EntryFilter()) { entry in
            lines.append(EvidenceBundle.entryLine(payload: SignedPayload.bytes(of: entry.columnValues), mac: entry.mac, matched: true))
        }
        return lines
    }

    @Test("the same tampered chain read from the database and from bundle lines gives the same findings (seq and kind)")
    func databaseAndBundleAgree() throws {
        let (ledger, old) = try Self.rotatedLedger()
        let out = ledger.directory.file("intact.jsonl")
        _ = try BundleExporter(store: try ledger.open(), keyRing: ledger.keyRing).export(selection: ExportSelection(), to: out)
        let header = try #require(try Data(contentsOf: URL(fileURLWithPath: out)).split(separator: UInt8(ascii: "\n")).first.map { Array($0) })

        try ledger.tamper(
            """
            UPDATE entries SET reason = 'forged' WHERE seq = 3;
            DELETE FROM entries WHERE seq = 6;
            UPDATE entries SET ledger_id = '00000000-0000-4000-8000-000000000000' WHERE seq = 9;
            UPDATE entries SET key_id = 'ffffffffffffffff' WHERE seq = 11;
            \(try Self.resign(ledger, seq: 19, with: old));
            UPDATE entries SET reason = 'forged' WHERE seq = 19;
            \(try Self.resign(ledger, seq: 20, with: old));
            """)
        let database = try Verifier(keyRing: ledger.keyRing).verify(try LedgerStore.open(path: ledger.dbPath, writable: false))
        let bundle = try BundleVerifier(keyRing: ledger.keyRing).verify(lines: try Self.bundleLines(of: ledger, header: header))

        struct Seen: Hashable, CustomStringConvertible {
            let seq: Int64?, kind: FindingKind
            var description: String { "\(seq.map(String.init) ?? "-") \(kind.rawValue)" }
        }
        let fromDatabase = database.findings.map { Seen(seq: $0.seq, kind: $0.kind) }
        let fromBundle = bundle.findings.filter { Self.chainKinds.contains($0.kind) }.map { Seen(seq: $0.seq, kind: $0.kind) }
        #expect(fromDatabase == fromBundle)
        // Every rule broken above is among them, the retired key included.
        #expect(Set(fromDatabase.map(\.kind)) == [.macMismatch, .gap, .brokenLink, .foreignLedgerID, .unknownKeyID, .retiredKey])
        // A row with a retired key and an altered column breaks both rules, from either source.
        #expect(fromDatabase.filter { $0.seq == 19 }.map(\.kind) == [.retiredKey, .macMismatch])
        #expect(fromDatabase.filter { $0.seq == 20 }.map(\.kind) == [.brokenLink, .retiredKey])
    }

    @Test("an export whose range holds an entry signed with a retired key is refused (the exporter used to accept it)")
    func exportRefusesRetiredKey() throws {
        let (ledger, old) = try Self.rotatedLedger()
        // The rotated ledger as written exports: the new key was announced by the rotation.
        _ = try BundleExporter(store: try ledger.open(), keyRing: ledger.keyRing).export(
            selection: ExportSelection(), to: ledger.directory.file("intact.jsonl"))
        // The newest entry, re-signed with the retired key: its mac recomputes and it links, but that key was retired at seq 14.
        try ledger.tamper(try Self.resign(ledger, seq: 20, with: old))
        let out = ledger.directory.file("b.jsonl")
        let error = try #require(throws: ExportError.self) {
            try BundleExporter(store: try ledger.open(), keyRing: ledger.keyRing).export(selection: ExportSelection(), to: out)
        }
        guard case .doesNotVerify(let findings, let total) = error else {
            Issue.record("expected doesNotVerify, got \(error)")
            return
        }
        #expect(total == 1 && findings.map(\.kind) == [.retiredKey] && findings.first?.seq == 20)
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test("a writer refuses to extend a ledger whose newest entry is signed with a retired key")
    func tailRefusesRetiredKey() throws {
        let (ledger, old) = try Self.rotatedLedger()
        try ledger.tamper(try Self.resign(ledger, seq: 20, with: old))
        let store = try ledger.open()
        let error = try #require(throws: LedgerError.self) {
            try store.append(EntryDraft(kind: EntryKind(rawValue: "note")), keyRing: ledger.keyRing, provenance: ledger.provenance)
        }
        guard case .tailDoesNotVerify(let seq, let reason) = error else {
            Issue.record("expected tailDoesNotVerify, got \(error)")
            return
        }
        #expect(seq == 20 && reason.contains("retired at seq 14"))
        #expect(try store.head()?.seq == 20)
    }

    @Test("a writer refuses to extend a ledger whose newest entry is signed with a key no entry announced, even when it signs with an announced key")
    func tailRefusesUnannouncedKey() throws {
        let ledger = try TestLedger()
        try ledger.appendSample(count: 4)
        let genesis = ledger.keyRing.active
        // A key added to the key file by hand (not by `ledger keys rotate`) re-signs the newest entry.
        let (_, extra) = try KeyFile.appendNewKey(path: ledger.keyPath)
        try ledger.tamper(try Self.resign(ledger, seq: 5, with: extra))
        let ring = try KeyFile.load(path: ledger.keyPath)
        let store = try ledger.open()
        let error = try #require(throws: LedgerError.self) {
            try store.append(contentsOf: [EntryDraft(kind: EntryKind(rawValue: "note"))], keyRing: ring, provenance: ledger.provenance, signingKey: genesis)
        }
        guard case .tailDoesNotVerify(let seq, let reason) = error else {
            Issue.record("expected tailDoesNotVerify, got \(error)")
            return
        }
        #expect(seq == 5 && reason.contains("neither the genesis key nor announced"))
        // `ledger verify` says the same of that row.
        let report = try Verifier(keyRing: ring).verify(store)
        #expect(report.findings.map(\.kind) == [.unannouncedKey] && report.findings.first?.seq == 5)
    }

    @Test("verify findings print seq, kind and message; bundle findings add their line")
    func oneFindingTypeTwoShapes() throws {
        let row = Finding(seq: 7, kind: .gap, message: "m")
        #expect(row.line == nil)
        #expect(row.jsonValue == .object(["seq": .integer(7), "kind": .string("gap"), "message": .string("m")]))
        let line = Finding(line: 1, seq: nil, kind: .malformedHeader, message: "h")
        #expect(line.jsonValue == .object(["line": .integer(1), "seq": .null, "kind": .string("malformed_header"), "message": .string("h")]))
        #expect(FindingKind(rawValue: "unannounced_key") == .unannouncedKey)
        #expect(Set(FindingKind.allCases.map(\.rawValue)).count == FindingKind.allCases.count)
    }
}
