import ArgumentParser
import Foundation
import LedgerCore
import LedgerWorkflows

extension Ledger.Keys {
    /// `ledger keys ed25519-generate`: a key pair for signed checkpoints.
    struct GenerateEd25519: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ed25519-generate",
            abstract: "Generate an Ed25519 key pair for signing checkpoints (private key mode 0600).",
            discussion: """
                Writes the private key (PKCS#8 PEM, mode 0600) to --out and the public key
                (SubjectPublicKeyInfo PEM) beside it as NAME.pub.pem. Give the public key to
                auditors; keep the private key with the ledger's HMAC key.

                Exit status: 0 written, 64 usage, 74 cannot write (or --out exists).

                Example:
                  ledger keys ed25519-generate --out ~/.config/model-ledger/checkpoint-signing.pem
                """)

        @Option(help: ArgumentHelp("Where to write the private key (ends in .pem).", valueName: "file")) var out: String
        @Option(help: "Output format: text or json (one object: the two paths and the private key's mode; never the key).")
        var format: TextOrJSON = .text

        func validate() throws {
            guard out.hasSuffix(".pem") else { throw ValidationError("--out must end in .pem (the public key goes to NAME.pub.pem)") }
        }

        func run() async throws {
            try await runReportingErrors {
                let publicPath = try CheckpointService.generateSigningKey(privateKeyPath: out)
                switch format {
                case .json:
                    Console.out(
                        JSONValue.object([
                            "private_key": .string(out), "private_key_mode": .string("0600"), "public_key": .string(publicPath),
                        ]).prettyPrinted())
                case .text:
                    Console.out("private key: \(DisplayText.terminal(out)) (mode 0600)")
                    Console.out("public key:  \(DisplayText.terminal(publicPath))")
                }
            }
        }
    }
}
