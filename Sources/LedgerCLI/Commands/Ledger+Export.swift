import ArgumentParser
import Foundation
import LedgerCore

extension Ledger {
    /// `ledger export`: writes an evidence bundle that verifies without the database.
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write an evidence bundle (JSON Lines) that anyone with the key can verify without the database.",
            discussion: """
                Line 1 is a signed header: ledger_id, format and bundle version, the seq
                range, the key ids used, the ledger's head seq and mac at export time,
                exported_at, and the filter. Each other line is one entry:
                  {"entry":<P>,"mac":"<64 hex>","matched":true|false}
                where <P> is, byte for byte, the entry's signed payload (canonical JSON of
                every non-NULL column except mac), so mac = HMAC-SHA256(key, P) can be
                checked with openssl alone (docs/reports.md shows how).

                With filters, the bundle holds the contiguous seq range from the first to
                the last matching entry, every kind included, so that each entry still links
                to the line before it; lines that matched are marked "matched":true. Without
                filters it holds the whole ledger. Every exported entry is verified while it
                is written; if one does not verify, nothing is written.

                Check a bundle with: ledger verify --bundle FILE --key-file KEY

                --format json prints the summary as one object on standard output (the
                bundle must then go to a file, not to --out -).

                Exit status: 0 written, 2 the entries to export do not verify (nothing
                written), 64 usage (or nothing matches), 74 the database or the output
                cannot be read or written, 78 key-file problem (the header is signed with
                the active key).

                Examples:
                  ledger export --out churn-nov.jsonl --model churn \\
                      --since 2026-11-01 --until 2026-11-30
                  ledger export --out - | gzip > ledger-full.jsonl.gz
                """)

        @Option(help: ArgumentHelp("The bundle file to write (`-` for standard output).", valueName: "bundle.jsonl"))
        var out: String
        @OptionGroup var period: PeriodOptions
        @Option(help: ArgumentHelp("Only entries about this model (and the entries between them, marked not matched).", valueName: "name"))
        var model: String?
        @Flag(help: "Replace the output file if it exists.") var force = false
        @Option(help: ArgumentHelp(
            "How to print the summary: text (on standard error) or json (one object on standard output; not with --out -)."))
        var format: TextOrJSON = .text
        @OptionGroup var options: LedgerOptions

        func validate() throws {
            if out.isEmpty { throw ValidationError("--out must not be empty") }
            if let model { try validateName(model, flag: "--model") }
            if format == .json, out == "-" {
                throw ValidationError("--format json prints the summary on standard output, which --out - uses for the bundle: write the bundle to a file")
            }
        }

        func run() async throws {
            try await runReportingErrors {
                let ring = try options.loadKeys()
                let store = try options.openForReading()
                let (since, until) = try period.bounds()
                let selection = ExportSelection(model: model, since: since, until: until)
                let summary: ExportSummary
                do {
                    summary = try BundleExporter(store: store, keyRing: ring)
                        .export(selection: selection, to: out == "-" ? "-" : Paths.expand(out), overwrite: force)
                } catch let error as ExportError {
                    throw ExportOutput.exitError(for: error)
                }
                ExportOutput.print(summary, selection: selection, format: format)
            }
        }
    }
}
