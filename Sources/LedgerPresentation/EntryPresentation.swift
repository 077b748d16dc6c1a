import Foundation
import LedgerCore

/// What `ledger show` and `ledger log` answer: each entry as its JSON object (every column, NULL as
/// null, `details` parsed when it is JSON), with `"unresolved": true` on a `switch.requested` whose
/// outcome is unknown. `log` answers an array of them, oldest first.
public enum EntryPresentation {
    /// The document of one entry.
    public static func document(_ entry: LedgerEntry, unresolved: Bool) -> JSONValue {
        var object = entry.jsonValue.objectValue ?? [:]
        if unresolved { object["unresolved"] = .bool(true) }
        return .object(object)
    }

    /// The document of `ledger log`: the entries' documents, in the order given.
    public static func logDocument(_ entries: [LedgerEntry], unresolved: Set<Int64>) -> JSONValue {
        .array(entries.map { document($0, unresolved: unresolved.contains($0.seq)) })
    }

    /// Always 0 (a missing entry is an error: `LedgerError.noSuchEntry`, 404 / exit 74).
    public static func exitCode() -> LedgerExitCode { .ok }

    /// The entry's columns in schema order with their stored values (`.null`, `.integer` or
    /// `.string`), read back from its document: what `show` prints and `log --format csv` writes. The
    /// optional columns (`db_role`) are listed only when set, as ``LedgerEntry/columnValues`` does.
    /// `details` is the canonical JSON of the parsed value (the form every writer stores), or the text
    /// itself when it was not JSON.
    public static func columns(of document: JSONValue) -> [(name: String, value: JSONValue)] {
        var columns: [(name: String, value: JSONValue)] = LedgerEntry.columns.map { ($0, stored(document[$0])) }
        for name in LedgerEntry.optionalColumns {
            if let value = document[name], value != .null { columns.append((name, stored(value))) }
        }
        return columns
    }

    /// Every column of `LedgerEntry.allColumns`, optional ones included (null when absent): a CSV
    /// row, whose fields must line up with its header whatever backend wrote the row.
    public static func allColumns(of document: JSONValue) -> [(name: String, value: JSONValue)] {
        LedgerEntry.allColumns.map { ($0, stored(document[$0])) }
    }

    /// A column's value as stored: null when absent, integers and strings as they are, JSON as its canonical text.
    static func stored(_ value: JSONValue?) -> JSONValue {
        switch value {
        case nil, .null?: .null
        case .string(let s)?: .string(s)
        case .integer(let i)?: .integer(i)
        case let other?: .string(CanonicalJSON.string(other))
        }
    }
}
