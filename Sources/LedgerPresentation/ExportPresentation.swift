import Foundation
import LedgerCore

/// What `ledger export` says about the bundle it wrote (the summary; the bundle itself is the
/// service's `GET /v1/export` body): `ledger_id`, `first_seq`, `last_seq`, `entries`, `matched`,
/// `head_seq`, `head_mac`, `key_ids`, `exported_at`, `filter` {`model`, `since`, `until`}, `path`,
/// `bytes`; with proofs also `checkpoint` {`origin`, `size`, `root_hash`} and `vkey`.
public enum ExportPresentation {
    /// The summary document of `summary`.
    public static func document(_ summary: ExportSummary) -> JSONValue {
        document(header: summary.header, path: summary.path, bytes: summary.bytes, checkpoint: summary.checkpoint, vkey: summary.vkey)
    }

    /// The summary document of a bundle whose header line is `header`, written to `path` (`-`: standard
    /// output) in `bytes` bytes: what a client of the service, which streams only the bundle, prints.
    public static func document(header h: BundleHeader, path: String, bytes: Int64, checkpoint: TreeCheckpoint? = nil, vkey: String? = nil) -> JSONValue {
        var object: [String: JSONValue] = [
            "ledger_id": .string(h.ledgerID), "first_seq": .integer(h.firstSeq), "last_seq": .integer(h.lastSeq),
            "entries": .integer(h.entryCount), "matched": .integer(h.matchedCount), "head_seq": .integer(h.headSeq),
            "head_mac": .string(h.headMac), "key_ids": .array(h.keyIDs.map { .string($0) }),
            "exported_at": .string(h.exportedAt),
            "filter": .object([
                "model": h.filterModel.map { .string($0) } ?? .null, "since": h.filterSince.map { .string($0) } ?? .null,
                "until": h.filterUntil.map { .string($0) } ?? .null,
            ]),
            "path": .string(path), "bytes": .integer(bytes),
        ]
        if let checkpoint {
            object["checkpoint"] = .object([
                "origin": .string(checkpoint.origin), "size": .integer(checkpoint.size),
                "root_hash": .string(Data(checkpoint.rootHash).base64EncodedString()),
            ])
            object["vkey"] = vkey.map { .string($0) } ?? .null
        }
        return .object(object)
    }

    /// Always 0 once a bundle was written (entries that do not verify stop the export: exit 2).
    public static func exitCode(_ summary: ExportSummary) -> LedgerExitCode { .ok }

    /// The selection a summary document names (its `filter`).
    public static func selection(of document: JSONValue) -> ExportSelection {
        let filter = document["filter"]
        return ExportSelection(
            model: filter?["model"]?.stringValue, since: filter?["since"]?.stringValue, until: filter?["until"]?.stringValue)
    }
}
