/// Which keys may sign a ledger's entries.
///
/// The format's rule: the key that signs the first entry (the genesis key) may sign; a key
/// becomes allowed when a `key.rotated` entry signed by an allowed key names it as `new_key_id`.
/// A key that is merely present in a key file is not allowed: appending a line to the key file
/// must not let anyone sign. The verifier applies the same rule row by row (finding
/// `unannounced_key`); writers use this type to refuse to sign with an unannounced key.
public enum KeyAnnouncements {
    /// The keys allowed to sign after the rows with seq below `before` (all rows when nil),
    /// read from the first entry and the `key.rotated` entries (indexed; not a scan).
    ///
    /// The rows consulted are not verified here: the chain checker verifies them.
    public static func announced(in store: LedgerStore, before: Int64? = nil) throws -> Set<String> {
        let rows = try store.connection.rows(
            """
            SELECT seq, key_id, details FROM entries
            WHERE (seq = 1 OR kind = ?1) AND seq < ?2
            ORDER BY seq
            """,
            [.text(EntryKind.keyRotated), .integer(before ?? Int64.max)],
            context: "reading the ledger's key announcements")
        var announced = Set<String>()
        for row in rows {
            guard let keyID = row["key_id"]?.text else { continue }
            if row["seq"]?.integer == 1 {
                announced.insert(keyID)
            }
            guard announced.contains(keyID), let details = row["details"]?.text,
                let newKey = (try? JSONValue(parsing: details))?["new_key_id"]?.stringValue
            else { continue }
            announced.insert(newKey)
        }
        return announced
    }
}
