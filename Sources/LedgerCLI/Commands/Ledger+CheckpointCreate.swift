import ArgumentParser
import Foundation
import LedgerCore
import LedgerWorkflows

extension Ledger.Checkpoint {
    /// `ledger checkpoint [create]`: records a checkpoint entry and writes the statement.
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Record a checkpoint entry and write a statement of it (the default subcommand).",
            discussion: """
                Appends a `checkpoint` entry, then writes a statement certifying that entry's seq
                and mac to --out (or stdout) and keeps a copy beside the key file
                (<key dir>/checkpoints/<ledger_id>.json), so that every later write first checks
                the ledger still holds it (exit 6 otherwise).

                With --note FILE (needs --sign-key) it also writes a C2SP signed checkpoint note
                (docs: transparency), which anyone checks with the public key alone: origin
                (--origin, default model-ledger/<ledger_id>; also the key name), tree size, RFC 6962
                root hash, and the extension lines `ledger-head <seq> <mac>` and `time <recorded_at>`.
                The note covers the checkpoint entry itself: its tree size is that entry's seq and
                ledger-head names it. The verifier key (vkey) is printed. The tree's stored state is
                brought up to the head first (the first time on a large ledger, progress on stderr).
                With --tsa URL, an RFC 3161 time-stamp over the note's body is asked for (POST
                application/timestamp-query) and kept as FILE.tsr; --tsa-ca checks it at once.

                Exit status: 0 written, 4 the note was written but the time-stamping authority
                failed (no FILE.tsr), 6 the ledger does not verify, 64 usage, 74 ledger error,
                78 key error.

                Examples:
                  ledger checkpoint --out checkpoints/2026-11-29.json --sign-key ed25519.pem
                  ledger checkpoint --sign-key ed25519.pem --note checkpoints/2026-11-29.note
                  ledger checkpoint --sign-key ed25519.pem --note cp.note --tsa https://tsa.example.com/ --tsa-ca tsa-ca.pem
                """)

        @Option(help: ArgumentHelp("Write the statement here (default: stdout).", valueName: "file")) var out: String?
        @Option(name: .customLong("sign-key"), help: ArgumentHelp("Also sign with this Ed25519 private key (PEM, mode 0600).", valueName: "pem"))
        var signKey: String?
        @Option(name: .customLong("reason"), help: ArgumentHelp("Why (recorded in the entry).", valueName: "text")) var reason: String?
        @Option(
            help: ArgumentHelp(
                "Output format: text or json. With --out, json prints one object (seq, mac, path, local_copy, signed); without it the statement (JSON) is the output in both formats."
            ))
        var format: TextOrJSON = .text
        @Option(help: ArgumentHelp("Also write a C2SP signed checkpoint note here (needs --sign-key).", valueName: "file"))
        var note: String?
        @Option(help: ArgumentHelp("The note's origin and key name (default: model-ledger/<ledger_id>).", valueName: "origin"))
        var origin: String?
        @Option(help: ArgumentHelp("Ask this RFC 3161 time-stamping authority for a token over the note (kept as FILE.tsr).", valueName: "url"))
        var tsa: String?
        @Option(name: .customLong("tsa-ca"), help: ArgumentHelp("Verify the TSA's token at once against these CA certificates (PEM).", valueName: "pem"))
        var tsaCA: String?
        @Option(name: .customLong("tsa-timeout"), help: ArgumentHelp("Seconds to wait for the TSA (default 30).", valueName: "seconds"))
        var tsaTimeout: Double = 30
        @OptionGroup var who: ActorOptions
        @OptionGroup var options: LedgerOptions
        @OptionGroup var remote: RemoteOptions
        @OptionGroup var ca: RemoteCAFileOption

        func validate() throws {
            if note == nil {
                if origin != nil { throw ValidationError("--origin names a note: pass --note FILE") }
                if tsa != nil { throw ValidationError("--tsa time-stamps a note: pass --note FILE") }
            } else if signKey == nil {
                throw ValidationError("--note needs --sign-key (the Ed25519 private key that signs the note)")
            }
            if tsa == nil, tsaCA != nil { throw ValidationError("--tsa-ca checks a time-stamp: pass --tsa URL") }
            if !(tsaTimeout > 0 && tsaTimeout <= 600) { throw ValidationError("--tsa-timeout must be more than 0 and at most 600 seconds") }
            try validating {
                if let origin { try NoteRequest.validate(origin: origin) }
                if let tsa { try TimeStampService.validate(url: tsa) }
            }
        }

        func run() async throws {
            // The service signs with its own keys and keeps its own checkpoint: local files and keys are refused.
            let refused =
                RemoteRun.localOnly(options) + [
                    ("--actor", who.actor != nil), ("--out", out != nil), ("--sign-key", signKey != nil), ("--note", note != nil), ("--tsa", tsa != nil),
                ]
            var body: [String: JSONValue] = [:]
            if let reason { body["reason"] = .string(reason) }
            let remoteHandled = try await RemoteRun.ifRemote(remote, caFile: ca.caFile, localOnly: refused) { client in
                try await RemoteRun.document(client, .post, "/v1/checkpoints", json: .object(body)) { document in
                    WriteOutput.print(checkpointDocument: document, format: format)
                }
            }
            if remoteHandled { return }
            try await runReportingTransparencyErrors {
                let session = try options.openForWriting()
                let request = note.map {
                    NoteRequest(path: Paths.expand($0), origin: origin, tsaURL: tsa, tsaCAFile: tsaCA.map(Paths.expand), tsaTimeout: tsaTimeout)
                }
                let created = try await CheckpointService.create(
                    session: session, reason: reason, provenance: who.provenance, signingKeyPath: signKey, out: out, note: request,
                    progress: { Console.progress("hashing the tree… \($0.formatted()) entries") })
                Console.endProgress()
                TransparencyOutput.print(created, format: format)
                if let failure = created.note?.timeStampFailure {
                    throw CLIError(
                        message: "\(failure.description); the checkpoint entry, the statement and the note were written, without a time-stamp",
                        exitCode: failure.exitCode)
                }
            }
        }
    }
}
