import Foundation
import LedgerCore

/// What `ledger export` says about the bundle it wrote (the summary; the bundle itself is the
/// service's `GET /v1/export` body): `ledger_id`, `first_seq`, `last_seq`, `entries`, `matched`,
/// `head_seq`, `head_mac`, `key_ids`, `exported_at`, `filter` {`model`, `since`, `until`}, `path`,
/// `bytes`; with proofs also `checkpoint` {`origin`, `size`, `root_hash`} and `vkey`.
public enum ExportPresentation {
    /// The summary document of `summary`.
    public static func document(_ summary: ExportSummary) -> JSONValue {
        let h = summary.header
        var object: [String: JSONValue] = [
            "ledger_id": .string(h.ledgerID), "first_seq": .integer(h.firstSeq), "last_seq": .integer(h.lastSeq),
            "entries": .integer(h.entryCount), "matched": .integer(h.matchedCount), "head_seq": .integer(h.headSeq),
            "head_mac": .string(h.headMac), "key_ids": .array(h.keyIDs.map { .string($0) }),
            "exported_at": .string(h.exportedAt),
            "filter": .object([
                "model": h.filterModel.map { .string($0) } ?? .null, "since": h.filterSince.map { .string($0) } ?? .null,
                "until": h.filterUntil.map { .string($0) } ?? .null,
            ]),
            "path": .string(summary.path), "bytes": .integer(summary.bytes),
        ]
        if let checkpoint = summary.checkpoint {
            object["checkpoint"] = .object([
                "origin": .string(checkpoint.origin), "size": .integer(checkpoint.size),
                "root_hash": .string(Data(checkpoint.rootHash).base64EncodedString()),
            ])
            object["vkey"] = summary.vkey.map { .string($0) } ?? .null
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
