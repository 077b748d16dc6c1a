import ArgumentParser
import Foundation
import LedgerCore

extension Ledger {
    /// `ledger export`: writes an evidence bundle that verifies without the database.
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
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

                Proofs for auditors without the HMAC key: with --sign-key K.pem (an Ed25519
                key from `ledger keys ed25519-generate`), the header also carries a fresh C2SP
                signed checkpoint note of the ledger at its head (member "checkpoint"; origin
                --origin, default model-ledger/<ledger_id>, which is also the key name), and
                every line its "leaf_index" (seq - 1) and "inclusion_proof" (RFC 6962 audit
                path, base64) against that note. With --checkpoint NOTE the proofs are against
                an existing note instead (its tree must be this ledger's and hold every
                exported entry). Such a bundle is checked with only the public key:
                  ledger verify --bundle FILE --public-key ledger.vkey
                (docs/auditors.md; docs/verify-bundle.py does it without model-ledger).

                --format json prints the summary as one object on standard output (the
                bundle must then go to a file, not to --out -).

                Exit status: 0 written, 2 the entries to export do not verify (nothing
                written), 64 usage (or nothing matches), 74 the database or the output
                cannot be read or written, 78 key-file problem (the header is signed with
                the active key).

                Examples:
                  ledger export --out churn-nov.jsonl --model churn \\
                      --since 2026-11-01 --until 2026-11-30
                  ledger export --out churn-nov.jsonl --model churn --sign-key ledger-note.pem
                  ledger export --out - | gzip > ledger-full.jsonl.gz
                """)

        @Option(help: ArgumentHelp("The bundle file to write (`-` for standard output).", valueName: "bundle.jsonl"))
        var out: String
        @OptionGroup var period: PeriodOptions
        @Option(help: ArgumentHelp("Only entries about this model (and the entries between them, marked not matched).", valueName: "name"))
        var model: String?
        @Flag(help: "Replace the output file if it exists.") var force = false
        @Option(
            name: .customLong("sign-key"),
            help: ArgumentHelp(
                "Ed25519 private key (PEM, mode 0600) that signs a fresh checkpoint note: the bundle then carries inclusion proofs any holder of the public key can check.",
                valueName: "key.pem"))
        var signKey: String?
        @Option(help: ArgumentHelp("The note's origin and key name with --sign-key (default: model-ledger/<ledger_id>).", valueName: "origin"))
        var origin: String?
        @Option(
            name: .customLong("checkpoint"),
            help: ArgumentHelp(
                "Prove the lines against this existing signed checkpoint note (`ledger checkpoint --note`) instead of signing one.",
                valueName: "note"))
        var checkpoint: String?
        @Option(
            help: ArgumentHelp(
                "How to print the summary: text (on standard error) or json (one object on standard output; not with --out -)."))
        var format: TextOrJSON = .text
        @OptionGroup var options: LedgerOptions
        @OptionGroup var remote: RemoteOptions
        @OptionGroup var ca: RemoteCAFileOption

        func validate() throws {
            if out.isEmpty { throw ValidationError("--out must not be empty") }
            if let model { try validateName(model, flag: "--model") }
            if signKey != nil, checkpoint != nil {
                throw ValidationError("--sign-key signs a fresh checkpoint note, --checkpoint proves against an existing one: give one of them")
            }
            if let origin {
                guard signKey != nil else { throw ValidationError("--origin names the note signed with --sign-key: give --sign-key as well") }
                guard NoteVerifierKey.isValidName(origin), origin.utf8.count <= 1024 else {
                    throw ValidationError("--origin is also the signing key's name: non-empty, at most 1024 bytes, no spaces, no '+', no control characters")
                }
            }
            if signKey?.isEmpty == true { throw ValidationError("--sign-key must not be empty") }
            if checkpoint?.isEmpty == true { throw ValidationError("--checkpoint must not be empty") }
            if format == .json, out == "-" {
                throw ValidationError("--format json prints the summary on standard output, which --out - uses for the bundle: write the bundle to a file")
            }
        }

        func run() async throws {
            let query = RemoteRun.query([("model", model), ("since", period.since), ("until", period.until)])
            let refused = RemoteRun.localOnly(options) + [("--sign-key", signKey != nil), ("--checkpoint", checkpoint != nil)]
            let remoteHandled = try await RemoteRun.ifRemote(remote, caFile: ca.caFile, localOnly: refused) { client in
                try await RemoteExport.run(client, query: query, out: out == "-" ? "-" : Paths.expand(out), force: force, json: format == .json)
            }
            if remoteHandled { return }
            try await runReportingErrors {
                let ring = try options.loadKeys()
                let store = try options.openForReading()
                let (since, until) = try period.bounds()
                let selection = ExportSelection(model: model, since: since, until: until)
                let proofs = try proofRequest()
                let summary: ExportSummary
                do {
                    summary = try BundleExporter(store: store, keyRing: ring)
                        .export(selection: selection, to: out == "-" ? "-" : Paths.expand(out), overwrite: force, proofs: proofs)
                } catch let error as ExportError {
                    throw ExportOutput.exitError(for: error)
                }
                ExportOutput.print(summary, selection: selection, format: format)
            }
        }

        /// The proofs asked for: the private key read as a secret file (owner, mode 0600), or the note's text.
        private func proofRequest() throws -> BundleProofRequest? {
            if let signKey {
                var bytes = try SecretFile.read(path: Paths.expand(signKey), what: "private key")
                defer { Digest.wipe(&bytes) }
                return .sign(privateKeyPEM: String(decoding: bytes, as: UTF8.self), origin: origin)
            }
            if let checkpoint {
                let path = Paths.expand(checkpoint)
                guard let handle = FileHandle(forReadingAtPath: path) else {
                    throw CLIError(message: "cannot read the checkpoint note \(checkpoint)", exitCode: .usage)
                }
                defer { try? handle.close() }
                let data = (try? handle.read(upToCount: SignedNote.maxBytes + 1)) ?? Data()
                guard data.count <= SignedNote.maxBytes else {
                    throw CLIError(message: "\(checkpoint) is larger than a signed note may be (\(SignedNote.maxBytes) bytes)", exitCode: .usage)
                }
                return .checkpoint(note: String(decoding: data, as: UTF8.self))
            }
            return nil
        }
    }
}
