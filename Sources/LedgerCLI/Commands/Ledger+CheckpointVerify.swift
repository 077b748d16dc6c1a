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

                A C2SP signed checkpoint note (`ledger checkpoint --note`) is checked with
                --note FILE --public-key K (a vkey string or a PEM; no key file): its signature by
                the key named in the vkey (for a PEM: the note's origin). With --tsa-ca, the RFC 3161
                token FILE.tsr must be there, cover the note's body and chain to the CA; its genTime
                is printed. AUTHENTIC: everything present was checked; SIGNATURE VALID: a token is
                there but was not checked; NOT AUTHENTIC: the signature or the token fails.

                Exit status: 0 no signature failed, 2 not authentic, 64 usage, 74 unreadable, 78 key error.

                Examples:
                  ledger checkpoint verify cp.json --public-key ed25519.pub.pem
                  ledger checkpoint verify cp.json --public-key ed25519.pub.pem --key-file ledger.key
                  ledger checkpoint verify --note cp.note --public-key ledger.vkey --tsa-ca tsa-ca.pem
                """)

        @Argument(help: ArgumentHelp("The checkpoint file (a JSON statement).", valueName: "file")) var file: String?
        @Option(help: ArgumentHelp("A C2SP signed checkpoint note to check instead (needs --public-key).", valueName: "file"))
        var note: String?
        @Option(
            name: .customLong("tsa-ca"),
            help: ArgumentHelp("With --note: check the RFC 3161 token FILE.tsr against these CA certificates (PEM).", valueName: "pem"))
        var tsaCA: String?
        @Option(name: .customLong("public-key"), help: ArgumentHelp("Ed25519 public key: a C2SP vkey string or a PEM file.", valueName: "vkey|pem"))
        var publicKey: String?
        @Option(
            name: .customLong("key-file"),
            help: ArgumentHelp(
                "The ledger's HMAC key file (default without --public-key: LEDGER_KEY_FILE or the default key file).",
                valueName: "path"))
        var keyFile: String?
        @Option(help: "Output format: text or json (one object: verdict, authentic, hmac, ed25519, failure and the checkpoint's ledger_id, seq, mac).")
        var format: TextOrJSON = .text

        func validate() throws {
            if let _ = note {
                if file != nil { throw ValidationError("give either a checkpoint FILE or --note FILE, not both") }
                if publicKey == nil { throw ValidationError("--note is checked with --public-key (a vkey string or a PEM)") }
                if keyFile != nil { throw ValidationError("a note carries no HMAC: --key-file does not apply to --note") }
            } else {
                if file == nil { throw ValidationError("give the checkpoint FILE to check (or --note FILE)") }
                if tsaCA != nil { throw ValidationError("--tsa-ca checks a note's time-stamp: pass --note FILE") }
            }
        }

        func run() async throws {
            if let note {
                try await runReportingTransparencyErrors {
                    let key = try PublicKeyFile.load(path: Paths.expand(publicKey ?? ""))
                    let result = try NoteService.verifyFile(path: Paths.expand(note), key: key, tsaCAFile: tsaCA.map(Paths.expand))
                    TransparencyOutput.print(result, format: format)
                    if result.verdict == .notAuthentic { throw ExitCode(LedgerExitCode.tampered.rawValue) }
                }
                return
            }
            let file = self.file ?? ""
            try await runReportingTransparencyErrors {
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
