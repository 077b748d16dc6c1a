import Foundation
import LedgerTestSupport
import Testing

@_spi(Testing) @testable import LedgerCore

/// The PostgreSQL adapter through the engine's normal APIs (LedgerStore, Verifier, Reporter's storage),
/// against `LEDGER_TEST_POSTGRES_URL` (a fresh database per test).
@Suite("PostgreSQL adapter")
struct PostgreSQLAdapterTests {
    let provenance = Provenance(actor: "test-actor", osUser: "tester", host: "test-host")

    /// A new ledger in a fresh database (created as the superuser, who then owns the tables).
    func makeLedger() throws -> (url: String, store: LedgerStore, keys: KeyRing, directory: TemporaryDirectory) {
        let url = try PostgresTestServer.makeDatabase()
        let directory = TemporaryDirectory()
        let keys = try KeyFile.create(path: directory.file("ledger.key"))
        let (store, _) = try LedgerStore.create(database: .postgresql(url: url), provenance: provenance, keyRing: { keys })
        return (url, store, keys, directory)
    }

    @Test("create, append and verify: the round trip through LedgerStore and Verifier, the schema recorded with checksums")
    func roundTrip() throws {
        let (url, store, keys, _) = try makeLedger()
        let drafts = (0..<300).map(TestLedger.sampleDraft)
        _ = try store.append(contentsOf: Array(drafts[..<150]), keyRing: keys, provenance: provenance)
        for draft in drafts[150...] { _ = try store.append(draft, keyRing: keys, provenance: provenance) }
        let reopened = try LedgerStore.open(database: .postgresql(url: url), writable: false)
        #expect(reopened.ledgerID == store.ledgerID)
        #expect(reopened.path == LedgerDatabase(url).description)
        let report = try Verifier(keyRing: keys).verify(reopened)
        #expect(report.isIntact, "\(report.findings)")
        #expect(report.entries == 301)
        #expect(report.warnings.allSatisfy { !$0.contains("append-only") })
        #expect(try reopened.head()?.seq == 301)
        var seqs: [Int64] = []
        try reopened.forEachEntry(matching: EntryFilter()) { seqs.append($0.seq) }
        #expect(seqs == Array(1...301))
        // A second `create` on the same database refuses: it already holds a ledger.
        #expect(throws: LedgerError.self) {
            _ = try LedgerStore.create(database: .postgresql(url: url), provenance: provenance, keyRing: { keys })
        }
        let recorded = try PostgreSQLTestAccess.rows(url: url, "SELECT version, checksum FROM schema_migrations ORDER BY version")
        #expect(recorded.map { $0["version"]?.integer } == Migration.postgresqlEmbedded.map { Int64($0.version) })
        #expect(recorded.map { $0["checksum"]?.text } == Migration.postgresqlEmbedded.map(\.checksum))
    }

    @Test("a writer and a reader whose server connection was killed reconnect: the append completes once, seq stays gap-free")
    func reconnectsAfterLostConnection() throws {
        let (url, store, keys, _) = try makeLedger()
        let storage = try #require(store.storage as? PostgreSQLLedgerStorage)
        for round in 0..<3 {
            let pid = try #require(try storage.connection.integer(PostgreSQLQuery("SELECT pg_backend_pid()"), context: "test"))
            _ = try PostgreSQLTestAccess.rows(url: url, "SELECT pg_terminate_backend(\(pid)::int)")
            if round == 1 {
                // A read first: it reconnects before its snapshot begins.
                #expect(try Verifier(keyRing: keys).verify(store).isIntact)
            } else {
                let entry = try store.append(TestLedger.sampleDraft(round), keyRing: keys, provenance: provenance)
                #expect(entry.seq == Int64(round == 0 ? 2 : 3))
            }
        }
        let report = try Verifier(keyRing: keys).verify(try LedgerStore.open(database: .postgresql(url: url), writable: false))
        #expect(report.isIntact && report.entries == 3)
    }

    @Test("connection failures name the database without its password")
    func connectionFailureHidesPassword() throws {
        let server = try PostgresTestServer.required()
        let url = PostgresTestServer.url(server, database: "no_such_db_\(UInt32.random(in: 0...UInt32.max))", user: "nobody_here", password: "pw-S3cret!")
        let error = #expect(throws: LedgerError.self) { _ = try LedgerStore.open(database: .postgresql(url: url), writable: false) }
        let message = error?.localizedDescription ?? ""
        #expect(!message.contains("pw-S3cret!"), "\(message)")
        #expect(message.contains("nobody_here:***@"), "\(message)")
    }

    @Test("the embedded PostgreSQL migrations are byte-identical to migrations/postgresql/*.sql")
    func embeddedMigrationsMatchFiles() throws {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../migrations/postgresql").standardized
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".sql") }.sorted()
        #expect(files == Migration.postgresqlEmbedded.map(\.fileName))
        for migration in Migration.postgresqlEmbedded {
            let text = try String(contentsOf: directory.appendingPathComponent(migration.fileName), encoding: .utf8)
            #expect(text == migration.sql, "\(migration.fileName) drifted from the embedded copy (run make migrations)")
        }
    }

    @Test("a row changed by the owner behind the triggers' back is caught by verify (mac mismatch at that seq)")
    func tamperedRowIsCaught() throws {
        let (url, store, keys, _) = try makeLedger()
        _ = try store.append(contentsOf: (0..<10).map(TestLedger.sampleDraft), keyRing: keys, provenance: provenance)
        try PostgreSQLTestAccess.execute(
            url: url,
            """
            ALTER TABLE entries DISABLE TRIGGER entries_no_update_or_delete;
            UPDATE entries SET reason = convert_to('rewritten', 'UTF8') WHERE seq = 4;
            ALTER TABLE entries ENABLE TRIGGER entries_no_update_or_delete;
            """)
        let report = try Verifier(keyRing: keys).verify(try LedgerStore.open(database: .postgresql(url: url), writable: false))
        #expect(!report.isIntact)
        #expect(report.findings.map(\.seq) == [4])
        #expect(report.findings.first?.kind == .macMismatch)
    }

    @Test("the append-only triggers refuse UPDATE, DELETE and TRUNCATE, even for the owner; verify warns when one is disabled")
    func appendOnlyTriggersRefuse() throws {
        let (url, store, keys, _) = try makeLedger()
        _ = try store.append(TestLedger.sampleDraft(1), keyRing: keys, provenance: provenance)
        for statement in ["UPDATE entries SET reason = NULL", "DELETE FROM entries WHERE seq = 2", "TRUNCATE entries"] {
            let error = #expect(throws: PostgreSQLError.self) { try PostgreSQLTestAccess.execute(url: url, statement) }
            #expect(error?.message.contains("append-only") == true, "\(statement): \(String(describing: error))")
            #expect(error?.code == .refused)
        }
        #expect(try PostgreSQLTestAccess.rows(url: url, "SELECT count(*) AS n FROM entries").first?["n"] == .integer(2))
        #expect(try Verifier(keyRing: keys).verify(store).warnings.isEmpty)
        try PostgreSQLTestAccess.execute(url: url, "ALTER TABLE entries DISABLE TRIGGER entries_no_truncate")
        let warned = try Verifier(keyRing: keys).verify(try LedgerStore.open(database: .postgresql(url: url), writable: false))
        #expect(warned.warnings.contains { $0.contains("append-only triggers") })
    }

    @Test("db_role: an application role's rows carry its session_user under the mac; a row claiming another role is refused")
    func dbRoleIsAuthenticatedAndSigned() throws {
        let (url, store, keys, _) = try makeLedger()
        let app = try PostgresTestServer.makeRole(name: PostgresTestServer.uniqueRoleName("ledger_app"))
        // The application role's grants of docs/postgresql.md.
        try PostgreSQLTestAccess.execute(
            url: url,
            """
            GRANT USAGE ON SCHEMA public TO \(app);
            GRANT SELECT, INSERT ON entries TO \(app);
            GRANT SELECT, INSERT, UPDATE, DELETE ON tree_nodes TO \(app);
            GRANT SELECT ON schema_migrations TO \(app);
            """)
        let appURL = PostgresTestServer.url(url, user: app)
        let appStore = try LedgerStore.open(database: .postgresql(url: appURL), writable: true)
        let written = try appStore.append(TestLedger.sampleDraft(2), keyRing: keys, provenance: provenance)
        #expect(written.dbRole == app)
        #expect(try appStore.entry(seq: written.seq)?.dbRole == app)
        // The superuser-created first entry records its writer too.
        #expect(try store.entry(seq: 1)?.dbRole == "postgres")
        // The mac covers it: the payload has the member, and the whole ledger verifies.
        #expect(String(decoding: SignedPayload.bytes(of: written.columnValues), as: UTF8.self).contains("\"db_role\":\"\(app)\""))
        #expect(try Verifier(keyRing: keys).verify(appStore).isIntact)

        // The app role inserting a row that claims another role (or none): refused by the trigger.
        var forged = written
        forged.seq += 1
        forged.prevMac = written.mac
        forged.mac = String(repeating: "a", count: 64)
        for claimed in ["postgres", nil] as [String?] {
            forged.dbRole = claimed
            let error = #expect(throws: PostgreSQLError.self) {
                try PostgreSQLTestAccess.rows(url: appURL, PostgreSQLLedgerStorage.insertSQL, forged.storedValues)
            }
            #expect(error?.message.contains("db_role") == true)
        }
        // It cannot UPDATE or DELETE at all (no privilege), nor drop the triggers.
        for statement in ["UPDATE entries SET db_role = NULL", "DELETE FROM entries", "TRUNCATE entries", "DROP TRIGGER entries_db_role ON entries"] {
            #expect(throws: PostgreSQLError.self) { try PostgreSQLTestAccess.execute(url: appURL, statement) }
        }

        // Changing db_role (as the owner, behind the triggers) breaks that row's mac.
        try PostgreSQLTestAccess.execute(
            url: url,
            """
            ALTER TABLE entries DISABLE TRIGGER entries_no_update_or_delete;
            UPDATE entries SET db_role = convert_to('someone_else', 'UTF8') WHERE seq = \(written.seq);
            ALTER TABLE entries ENABLE TRIGGER entries_no_update_or_delete;
            """)
        let report = try Verifier(keyRing: keys).verify(try LedgerStore.open(database: .postgresql(url: url), writable: false))
        #expect(report.findings.map(\.seq) == [written.seq])
    }

    @Test("NUL, invalid UTF-8 (as decoded), control characters and 1 MB of text in reason and details round-trip exactly and verify")
    func hostileTextRoundTrips() throws {
        let (url, store, keys, _) = try makeLedger()
        let invalid = String(decoding: [0x61, 0xFF, 0xFE, 0xC3, 0x28, 0x62] as [UInt8], as: UTF8.self)
        let control = (0..<32).map { String(UnicodeScalar(UInt8($0))) }.joined() + "\u{7F}\u{1B}[31m\u{202E}"
        let big = String(repeating: "x\u{0}é✓", count: 1_048_576 / 7)
        let reasons = ["a\u{0}b", "\u{0}", invalid, control, big, "", "'; DROP TABLE entries; --\\x00"]
        var written: [LedgerEntry] = []
        for reason in reasons {
            var draft = EntryDraft(kind: EntryKind.jobChecked)
            draft.reason = reason
            draft.model = reason.count < 100 ? reason : "big"
            draft.details = ["text": .string(reason), "nul": .string("\u{0}")]
            draft.responseBody = reason
            written.append(try store.append(draft, keyRing: keys, provenance: provenance))
        }
        let reopened = try LedgerStore.open(database: .postgresql(url: url), writable: false)
        for entry in written {
            let read = try #require(try reopened.entry(seq: entry.seq))
            #expect(read == entry)
            #expect(read.reason?.utf8.elementsEqual(entry.reason?.utf8 ?? "".utf8) == true)
        }
        var streamed: [LedgerEntry] = []
        try reopened.forEachEntry(matching: EntryFilter()) { if $0.seq > 1 { streamed.append($0) } }
        #expect(streamed == written)
        let report = try Verifier(keyRing: keys).verify(reopened)
        #expect(report.isIntact, "\(report.findings)")
        // Stored as the exact bytes (bytea), NUL included.
        let nul = try PostgreSQLTestAccess.rows(url: url, "SELECT length(reason) AS n FROM entries WHERE seq = $1", [.integer(written[0].seq)])
        #expect(nul.first?["n"] == .integer(3))
    }

    @Test("a ledger copied row by row from SQLite verifies in PostgreSQL with every mac and the head mac unchanged")
    func sqliteRowsKeepTheirMacs() throws {
        let ledger = try TestLedger()
        try ledger.appendSample(count: 120)
        let source = try ledger.open()
        let url = try PostgresTestServer.makeDatabase()
        let target = try PostgreSQLLedgerStorage.create(url: url)
        var sourceMacs: [String] = []
        try target.writeTransaction(context: "copying") {
            try source.forEachEntry(matching: EntryFilter()) {
                sourceMacs.append($0.mac)
                try target.insert($0)
            }
        }
        let copy = try LedgerStore.open(database: .postgresql(url: url), writable: false)
        var copiedMacs: [String] = []
        try copy.forEachEntry(matching: EntryFilter()) { copiedMacs.append($0.mac) }
        #expect(copiedMacs == sourceMacs)
        let report = try Verifier(keyRing: ledger.keyRing).verify(copy)
        #expect(report.isIntact, "\(report.findings)")
        #expect(report.headMac == sourceMacs.last)
        // The copied rows keep db_role NULL (the owner may insert them).
        #expect(try copy.entry(seq: 2)?.dbRole == nil)
        // Leaf inputs (the public tree) are the same bytes on both backends.
        var sqliteLeaves: [[UInt8]] = []
        var pgLeaves: [[UInt8]] = []
        try source.storage.forEachLeafInput(from: 1, through: 121) { _, bytes in sqliteLeaves.append(Array(bytes)) }
        try copy.storage.forEachLeafInput(from: 1, through: 121) { _, bytes in pgLeaves.append(Array(bytes)) }
        #expect(pgLeaves.count == 121 && pgLeaves == sqliteLeaves)
    }
}
