import LedgerCore

/// One way an attacker with write access to the database file might alter a ledger,
/// and what verification must report.
public struct TamperCase: Sendable, CustomStringConvertible {
    /// A short name for test output.
    public let name: String
    /// SQL run after dropping the append-only triggers.
    public let sql: String
    /// The seq of the first finding verification must report.
    public let firstSeq: Int64
    /// A kind of finding that must be among the findings.
    public let expectedKind: FindingKind

    public var description: String { name }

    /// The standard cases for a ledger holding at least 700 entries.
    public static let standard: [TamperCase] = {
        let columns = LedgerEntry.columns
        let nonSeq = columns.filter { $0 != "seq" }
        let copyOf500 = (["501"] + nonSeq.map { $0 == "actor" ? "'mallory'" : $0 }).joined(separator: ", ")
        return [
            TamperCase(
                name: "edit one column", sql: "UPDATE entries SET reason = reason || '!' WHERE seq = 500",
                firstSeq: 500, expectedKind: .macMismatch),
            TamperCase(
                name: "edit an integer column", sql: "UPDATE entries SET duration_ms = coalesce(duration_ms, 0) + 1 WHERE seq = 502",
                firstSeq: 502, expectedKind: .macMismatch),
            TamperCase(
                name: "set a NULL column / clear a set one",
                sql: "UPDATE entries SET response_body = CASE WHEN response_body IS NULL THEN 'x' ELSE NULL END WHERE seq = 500",
                firstSeq: 500, expectedKind: .macMismatch),
            TamperCase(
                name: "delete a row", sql: "DELETE FROM entries WHERE seq = 500",
                firstSeq: 501, expectedKind: .gap),
            TamperCase(
                name: "delete the first row", sql: "DELETE FROM entries WHERE seq = 1",
                firstSeq: 2, expectedKind: .gap),
            TamperCase(
                name: "insert a row (renumbering the rest)",
                sql: """
                    UPDATE entries SET seq = seq + 1000000 WHERE seq > 500;
                    UPDATE entries SET seq = seq - 1000000 + 1 WHERE seq > 1000000;
                    INSERT INTO entries (\(columns.joined(separator: ", "))) SELECT \(copyOf500) FROM entries WHERE seq = 500;
                    """,
                firstSeq: 501, expectedKind: .macMismatch),
            TamperCase(
                name: "swap two rows",
                sql: """
                    CREATE TEMP TABLE swap AS SELECT * FROM entries WHERE seq IN (300, 600);
                    UPDATE entries SET (\(nonSeq.joined(separator: ", "))) =
                        (SELECT \(nonSeq.joined(separator: ", ")) FROM swap WHERE swap.seq = 900 - entries.seq)
                    WHERE seq IN (300, 600);
                    """,
                firstSeq: 300, expectedKind: .brokenLink),
            TamperCase(
                name: "change ledger_id", sql: "UPDATE entries SET ledger_id = '00000000-0000-4000-8000-000000000000' WHERE seq = 500",
                firstSeq: 500, expectedKind: .foreignLedgerID),
            TamperCase(
                name: "unknown key_id", sql: "UPDATE entries SET key_id = 'ffffffffffffffff' WHERE seq = 500",
                firstSeq: 500, expectedKind: .unknownKeyID),
            TamperCase(
                name: "replace a mac with a made-up one",
                sql: "UPDATE entries SET mac = '\(String(repeating: "ab", count: 32))' WHERE seq = 500",
                firstSeq: 500, expectedKind: .macMismatch),
        ]
    }()
}
