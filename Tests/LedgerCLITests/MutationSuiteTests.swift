import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

/// Builds a ledger of a few hundred entries of every kind, then applies hundreds of mutations, each
/// to a fresh copy, and requires `ledger verify --checkpoint` (the built binary) to exit with the
/// tamper code for every one. Any mutation that slips through fails the test by name.
@Suite("mutation suite: every tamper must be caught")
struct MutationSuiteTests {
    /// A mutation of a copy of the database, given the key ring (some attackers hold the key).
    struct Mutation {
        let name: String
        let apply: (_ db: String, _ ring: KeyRing) throws -> Void
    }

    /// A ledger with every kind of entry, key rotations, a resolved switch and a final checkpoint.
    static func buildLedger() throws -> (TestLedger, checkpoint: String, other: String) {
        let ledger = try TestLedger()
        try ledger.appendSample(count: 120)
        let store = try ledger.open()
        _ = try store.rotateKey(keyFilePath: ledger.keyPath, provenance: ledger.provenance, reason: "rotation 1")
        try ledger.appendSample(count: 100)
        var resolved = EntryDraft(kind: EntryKind.switchResolved)
        resolved.refSeq = 2
        resolved.outcome = .succeeded
        resolved.reason = "INC-1"
        _ = try ledger.open().append(resolved, keyRing: ledger.keyRing, provenance: ledger.provenance)
        _ = try ledger.open().rotateKey(keyFilePath: ledger.keyPath, provenance: ledger.provenance, reason: "rotation 2")
        try ledger.appendSample(count: 80)
        // The checkpoint certifies the head: a `checkpoint` entry, and the statement kept outside.
        let ring = try KeyFile.load(path: ledger.keyPath)
        var draft = EntryDraft(kind: EntryKind.checkpoint)
        draft.details = ["entries_before": .integer(try ledger.open().head()?.seq ?? 0)]
        let entry = try ledger.open().append(draft, keyRing: ring, provenance: ledger.provenance)
        let checkpointPath = ledger.directory.file("checkpoint.json")
        try Data(try Checkpoint(entry: entry, keyRing: ring).jsonValue.prettyPrinted().utf8)
            .write(to: URL(fileURLWithPath: checkpointPath))
        // Fold the WAL into the main file so a plain file copy is the whole ledger.
        try SQLiteConnection(path: ledger.dbPath, mode: .readWrite).execute("PRAGMA wal_checkpoint(TRUNCATE)")
        // Another ledger signed with the same key, for splicing.
        let other = ledger.directory.file("other.sqlite")
        let (otherStore, _) = try LedgerStore.create(path: other, keyRing: ring, provenance: ledger.provenance)
        _ = try otherStore.append(contentsOf: (0..<400).map(TestLedger.sampleDraft), keyRing: ring, provenance: ledger.provenance)
        try otherStore.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return (ledger, checkpointPath, other)
    }

    /// Runs SQL the way an attacker with the file would (triggers dropped first).
    static func sql(_ db: String, _ statements: String) throws {
        let connection = try SQLiteConnection(path: db, mode: .readWrite)
        try connection.execute("DROP TRIGGER IF EXISTS entries_no_update; DROP TRIGGER IF EXISTS entries_no_delete;")
        try connection.execute(statements)
    }

    /// Rewrites row `seq` with `change`, recomputing its mac with the key (an attacker who stole the key).
    static func resign(_ db: String, ring: KeyRing, seq: Int64, change: (inout [String: SQLValue]) -> Void) throws {
        let connection = try SQLiteConnection(path: db, mode: .readWrite)
        try connection.execute("DROP TRIGGER IF EXISTS entries_no_update")
        guard var row = try connection.rows("SELECT * FROM entries WHERE seq = ?1", [.integer(seq)]).first,
            let key = ring.key(id: row["key_id"]?.text ?? "")
        else { return }
        change(&row)
        let mac = try HMACSHA256(key: key.bytes).authenticateHex(SignedPayload.bytes(of: row.map { ($0.key, $0.value) }))
        let names = LedgerEntry.columns.filter { $0 != "seq" }
        let assignments = names.enumerated().map { "\($0.element) = ?\($0.offset + 1)" }.joined(separator: ", ")
        row["mac"] = .text(mac)
        try connection.prepare("UPDATE entries SET \(assignments) WHERE seq = ?\(names.count + 1)")
            .run(names.map { row[$0] ?? .null } + [.integer(seq)])
    }

    static func mutations(head: Int64, otherDB: String) -> [Mutation] {
        var list: [Mutation] = []
        let sampleRows: [Int64] = [1, 2, 3, 60, 121, 122, 123, 200, 224, 225, 226, 290, head - 1, head]
        let columns = LedgerEntry.columns
        // Every column of a sample of rows: one character or one integer changed; NULLs set.
        for seq in sampleRows {
            for column in columns {
                list.append(Mutation(name: "change \(column) of seq \(seq)") { db, _ in
                    let connection = try SQLiteConnection(path: db, mode: .readOnly)
                    let value = try connection.scalar("SELECT \(column) FROM entries WHERE seq = ?1", [.integer(seq)])
                    let newValue: String
                    switch value {
                    case .integer: newValue = column == "seq" ? "\(column) + 100000" : "\(column) + 1"
                    case .text(let s) where !s.isEmpty:
                        let first = s.first == "a" ? "b" : "a"
                        newValue = "'\(first)' || substr(\(column), 2)"
                    case .text: newValue = "'x'"
                    default:
                        let integerColumns: Set = ["model_id", "http_status", "duration_ms", "ref_seq"]
                        newValue = integerColumns.contains(column) ? "7" : "'x'"
                    }
                    try sql(db, "UPDATE entries SET \(column) = \(newValue) WHERE seq = \(seq)")
                })
            }
        }
        // Each row deleted in turn (sampled), including the first and the last.
        for seq in Array(stride(from: Int64(1), through: head, by: 9)) + [head - 1, head] {
            list.append(Mutation(name: "delete seq \(seq)") { db, _ in try sql(db, "DELETE FROM entries WHERE seq = \(seq)") })
        }
        let all = columns.joined(separator: ", ")
        let nonSeq = columns.filter { $0 != "seq" }
        list += [
            Mutation(name: "duplicate a row at the end") { db, _ in
                try sql(db, "INSERT INTO entries (\(all)) SELECT \(head + 1), \(nonSeq.joined(separator: ", ")) FROM entries WHERE seq = 100")
            },
            Mutation(name: "duplicate a row in the middle (renumbering the rest)") { db, _ in
                try sql(db, """
                    UPDATE entries SET seq = seq + 1000000 WHERE seq > 150;
                    UPDATE entries SET seq = seq - 1000000 + 1 WHERE seq > 1000000;
                    INSERT INTO entries (\(all)) SELECT 151, \(nonSeq.joined(separator: ", ")) FROM entries WHERE seq = 150;
                    """)
            },
            Mutation(name: "swap two rows") { db, _ in
                try sql(db, """
                    CREATE TEMP TABLE swap AS SELECT * FROM entries WHERE seq IN (40, 80);
                    UPDATE entries SET (\(nonSeq.joined(separator: ", "))) =
                      (SELECT \(nonSeq.joined(separator: ", ")) FROM swap WHERE swap.seq = 120 - entries.seq) WHERE seq IN (40, 80);
                    """)
            },
            Mutation(name: "swap two adjacent rows with their seqs") { db, _ in
                try sql(db, "UPDATE entries SET seq = -1 WHERE seq = 70; UPDATE entries SET seq = 70 WHERE seq = 71; UPDATE entries SET seq = 71 WHERE seq = -1;")
            },
            Mutation(name: "splice a row from another ledger (same key, same seq)") { db, _ in
                try sql(db, """
                    ATTACH '\(otherDB)' AS other;
                    DELETE FROM entries WHERE seq = 50;
                    INSERT INTO entries (\(all)) SELECT \(all) FROM other.entries WHERE seq = 50;
                    """)
            },
            Mutation(name: "append a row from another ledger") { db, _ in
                try sql(db, """
                    ATTACH '\(otherDB)' AS other;
                    INSERT INTO entries (\(all)) SELECT \(head + 1), \(nonSeq.joined(separator: ", ")) FROM other.entries WHERE seq = 300;
                    """)
            },
            Mutation(name: "cut the tail (10 rows)") { db, _ in try sql(db, "DELETE FROM entries WHERE seq > \(head - 10)") },
            Mutation(name: "cut the tail and re-chain a new tail with the key") { db, ring in
                try sql(db, "DELETE FROM entries WHERE seq > \(head - 10)")
                _ = try LedgerStore.open(path: db, writable: true)
                    .append(contentsOf: (0..<15).map(TestLedger.sampleDraft), keyRing: ring,
                            provenance: Provenance(actor: "mallory", osUser: "x", host: "y"))
            },
            Mutation(name: "key_id substituted with another valid key's id") { db, ring in
                let other = ring.keys.first { $0.id != ring.active.id }?.id ?? "0000000000000000"
                try sql(db, "UPDATE entries SET key_id = '\(other)' WHERE seq = \(head - 3)")
            },
            Mutation(name: "edited row re-signed with the key, next link not updated") { db, ring in
                try resign(db, ring: ring, seq: 77) { $0["reason"] = .text("forged justification") }
            },
            Mutation(name: "edited row re-signed and the whole chain after it re-signed with the key") { db, ring in
                try resign(db, ring: ring, seq: 77) { $0["actor"] = .text("mallory") }
                var previous = try SQLiteConnection(path: db, mode: .readOnly).scalar("SELECT mac FROM entries WHERE seq = 77").text ?? ""
                for seq in 78...head {
                    try resign(db, ring: ring, seq: seq) { $0["prev_mac"] = .text(previous) }
                    previous = try SQLiteConnection(path: db, mode: .readOnly).scalar("SELECT mac FROM entries WHERE seq = ?1", [.integer(seq)]).text ?? ""
                }
            },
            Mutation(name: "outcome of a switch flipped and re-signed with a retired key") { db, ring in
                let retired = ring.keys[0]
                let retiredRing = try KeyRing(keys: [retired], path: "retired")
                try resign(db, ring: retiredRing, seq: 4) { $0["outcome"] = .text("succeeded"); $0["key_id"] = .text(retired.id) }
            },
        ]
        return list
    }

    @Test("every mutation makes `ledger verify --checkpoint` exit with the tamper code")
    func everyMutationIsCaught() throws {
        let (ledger, checkpoint, other) = try Self.buildLedger()
        let ring = try KeyFile.load(path: ledger.keyPath)
        let head = try #require(try ledger.open().head()?.seq)
        let kinds = Set(try ledger.open().connection.rows("SELECT DISTINCT kind FROM entries").compactMap { $0["kind"]?.text })
        #expect(kinds.isSuperset(of: [EntryKind.ledgerCreated, EntryKind.switchRequested, EntryKind.switchCompleted,
                                      EntryKind.switchResolved, EntryKind.jobChecked, EntryKind.jobUploaded,
                                      EntryKind.keyRotated, EntryKind.checkpoint]))
        let baseline = try Binaries.ledger(["verify", "--db", ledger.dbPath, "--key-file", ledger.keyPath, "--checkpoint", checkpoint])
        try #require(baseline.exitCode == 0, "the unmutated ledger must verify: \(baseline.stdout)")

        let mutations = Self.mutations(head: head, otherDB: other)
        var missed: [String] = []
        var errors: [String] = []
        for (index, mutation) in mutations.enumerated() {
            let copy = ledger.directory.file("mutant-\(index).sqlite")
            try FileManager.default.copyItem(atPath: ledger.dbPath, toPath: copy)
            defer { try? FileManager.default.removeItem(atPath: copy) }
            do {
                try mutation.apply(copy, ring)
            } catch {
                errors.append("\(mutation.name): could not apply: \(error)")
                continue
            }
            let result = try Binaries.ledger(["verify", "--db", copy, "--key-file", ledger.keyPath, "--checkpoint", checkpoint, "--max-findings", "1"])
            if result.exitCode != 2 { missed.append("\(mutation.name) (exit \(result.exitCode))") }
        }
        print("mutation suite: \(mutations.count) mutations tried on a \(head)-entry ledger, \(mutations.count - missed.count - errors.count) caught, \(missed.count) missed")
        #expect(errors.isEmpty, "mutations that could not be applied: \(errors)")
        #expect(missed.isEmpty, "mutations that slipped through: \(missed)")
        #expect(mutations.count >= 300)
    }
}
