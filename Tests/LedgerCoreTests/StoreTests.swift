import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

@Suite("Ledger store")
struct StoreTests {
    @Test("a new ledger starts with a signed ledger.created entry at seq 1")
    func created() throws {
        let ledger = try TestLedger()
        let store = try ledger.open()
        let first = try #require(try store.entry(seq: 1))
        #expect(first.kind == EntryKind.ledgerCreated)
        #expect(first.prevMac == String(repeating: "0", count: 64))
        #expect(first.ledgerID == store.ledgerID)
        #expect(UUID(uuidString: first.ledgerID) != nil && first.ledgerID == first.ledgerID.lowercased())
        #expect(first.keyID == ledger.keyRing.active.id)
        #expect(first.recordedAt.count == 24 && first.recordedAt.hasSuffix("Z"))
        #expect(first.actor == "test-actor" && first.osUser == "tester" && first.host == "test-host")
        #expect(first.details == #"{"format_version":1}"#)
    }

    @Test("creating over an existing ledger is refused and leaves it unchanged")
    func noOverwrite() throws {
        let ledger = try TestLedger()
        let before = try Data(contentsOf: URL(fileURLWithPath: ledger.dbPath))
        #expect(throws: LedgerError.self) {
            try LedgerStore.create(path: ledger.dbPath, keyRing: ledger.keyRing, provenance: ledger.provenance)
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: ledger.dbPath)) == before)
    }

    @Test("appends chain: each prev_mac is the previous mac, seq has no gaps")
    func chain() throws {
        let ledger = try TestLedger()
        try ledger.appendSample(count: 20)
        let store = try ledger.open()
        var previous: LedgerEntry?
        try store.forEachEntry(matching: EntryFilter()) { entry in
            if let previous {
                #expect(entry.seq == previous.seq + 1)
                #expect(entry.prevMac == previous.mac)
            }
            previous = entry
        }
        #expect(previous?.seq == 21)
    }

    @Test("a ledger of 1,000+ entries written through the library verifies intact")
    func thousandVerify() throws {
        let ledger = try TestLedger()
        try ledger.appendSample(count: 1200)
        let report = try Verifier(keyRing: ledger.keyRing).verify(try ledger.open())
        #expect(report.isIntact, "\(report.findings)")
        #expect(report.entries == 1201 && report.headSeq == 1201)
        #expect(report.keyUsage.map(\.rows) == [1201])
        #expect(report.warnings.isEmpty)
    }

    @Test("every standard tamper is detected at the right seq", arguments: TamperCase.standard)
    func tamper(tamper: TamperCase) throws {
        let ledger = try TestLedger()
        try ledger.appendSample(count: 700)
        #expect(try Verifier(keyRing: ledger.keyRing).verify(try ledger.open()).isIntact)
        try ledger.tamper(tamper.sql)
        let report = try Verifier(keyRing: ledger.keyRing).verify(try LedgerStore.open(path: ledger.dbPath, writable: false))
        #expect(!report.isIntact, "tamper '\(tamper.name)' was NOT detected")
        #expect(report.findings.first?.seq == tamper.firstSeq, "\(report.findings.prefix(3))")
        #expect(report.findings.contains { $0.kind == tamper.expectedKind }, "\(report.findings.prefix(5))")
        #expect(report.warnings.contains { $0.contains("triggers") })
    }

    @Test("verifying with a key file that holds none of the ledger's keys reports unknown_key_id on every entry (no key to check a mac with), without crashing")
    func wrongKey() throws {
        let ledger = try TestLedger()
        try ledger.appendSample(count: 10)
        let other = try KeyRing(keys: [try SigningKey.generate()], path: "other.key")
        let report = try Verifier(keyRing: other).verify(try ledger.open())
        #expect(report.findingCount == 11)
        #expect(report.findings.allSatisfy { $0.kind == .unknownKeyID })
    }

    @Test("appending to a ledger whose tail was altered is refused (fail closed)")
    func failClosed() throws {
        let ledger = try TestLedger()
        try ledger.appendSample(count: 5)
        try ledger.tamper("UPDATE entries SET reason = 'forged' WHERE seq = 6")
        let store = try ledger.open()
        let error = try #require(throws: LedgerError.self) {
            try store.append(EntryDraft(kind: EntryKind(rawValue: "note")), keyRing: ledger.keyRing, provenance: ledger.provenance)
        }
        guard case .tailDoesNotVerify(let seq, _) = error else {
            Issue.record("expected tailDoesNotVerify, got \(error)")
            return
        }
        #expect(seq == 6)
        #expect(try store.head()?.seq == 6)
    }

    @Test("appending with a key file that lacks the ledger's key is refused")
    func foreignKeyAppend() throws {
        let ledger = try TestLedger()
        let other = try KeyRing(keys: [try SigningKey.generate()], path: "other.key")
        let error = try #require(throws: LedgerError.self) {
            try ledger.open().append(EntryDraft(kind: EntryKind(rawValue: "note")), keyRing: other, provenance: ledger.provenance)
        }
        #expect(error.isConfiguration)
    }

    @Test("unresolved switches are the requests with no completion or resolution")
    func unresolved() throws {
        let ledger = try TestLedger()
        let store = try ledger.open()
        let r1 = try store.append(EntryDraft(kind: EntryKind.switchRequested), keyRing: ledger.keyRing, provenance: ledger.provenance)
        let r2 = try store.append(EntryDraft(kind: EntryKind.switchRequested), keyRing: ledger.keyRing, provenance: ledger.provenance)
        var done = EntryDraft(kind: EntryKind.switchCompleted)
        done.refSeq = r1.seq
        done.outcome = .succeeded
        _ = try store.append(done, keyRing: ledger.keyRing, provenance: ledger.provenance)
        #expect(try store.unresolvedSwitches().map(\.seq) == [r2.seq])
        let report = try Verifier(keyRing: ledger.keyRing).verify(store)
        #expect(report.isIntact && report.unresolvedSwitches == [r2.seq])
    }

    @Test("opening a file that is not a ledger gives a clear error", arguments: ["garbage", "sqlite-without-entries", "missing"])
    func notALedger(kind: String) throws {
        let dir = TemporaryDirectory()
        let path = dir.file("x.sqlite")
        switch kind {
        case "garbage": try Data(repeating: 0x41, count: 5000).write(to: URL(fileURLWithPath: path))
        case "sqlite-without-entries": try SQLiteConnection(path: path, mode: .create).execute("CREATE TABLE t (x)")
        default: break
        }
        let error = try #require(throws: LedgerError.self) { try LedgerStore.open(path: path, writable: false) }
        #expect(error.localizedDescription.contains(path))
    }
}
