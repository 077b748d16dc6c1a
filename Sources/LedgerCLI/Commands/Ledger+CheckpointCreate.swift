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

                Exit status: 0 written, 6 the ledger does not verify, 64 usage, 74 ledger error,
                78 key error.

                Example:
                  ledger checkpoint --out checkpoints/2026-11-29.json --sign-key ed25519.pem
                """)

        @Option(help: ArgumentHelp("Write the statement here (default: stdout).", valueName: "file")) var out: String?
        @Option(name: .customLong("sign-key"), help: ArgumentHelp("Also sign with this Ed25519 private key (PEM, mode 0600).", valueName: "pem"))
        var signKey: String?
        @Option(name: .customLong("reason"), help: ArgumentHelp("Why (recorded in the entry).", valueName: "text")) var reason: String?
        @Option(help: ArgumentHelp(
            "Output format: text or json. With --out, json prints one object (seq, mac, path, local_copy, signed); without it the statement (JSON) is the output in both formats."))
        var format: TextOrJSON = .text
        @OptionGroup var who: ActorOptions
        @OptionGroup var options: LedgerOptions

        func run() async throws {
            try await runReportingErrors {
                let session = try options.openForWriting()
                let created = try CheckpointService.create(
                    session: session, reason: reason, provenance: who.provenance, signingKeyPath: signKey, out: out)
                WriteOutput.print(created, format: format)
            }
        }
    }
}
