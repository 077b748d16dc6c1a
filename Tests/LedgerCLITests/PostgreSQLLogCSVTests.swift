import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

/// `ledger log --format csv` lines up every row with its header on PostgreSQL too, where rows carry
/// `db_role` (SQLite rows leave it empty).
@Suite struct PostgreSQLLogCSVTests {
    /// The fields of one CSV line (RFC 4180 quoting; the cells of this test hold no line breaks).
    static func fields(_ line: Substring) -> [String] {
        var fields: [String] = [], current = "", quoted = false
        var characters = line.makeIterator()
        while let c = characters.next() {
            if quoted {
                if c == "\"" { quoted = false } else { current.append(c) }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                fields.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        fields.append(current)
        return fields
    }

    @Test func csvRowsOfAPostgreSQLLedgerHaveEveryColumnWithDbRoleLast() throws {
        let url = try PostgresTestServer.makeDatabase()
        let dir = TemporaryDirectory()
        let args = ["--db", url, "--key-file", dir.path + "/ledger.key"]
        #expect(try Binaries.ledger(["init"] + args).exitCode == 0)
        #expect(try Binaries.ledger(["checkpoint", "--out", dir.path + "/cp.json"] + args).exitCode == 0)
        let csv = try Binaries.ledger(["log", "--format", "csv", "--limit", "0"] + args)
        #expect(csv.exitCode == 0)
        let lines = csv.stdout.split(separator: "\n", omittingEmptySubsequences: true)
        try #require(lines.count == 3)
        #expect(Self.fields(lines[0]) == LedgerEntry.allColumns)
        for line in lines.dropFirst() {
            let row = Self.fields(line)
            #expect(row.count == LedgerEntry.allColumns.count)
            #expect(row.last == "postgres", "db_role is the role the test connected as")
        }
    }
}
