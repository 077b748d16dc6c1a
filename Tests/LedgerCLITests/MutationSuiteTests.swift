import Foundation
@_spi(Testing) import LedgerCore
import LedgerTestSupport
import Testing

/// Builds a ledger of a few hundred entries of every kind, then applies exactly
/// `MutationSuiteTests.expectedCount` mutations, each to a fresh copy, and requires
/// `ledger verify --checkpoint` (the built binary) to exit with the tamper code for every one AND to
/// name the finding kind(s) the mutation class determines. Any mutation that slips through, or is
/// caught by another rule than the one it targets, fails the test by name.
@Suite("mutation suite: every tamper must be caught")
struct MutationSuiteTests {
    /// What the findings of a mutated copy must show.
    enum Expected: CustomStringConvertible {
        /// Each of these kinds is among the findings (others may be too).
        case includes(Set<FindingKind>)
        /// The findings' kinds are exactly these: no other rule catches the mutation.
        case exactly(Set<FindingKind>)

        func accepts(_ kinds: Set<FindingKind>) -> Bool {
            switch self {
            case .includes(let wanted): return kinds.isSuperset(of: wanted)
            case .exactly(let wanted): return kinds == wanted
            }
        }

        var description: String {
            switch self {
            case .includes(let wanted): return "including " + wanted.map(\.rawValue).sorted().joined(separator: ", ")
            case .exactly(let wanted): return "exactly " + wanted.map(\.rawValue).sorted().joined(separator: ", ")
            }
        }
    }

    /// A mutation of a copy of the database, given the key ring (some attackers hold the key).
    struct Mutation {
        let name: String
        let expected: Expected
        let apply: (_ db: String, _ ring: KeyRing) throws -> Void

        init(name: String, _ expected: Expected, apply: @escaping (_ db: String, _ ring: KeyRing) throws -> Void) {
            self.name = name
            self.expected = expected
            self.apply = apply
        }
    }

    /// 14 sampled rows × 25 columns, 36 deletions, 13 crafted mutations.
    static let expectedCount = 399

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
        try #require(otherStore.connection).execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return (ledger, checkpointPath, other)
    }

    /// Runs SQL the way an attacker with the file would (triggers dropped first).
    static func sql(_ db: String, _ statements: String) throws {
        let connection = try SQLiteConnection(path: db, mode: .readWrite)
        try connection.execute("DROP TRIGGER IF EXISTS entries_no_update; DROP TRIGGER IF EXISTS entries_no_delete;")
        try connection.execute(statements)
    }

    /// The mutation could not be built (a row or key it needs is missing).
    struct CannotApply: Error, CustomStringConvertible {
        let description: String
    }

    /// Rewrites row `seq` with `change`, recomputing its mac with the key its (changed) `key_id`
    /// names (an attacker who stole the key).
    static func resign(_ db: String, ring: KeyRing, seq: Int64, change: (inout [String: SQLValue]) -> Void) throws {
        let connection = try SQLiteConnection(path: db, mode: .readWrite)
        try connection.execute("DROP TRIGGER IF EXISTS entries_no_update")
        guard var row = try connection.rows("SELECT * FROM entries WHERE seq = ?1", [.integer(seq)]).first else {
            throw CannotApply(description: "no row with seq \(seq)")
        }
        change(&row)
        guard let key = ring.key(id: row["key_id"]?.text ?? "") else {
            throw CannotApply(description: "key \(row["key_id"]?.text ?? "NULL") of seq \(seq) is not in the ring")
        }
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
        // Which rule a one-column edit must trip.
        let columnRule: [String: FindingKind] = [
            "seq": .gap, "key_id": .unknownKeyID, "ledger_id": .foreignLedgerID, "prev_mac": .brokenLink,
        ]
        for seq in sampleRows {
            for column in columns {
                let expected = Expected.includes([columnRule[column] ?? .macMismatch])
                list.append(
                    Mutation(name: "change \(column) of seq \(seq)", expected) { db, _ in
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
            // Removing the head leaves a sound chain that simply ends early: only the checkpoint sees it.
            let expected: Expected = seq == head ? .exactly([.checkpointMismatch]) : .includes([.gap])
            list.append(Mutation(name: "delete seq \(seq)", expected) { db, _ in try sql(db, "DELETE FROM entries WHERE seq = \(seq)") })
        }
        let all = columns.joined(separator: ", ")
        let nonSeq = columns.filter { $0 != "seq" }
        list += [
            Mutation(name: "duplicate a row at the end", .includes([.brokenLink, .macMismatch])) { db, _ in
                try sql(db, "INSERT INTO entries (\(all)) SELECT \(head + 1), \(nonSeq.joined(separator: ", ")) FROM entries WHERE seq = 100")
            },
            Mutation(name: "duplicate a row in the middle (renumbering the rest)", .includes([.brokenLink, .macMismatch])) { db, _ in
                try sql(
                    db,
                    """
                    UPDATE entries SET seq = seq + 1000000 WHERE seq > 150;
                    UPDATE entries SET seq = seq - 1000000 + 1 WHERE seq > 1000000;
                    INSERT INTO entries (\(all)) SELECT 151, \(nonSeq.joined(separator: ", ")) FROM entries WHERE seq = 150;
                    """)
            },
            Mutation(name: "swap two rows", .includes([.brokenLink])) { db, _ in
                try sql(
                    db,
                    """
                    CREATE TEMP TABLE swap AS SELECT * FROM entries WHERE seq IN (40, 80);
                    UPDATE entries SET (\(nonSeq.joined(separator: ", "))) =
                      (SELECT \(nonSeq.joined(separator: ", ")) FROM swap WHERE swap.seq = 120 - entries.seq) WHERE seq IN (40, 80);
                    """)
            },
            Mutation(name: "swap two adjacent rows with their seqs", .includes([.brokenLink, .macMismatch])) { db, _ in
                try sql(
                    db, "UPDATE entries SET seq = -1 WHERE seq = 70; UPDATE entries SET seq = 70 WHERE seq = 71; UPDATE entries SET seq = 71 WHERE seq = -1;")
            },
            Mutation(name: "splice a row from another ledger (same key, same seq)", .includes([.foreignLedgerID, .brokenLink])) { db, _ in
                try sql(
                    db,
                    """
                    ATTACH '\(otherDB)' AS other;
                    DELETE FROM entries WHERE seq = 50;
                    INSERT INTO entries (\(all)) SELECT \(all) FROM other.entries WHERE seq = 50;
                    """)
            },
            Mutation(name: "append a row from another ledger", .includes([.foreignLedgerID, .brokenLink])) { db, _ in
                try sql(
                    db,
                    """
                    ATTACH '\(otherDB)' AS other;
                    INSERT INTO entries (\(all)) SELECT \(head + 1), \(nonSeq.joined(separator: ", ")) FROM other.entries WHERE seq = 300;
                    """)
            },
            Mutation(name: "cut the tail (10 rows)", .exactly([.checkpointMismatch])) { db, _ in try sql(db, "DELETE FROM entries WHERE seq > \(head - 10)") },
            Mutation(name: "cut the tail and re-chain a new tail with the key", .exactly([.checkpointMismatch])) { db, ring in
                try sql(db, "DELETE FROM entries WHERE seq > \(head - 10)")
                _ = try LedgerStore.open(path: db, writable: true)
                    .append(
                        contentsOf: (0..<15).map(TestLedger.sampleDraft), keyRing: ring,
                        provenance: Provenance(actor: "mallory", osUser: "x", host: "y"))
            },
            Mutation(name: "key_id substituted with another valid key's id", .includes([.macMismatch])) { db, ring in
                let other = ring.keys.first { $0.id != ring.active.id }?.id ?? "0000000000000000"
                try sql(db, "UPDATE entries SET key_id = '\(other)' WHERE seq = \(head - 3)")
            },
            Mutation(name: "edited row re-signed with the key, next link not updated", .exactly([.brokenLink])) { db, ring in
                try resign(db, ring: ring, seq: 77) { $0["reason"] = .text("forged justification") }
            },
            Mutation(name: "edited row re-signed and the whole chain after it re-signed with the key", .exactly([.checkpointMismatch])) { db, ring in
                try resign(db, ring: ring, seq: 77) { $0["actor"] = .text("mallory") }
                var previous = try SQLiteConnection(path: db, mode: .readOnly).scalar("SELECT mac FROM entries WHERE seq = 77").text ?? ""
                for seq in 78...head {
                    try resign(db, ring: ring, seq: seq) { $0["prev_mac"] = .text(previous) }
                    previous = try SQLiteConnection(path: db, mode: .readOnly).scalar("SELECT mac FROM entries WHERE seq = ?1", [.integer(seq)]).text ?? ""
                }
            },
            // The retired-key rule alone: the links stay right, so no chain rule can see these.
            Mutation(
                name: "a row appended after the head, signed with the retired genesis key and linked correctly",
                .exactly([.retiredKey])
            ) { db, ring in
                let retired = ring.keys[0].id
                let headMac = try SQLiteConnection(path: db, mode: .readOnly).scalar("SELECT mac FROM entries WHERE seq = \(head)").text ?? ""
                try sql(db, "INSERT INTO entries (\(all)) SELECT \(head + 1), \(nonSeq.joined(separator: ", ")) FROM entries WHERE seq = \(head - 1)")
                try resign(db, ring: ring, seq: head + 1) {
                    $0["key_id"] = .text(retired); $0["prev_mac"] = .text(headMac)
                }
            },
            Mutation(
                name:
                    "outcome of a switch after the first rotation flipped and re-signed with the retired genesis key, every later row re-chained with its own key",
                .exactly([.retiredKey, .checkpointMismatch])
            ) { db, ring in
                let retired = ring.keys[0].id
                let reader = try SQLiteConnection(path: db, mode: .readOnly)
                guard
                    let target = try reader.scalar(
                        """
                        SELECT min(seq) FROM entries WHERE kind = 'switch.completed' AND outcome != 'succeeded'
                        AND seq > (SELECT min(seq) FROM entries WHERE kind = 'key.rotated')
                        """
                    ).integer
                else { throw CannotApply(description: "no switch.completed after the first rotation") }
                try resign(db, ring: ring, seq: target) {
                    $0["outcome"] = .text("succeeded"); $0["key_id"] = .text(retired)
                }
                var previous = try reader.scalar("SELECT mac FROM entries WHERE seq = ?1", [.integer(target)]).text ?? ""
                for seq in (target + 1)...head {
                    try resign(db, ring: ring, seq: seq) { $0["prev_mac"] = .text(previous) }
                    previous = try reader.scalar("SELECT mac FROM entries WHERE seq = ?1", [.integer(seq)]).text ?? ""
                }
            },
        ]
        return list
    }

    @Test(
        "each of the 399 mutations makes `ledger verify --checkpoint` exit 2 with the finding kind(s) its class determines (retired_key alone for a correctly linked row signed with a retired key)"
    )
    func everyMutationIsCaught() throws {
        let (ledger, checkpoint, other) = try Self.buildLedger()
        let ring = try KeyFile.load(path: ledger.keyPath)
        let head = try #require(try ledger.open().head()?.seq)
        let kinds = Set(
            try #require(ledger.open().connection).rows("SELECT DISTINCT kind FROM entries").compactMap { $0["kind"]?.text.map(EntryKind.init(rawValue:)) })
        #expect(
            kinds.isSuperset(of: [
                EntryKind.ledgerCreated, EntryKind.switchRequested, EntryKind.switchCompleted,
                EntryKind.switchResolved, EntryKind.jobChecked, EntryKind.jobUploaded,
                EntryKind.keyRotated, EntryKind.checkpoint,
            ]))
        let baseline = try Binaries.ledger(["verify", "--db", ledger.dbPath, "--key-file", ledger.keyPath, "--checkpoint", checkpoint])
        try #require(baseline.exitCode == 0, "the unmutated ledger must verify: \(baseline.stdout)")

        let mutations = Self.mutations(head: head, otherDB: other)
        var missed: [String] = []
        var wrongRule: [String] = []
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
            let result = try Binaries.ledger(["verify", "--db", copy, "--key-file", ledger.keyPath, "--checkpoint", checkpoint, "--format", "json"])
            if result.exitCode != 2 {
                missed.append("\(mutation.name) (exit \(result.exitCode): \(result.stderr.prefix(300)))")
                continue
            }
            let report = try JSONValue(parsing: result.stdout)
            guard case .array(let findings)? = report["findings"] else {
                wrongRule.append("\(mutation.name): no findings array in \(result.stdout.prefix(300))")
                continue
            }
            let found = Set(findings.compactMap { $0["kind"]?.stringValue.flatMap(FindingKind.init(rawValue:)) })
            if !mutation.expected.accepts(found) {
                wrongRule.append("\(mutation.name): expected \(mutation.expected), found \(found.map(\.rawValue).sorted())")
            }
        }
        print(
            "mutation suite: \(mutations.count) mutations tried on a \(head)-entry ledger, \(mutations.count - missed.count - errors.count) caught, \(missed.count) missed, \(wrongRule.count) caught by another rule than expected"
        )
        #expect(errors.isEmpty, "mutations that could not be applied: \(errors)")
        #expect(missed.isEmpty, "mutations that slipped through: \(missed)")
        #expect(wrongRule.isEmpty, "mutations whose findings are not the expected kinds: \(wrongRule)")
        #expect(mutations.count == Self.expectedCount)
    }
}
