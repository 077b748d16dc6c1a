import ArgumentParser
import Foundation
import LedgerCore
import LedgerWorkflows

extension Ledger.Keys {
    /// `ledger keys rotate`: a new active key, announced by the old one.
    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate",
            abstract: "Add a new active HMAC key; the old key signs a key.rotated entry naming it.",
            discussion: """
                Appends a fresh key (OpenSSL RAND_bytes) to the key file — old keys stay, to
                verify older entries — then writes a key.rotated entry signed by the old key with
                details {"new_key_id", "old_key_id"}. From then on entries are signed by the new
                key, and `ledger verify` flags any later entry signed by a retired key (a stolen
                old key cannot be used to append). Back up the key file again afterwards.

                Exit status: 0 rotated, 6 the ledger does not verify, 74 ledger error, 78 key error.

                Example:
                  ledger keys rotate --reason "annual rotation, SEC-42"
                """)

        @Option(help: ArgumentHelp("Why (recorded in the entry).", valueName: "text")) var reason: String?
        @Option(help: "Output format: text or json (one object: old_key_id, new_key_id, seq, key_file; never key material).")
        var format: TextOrJSON = .text
        @OptionGroup var who: ActorOptions
        @OptionGroup var options: LedgerOptions

        func run() async throws {
            try await runReportingErrors {
                let rotation = try RotateService(session: try options.openForWriting()).run(provenance: who.provenance, reason: reason)
                WriteOutput.print(rotation, format: format)
            }
        }
    }
}
