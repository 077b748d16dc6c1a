import ArgumentParser
import Foundation
import LedgerCore

/// How `ledger export` presents its summary and its refusals.
enum ExportOutput {
    /// The CLI error (or, for entries that do not verify, the exit after listing them on stderr) for `error`.
    static func exitError(for error: ExportError) -> any Error {
        switch error {
        case .nothingMatches, .outputExists, .beyondCheckpoint, .unusableCheckpoint:
            return CLIError(message: error.localizedDescription, exitCode: .usage)
        case .lineTooLong:
            return CLIError(message: error.localizedDescription, exitCode: .ledgerError)
        case let .doesNotVerify(findings, _):
            Console.error(error.localizedDescription)
            for finding in findings { Console.note("  seq \(finding.seq.map(String.init) ?? "?")\t\(finding.kind.rawValue)\t\(finding.message)") }
            return ExitCode(LedgerExitCode.tampered.rawValue)
        }
    }

    /// The summary: one JSON object on stdout, or a line on stderr (stdout may carry the bundle).
    static func print(_ summary: ExportSummary, selection: ExportSelection, format: TextOrJSON) {
        let h = summary.header
        if format == .json {
            Console.out(
                JSONValue.object(
                    [
                        "ledger_id": .string(h.ledgerID), "first_seq": .integer(h.firstSeq), "last_seq": .integer(h.lastSeq),
                        "entries": .integer(h.entryCount), "matched": .integer(h.matchedCount), "head_seq": .integer(h.headSeq),
                        "head_mac": .string(h.headMac), "key_ids": .array(h.keyIDs.map { .string($0) }),
                        "exported_at": .string(h.exportedAt),
                        "filter": .object([
                            "model": h.filterModel.map { .string($0) } ?? .null, "since": h.filterSince.map { .string($0) } ?? .null,
                            "until": h.filterUntil.map { .string($0) } ?? .null,
                        ]),
                        "path": .string(summary.path), "bytes": .integer(summary.bytes),
                    ].merging(proofMembers(summary)) { old, _ in old }
                ).prettyPrinted())
            return
        }
        Console.note(
            "exported seq \(h.firstSeq)…\(h.lastSeq) (\(h.entryCount.formatted()) entries, \(h.matchedCount.formatted()) matching \(selection.summary)) "
                + "of ledger \(h.ledgerID) (head seq \(h.headSeq)) to \(summary.path == "-" ? "standard output" : summary.path), \(summary.bytes.formatted()) bytes"
        )
        if let checkpoint = summary.checkpoint {
            Console.note("with inclusion proofs against the checkpoint \(checkpoint.origin) (tree of \(checkpoint.size.formatted()) entries)")
            if let vkey = summary.vkey {
                Console.note("auditors check it with this public key (vkey) in a file, no HMAC key needed: ledger verify --bundle FILE --public-key VKEY_FILE")
                Console.note("  \(vkey)")
            }
        }
    }

    /// The JSON members of a bundle with proofs (none without).
    private static func proofMembers(_ summary: ExportSummary) -> [String: JSONValue] {
        guard let checkpoint = summary.checkpoint else { return [:] }
        return [
            "checkpoint": .object([
                "origin": .string(checkpoint.origin), "size": .integer(checkpoint.size),
                "root_hash": .string(Data(checkpoint.rootHash).base64EncodedString()),
            ]),
            "vkey": summary.vkey.map { .string($0) } ?? .null,
        ]
    }
}
