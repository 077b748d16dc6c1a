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
        print(document: ExportPresentation.document(summary), format: format)
    }

    /// The summary from its document (``ExportPresentation/document(_:)`` or a service's answer).
    static func print(document: JSONValue, format: TextOrJSON) {
        if format == .json {
            Console.out(document.prettyPrinted())
            return
        }
        let integer = { (key: String) in document[key]?.integerValue ?? 0 }
        let path = document["path"]?.stringValue ?? "-"
        Console.note(
            "exported seq \(integer("first_seq"))…\(integer("last_seq")) (\(integer("entries").formatted()) entries, \(integer("matched").formatted()) matching \(ExportPresentation.selection(of: document).summary)) "
                + "of ledger \(document["ledger_id"]?.stringValue ?? "?") (head seq \(integer("head_seq"))) to \(path == "-" ? "standard output" : path), \(integer("bytes").formatted()) bytes"
        )
        if let checkpoint = document["checkpoint"], let origin = checkpoint["origin"]?.stringValue {
            Console.note("with inclusion proofs against the checkpoint \(origin) (tree of \((checkpoint["size"]?.integerValue ?? 0).formatted()) entries)")
            if let vkey = document["vkey"]?.stringValue {
                Console.note("auditors check it with this public key (vkey) in a file, no HMAC key needed: ledger verify --bundle FILE --public-key VKEY_FILE")
                Console.note("  \(vkey)")
            }
        }
    }
}
