import ArgumentParser

extension Ledger {
    /// `ledger checkpoint`: external anchors against truncation.
    struct Checkpoint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "checkpoint",
            abstract: "Write a checkpoint of the ledger's head to keep outside the database, or verify one.",
            discussion: """
                A hash chain catches edits in the middle but not a ledger cut short at its tail.
                A checkpoint is a small JSON statement of the head (ledger_id, seq, mac,
                recorded_at, key_id), authenticated with HMAC-SHA256 and optionally signed with
                Ed25519. Keep it outside the database (a ticket, an e-mail, an object store);
                `ledger verify --checkpoint FILE` then fails if the ledger no longer holds it.

                Examples:
                  ledger checkpoint --out checkpoints/2026-11-29.json
                  ledger checkpoint --out cp.json --sign-key ed25519.pem
                  ledger checkpoint verify cp.json --public-key ed25519.pub.pem
                """,
            subcommands: [Create.self, VerifyFile.self],
            defaultSubcommand: Create.self
        )
    }
}
