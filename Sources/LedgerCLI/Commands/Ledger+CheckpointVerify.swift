import ArgumentParser
import Foundation
import LedgerCore
import LedgerWorkflows

extension Ledger.Checkpoint {
    /// `ledger checkpoint verify FILE`: checks a checkpoint's own authenticity.
    struct VerifyFile: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Check a checkpoint file's signatures: Ed25519 (public key) and/or HMAC (key file).",
            discussion: """
                Every signature the file carries is checked when the means to check it are given,
                and one that fails makes the checkpoint NOT AUTHENTIC:
                  --public-key PEM   checks the Ed25519 signature (an auditor needs nothing else; the
                                     same check by hand: see docs/ledger-format.md). The HMAC is then
                                     checked only when --key-file (or LEDGER_KEY_FILE) is given too,
                                     and the output says "HMAC not checked (no key file)" otherwise.
                  without it         checks the HMAC with the key file; an Ed25519 signature in the
                                     file is reported as not checked.
                The first word of the result says what was proven: AUTHENTIC (every signature present
                was checked and verifies), SIGNATURE VALID (the Ed25519 signature verifies, the HMAC
                was not checked), HMAC VALID (the HMAC verifies, the Ed25519 signature was not
                checked), NOT AUTHENTIC (a signature does not verify).
                To check the ledger against the checkpoint, use `ledger verify --checkpoint FILE`.

                Exit status: 0 no signature failed, 2 not authentic, 64 usage, 74 unreadable, 78 key error.

                Examples:
                  ledger checkpoint verify cp.json --public-key ed25519.pub.pem
                  ledger checkpoint verify cp.json --public-key ed25519.pub.pem --key-file ledger.key
                """)

        @Argument(help: ArgumentHelp("The checkpoint file.", valueName: "file")) var file: String
        @Option(name: .customLong("public-key"), help: ArgumentHelp("Ed25519 public key (PEM).", valueName: "pem"))
        var publicKey: String?
        @Option(
            name: .customLong("key-file"),
            help: ArgumentHelp(
                "The ledger's HMAC key file (default without --public-key: LEDGER_KEY_FILE or the default key file).",
                valueName: "path"))
        var keyFile: String?
        @Option(help: "Output format: text or json (one object: verdict, authentic, hmac, ed25519, failure and the checkpoint's ledger_id, seq, mac).")
        var format: TextOrJSON = .text

        func run() async throws {
            try await runReportingErrors {
                // The HMAC needs the secret key: with --public-key it is checked only when a key file is named.
                let explicitKeyFile = keyFile != nil || !(ProcessInfo.processInfo.environment["LEDGER_KEY_FILE"] ?? "").isEmpty
                var options = LedgerOptions()
                options.keyFile = keyFile
                let verification: CheckpointVerification
                do {
                    verification = try CheckpointService.verify(
                        file: file, publicKeyPath: publicKey, keyFilePath: publicKey == nil || explicitKeyFile ? options.keyFilePath : nil)
                } catch CheckpointServiceError.noEd25519Signature {
                    throw CLIError(message: "\(file) has no Ed25519 signature; check its HMAC with --key-file instead.", exitCode: .usage)
                }
                WriteOutput.print(verification, file: file, format: format)
                if verification.verdict == .notAuthentic { throw ExitCode(LedgerExitCode.tampered.rawValue) }
            }
        }
    }
}
