/// One numbered SQL file of `migrations/sqlite/`, embedded in the binary.
public struct Migration: Sendable, Equatable {
    /// The number in the file name (`0001_…` is 1).
    public let version: Int
    /// The rest of the file name, without `.sql`.
    public let name: String
    /// The file's exact text.
    public let sql: String

    /// Wraps one migration.
    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// The file name, e.g. `0001_create_entries.sql`.
    public var fileName: String {
        let v = String(version)
        return String(repeating: "0", count: max(0, 4 - v.count)) + v + "_" + name + ".sql"
    }

    /// SHA-256 (hex) of the file's bytes: the same as `sha256sum migrations/<file>`.
    public var checksum: String {
        // SHA-256 of in-memory bytes cannot fail short of OpenSSL being broken; an empty string then never matches.
        (try? Digest.sha256Hex(sql)) ?? ""
    }
}

/// Applies and checks migrations, each in its own transaction, recorded in `schema_migrations`.
public enum Migrator {
    static let bootstrapSQL = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version    INTEGER PRIMARY KEY,
            name       TEXT NOT NULL,
            checksum   TEXT NOT NULL,
            applied_at TEXT NOT NULL
        )
        """

    /// What the database has recorded, checked against `known`. Throws for an edited or unknown migration.
    /// Returns the migrations still to apply.
    public static func pending(
        in connection: SQLiteConnection, known: [Migration] = Migration.embedded
    ) throws -> [Migration] {
        let hasTable =
            try connection.scalar(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
            ).integer ?? 0
        guard hasTable > 0 else { return known }
        let applied = try connection.rows("SELECT version, name, checksum FROM schema_migrations ORDER BY version")
        let newest = known.map(\.version).max() ?? 0
        var done = Set<Int>()
        for row in applied {
            guard let version = row["version"]?.integer.map(Int.init) else { continue }
            guard let migration = known.first(where: { $0.version == version }) else {
                throw LedgerError.schemaTooNew(path: connection.path, version: version, newestKnown: newest)
            }
            guard row["checksum"]?.text == migration.checksum else {
                throw LedgerError.migrationChanged(path: connection.path, version: version, name: migration.name)
            }
            done.insert(version)
        }
        return known.filter { !done.contains($0.version) }
    }

    /// Applies every pending migration in order, each in a `BEGIN IMMEDIATE` transaction.
    public static func migrate(_ connection: SQLiteConnection, known: [Migration] = Migration.embedded) throws {
        guard !(try pending(in: connection, known: known)).isEmpty else { return }
        for migration in known.sorted(by: { $0.version < $1.version }) {
            try connection.transaction(context: "applying migration \(migration.fileName)") {
                try connection.execute(bootstrapSQL, context: "creating schema_migrations")
                // Another process may have applied it while we waited for the lock.
                guard try pending(in: connection, known: known).contains(migration) else { return }
                try connection.execute(migration.sql, context: "applying migration \(migration.fileName)")
                try connection.prepare("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?1, ?2, ?3, ?4)")
                    .run([.integer(Int64(migration.version)), .text(migration.name), .text(migration.checksum), .text(Timestamp.now())])
            }
        }
    }
}
