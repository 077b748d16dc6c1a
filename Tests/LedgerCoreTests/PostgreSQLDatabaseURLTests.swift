import LedgerCore
import Testing

@Suite("LedgerDatabase: parsing and password redaction")
struct PostgreSQLDatabaseURLTests {
    @Test("postgresql:// and postgres:// in any case are PostgreSQL; everything else is a SQLite path")
    func parsing() {
        #expect(LedgerDatabase("postgresql://app@/ledger?host=/run/postgresql") == .postgresql(url: "postgresql://app@/ledger?host=/run/postgresql"))
        #expect(LedgerDatabase("POSTGRES://db.example:5432/ledger") == .postgresql(url: "POSTGRES://db.example:5432/ledger"))
        #expect(LedgerDatabase("PostgreSQL://x/y").isPostgreSQL)
        #expect(LedgerDatabase("ledger.sqlite") == .sqlite(path: "ledger.sqlite"))
        #expect(LedgerDatabase("/var/lib/postgresql://x") == .sqlite(path: "/var/lib/postgresql://x"))
        #expect(LedgerDatabase("postgresql:/x") == .sqlite(path: "postgresql:/x"))
        #expect(LedgerDatabase("") == .sqlite(path: ""))
        #expect(LedgerDatabase("ledger.sqlite").description == "ledger.sqlite")
    }

    @Test("the description never holds the password: user info, password= (any case, percent-encoded key), with a fragment")
    func redaction() {
        let cases: [(String, String, String)] = [
            ("postgresql://app:s3cr%40t@db.example:5432/ledger?sslmode=verify-full", "s3cr", "postgresql://app:***@db.example:5432/ledger?sslmode=verify-full"),
            ("postgresql://app@/ledger?host=/run/postgresql&password=hunter2", "hunter2", "postgresql://app@/ledger?host=/run/postgresql&password=***"),
            ("postgres://u@h/d?PassWord=topsecret&sslmode=require", "topsecret", "postgres://u@h/d?PassWord=***&sslmode=require"),
            ("postgresql://u@h/d?pass%77ord=topsecret2", "topsecret2", "postgresql://u@h/d?pass%77ord=***"),
            ("postgresql://u:p%3Aw@h/d#frag", "p%3Aw", "postgresql://u:***@h/d#frag"),
            ("postgresql://user:pa@ss@host/db", "pa@ss", "postgresql://user:***@host/db"),
        ]
        for (url, secret, expected) in cases {
            let description = LedgerDatabase(url).description
            #expect(description == expected)
            #expect(!description.contains(secret), "\(description) leaks the password")
        }
        // Without a password nothing changes.
        #expect(LedgerDatabase("postgresql://app@/ledger?host=/tmp/s").description == "postgresql://app@/ledger?host=/tmp/s")
    }
}
