import Foundation
@_spi(Testing) import LedgerCore
import LedgerTestSupport
import Testing

@Suite("Migrations")
struct MigrationTests {
    /// The repository's migrations/sqlite/ directory, found from this source file.
    static var migrationsDirectory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("migrations/sqlite").path
    }

    @Test("the embedded migrations are byte-identical to migrations/sqlite/*.sql (run scripts/embed-migrations.sh after editing)")
    func embeddedMatchesFiles() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.migrationsDirectory)
            .filter { $0.hasSuffix(".sql") }.sorted()
        #expect(files == Migration.embedded.map(\.fileName))
        for migration in Migration.embedded {
            let text = try String(contentsOfFile: Self.migrationsDirectory + "/" + migration.fileName, encoding: .utf8)
            #expect(text == migration.sql, "\(migration.fileName) drifted from the embedded copy")
        }
    }

    @Test("a migration's checksum is the SHA-256 of its file")
    func checksum() throws {
        for migration in Migration.embedded {
            let data = try Data(contentsOf: URL(fileURLWithPath: Self.migrationsDirectory + "/" + migration.fileName))
            #expect(migration.checksum == (try Digest.sha256Hex([UInt8](data))))
        }
    }

    @Test("entries has exactly the columns the writer signs, and schema_migrations records every migration")
    func schema() throws {
        let ledger = try TestLedger()
        let store = try ledger.open()
        let columns = try #require(store.connection).rows("PRAGMA table_info(entries)").compactMap { $0["name"]?.text }
        #expect(columns == LedgerEntry.allColumns)
        let recorded = try #require(store.connection).rows("SELECT version, checksum FROM schema_migrations ORDER BY version")
        #expect(recorded.map { $0["version"]?.integer } == Migration.embedded.map { Int64($0.version) })
        #expect(recorded.map { $0["checksum"]?.text } == Migration.embedded.map(\.checksum))
    }

    @Test("an edited migration (checksum differs) is refused")
    func editedMigration() throws {
        let ledger = try TestLedger()
        let connection = try SQLiteConnection(path: ledger.dbPath, mode: .readWrite)
        try connection.execute("UPDATE schema_migrations SET checksum = 'x' WHERE version = 1")
        for writable in [true, false] {
            let error = try #require(throws: LedgerError.self) { try LedgerStore.open(path: ledger.dbPath, writable: writable) }
            #expect(error.localizedDescription.contains("0001_create_entries"))
            #expect(error.localizedDescription.contains("checksum"))
        }
    }

    @Test("a database from a newer schema is refused")
    func newerSchema() throws {
        let ledger = try TestLedger()
        let connection = try SQLiteConnection(path: ledger.dbPath, mode: .readWrite)
        try connection.execute("INSERT INTO schema_migrations VALUES (999, 'future', 'abc', '2030-01-01T00:00:00.000Z')")
        let error = try #require(throws: LedgerError.self) { try LedgerStore.open(path: ledger.dbPath, writable: false) }
        #expect(error.localizedDescription.contains("schema version 999"))
    }

    @Test("UPDATE and DELETE on entries are aborted by the triggers")
    func triggers() throws {
        let ledger = try TestLedger()
        let connection = try SQLiteConnection(path: ledger.dbPath, mode: .readWrite)
        let update = try #require(throws: SQLiteError.self) { try connection.execute("UPDATE entries SET actor = 'mallory'") }
        #expect(update.message.contains("UPDATE is not allowed"))
        let delete = try #require(throws: SQLiteError.self) { try connection.execute("DELETE FROM entries") }
        #expect(delete.message.contains("DELETE is not allowed"))
    }

    @Test("migrating an already-migrated database applies nothing twice")
    func idempotent() throws {
        let ledger = try TestLedger()
        let connection = try SQLiteConnection(path: ledger.dbPath, mode: .readWrite)
        try Migrator.migrate(connection)
        try Migrator.migrate(connection)
        #expect(try connection.scalar("SELECT count(*) FROM schema_migrations").integer == Int64(Migration.embedded.count))
        #expect(try Migrator.pending(in: connection).isEmpty)
    }
}
