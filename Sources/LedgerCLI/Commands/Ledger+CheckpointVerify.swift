import ArgumentParser
import Foundation
import LedgerCore

extension Ledger.Checkpoint {
    /// `ledger checkpoint verify FILE`: checks a checkpoint's own authenticity.
    struct VerifyFile: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Check a checkpoint file's Ed25519 signature (public key only) or HMAC (key file).",
            discussion: """
                With --public-key, checks the Ed25519 signature: an auditor needs nothing but the
                public key (the same check by hand: see docs/ledger-format.md). Without it, checks
                the HMAC with the key file. To check the ledger against the checkpoint, use
                `ledger verify --checkpoint FILE`.

                Exit status: 0 authentic, 2 not authentic, 64 usage, 74 unreadable, 78 key error.

                Example:
                  ledger checkpoint verify cp.json --public-key ed25519.pub.pem
                """)

        @Argument(help: ArgumentHelp("The checkpoint file.", valueName: "file")) var file: String
        @Option(name: .customLong("public-key"), help: ArgumentHelp("Ed25519 public key (PEM).", valueName: "pem"))
        var publicKey: String?
        @Option(
            name: .customLong("key-file"),
            help: ArgumentHelp("The ledger's HMAC key file (when not using --public-key).", valueName: "path"))
        var keyFile: String?

        func run() async throws {
            try await runReportingErrors {
                let checkpoint = try LedgerCore.Checkpoint.load(path: file)
                let authentic: Bool
                let how: String
                if let publicKey {
                    guard let pem = FileManager.default.contents(atPath: publicKey) else {
                        throw LedgerError.io(path: publicKey, reason: "cannot read the public key")
                    }
                    guard checkpoint.ed25519Signature != nil else {
                        throw CLIError(message: "\(file) has no Ed25519 signature; check its HMAC with --key-file instead.", exitCode: .usage)
                    }
                    authentic = try checkpoint.hasValidSignature(publicKeyPEM: String(decoding: pem, as: UTF8.self))
                    how = "Ed25519 signature"
                } else {
                    var options = LedgerOptions()
                    options.keyFile = keyFile
                    authentic = try checkpoint.isAuthentic(keyRing: options.loadKeys())
                    how = "HMAC (key \(checkpoint.keyID))"
                }
                let subject = "ledger \(checkpoint.ledgerID) seq \(checkpoint.seq) mac \(checkpoint.mac) at \(checkpoint.recordedAt)"
                if authentic {
                    Console.out(Console.styled("AUTHENTIC", .green) + ": \(how) verifies for \(subject)")
                } else {
                    Console.out(Console.styled("NOT AUTHENTIC", .red) + ": \(how) does not verify for \(subject)")
                    throw ExitCode(LedgerExitCode.tampered.rawValue)
                }
            }
        }
    }
}
