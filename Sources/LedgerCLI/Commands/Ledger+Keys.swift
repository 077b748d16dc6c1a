import ArgumentParser

extension Ledger {
    /// `ledger keys`: list and rotate HMAC keys; make Ed25519 key pairs for signed checkpoints.
    struct Keys: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "keys",
            abstract: "List or rotate the ledger's HMAC keys; generate Ed25519 keys for signed checkpoints and print their vkey.",
            discussion: """
                Examples:
                  ledger keys list
                  ledger keys rotate --reason "annual rotation, SEC-42"
                  ledger keys ed25519-generate --out ~/.config/model-ledger/checkpoint-signing.pem
                  ledger keys vkey ~/.config/model-ledger/checkpoint-signing.pub.pem
                """,
            subcommands: [List.self, Rotate.self, GenerateEd25519.self, Vkey.self]
        )
    }
}
