import ArgumentParser
import Foundation
import LedgerCore
import LedgerWorkflows

extension Ledger.Keys {
    /// `ledger keys vkey PUB.pem`: the C2SP verifier key string of an Ed25519 public key.
    struct Vkey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "vkey",
            abstract: "Print the C2SP vkey string (one line) of an Ed25519 public key, for auditors.",
            discussion: """
                A vkey is `<name>+<8 hex digits of key hash>+<base64(0x01 || public key)>`: the
                form transparency-log tools (and every --public-key of this CLI) take. The name is
                the key name of the signed notes it checks, which `ledger checkpoint --note` sets to
                the note's origin: --name NAME, else `model-ledger/<ledger_id>` of the ledger at
                --db (or $LEDGER_DB, or the default database); without --name and without a
                readable ledger the command refuses (exit 64). The file may also hold a vkey
                (printed again, renamed with --name). Private keys are refused: give NAME.pub.pem.

                Exit status: 0 printed, 64 usage (no name), 74 ledger error, 78 not a public key.

                Examples:
                  ledger keys vkey ~/.config/model-ledger/checkpoint-signing.pub.pem > ledger.vkey
                  ledger keys vkey signing.pub.pem --name ledger.example.com/churn
                """)

        @Argument(help: ArgumentHelp("The Ed25519 public key (PEM) or a vkey file.", valueName: "pub.pem")) var publicKey: String
        @Option(help: ArgumentHelp("The key name (= the notes' origin; default model-ledger/<ledger_id> of --db).", valueName: "name"))
        var name: String?
        @Option(help: ArgumentHelp("The ledger whose default origin names the key (default: $LEDGER_DB, else the default database).", valueName: "path"))
        var db: String?

        func validate() throws {
            if let name { try validating { try NoteRequest.validateOrUsage(origin: name, flag: "--name") } }
        }

        func run() async throws {
            try await runReportingTransparencyErrors {
                let file = try PublicKeyFile.load(path: Paths.expand(publicKey))
                let keyName: String
                if let name {
                    keyName = name
                } else if let vkey = file.vkey {
                    keyName = vkey.name
                } else {
                    var options = LedgerOptions()
                    options.db = db
                    let path = options.databasePath
                    guard let store = try? LedgerStore.open(database: LedgerDatabase(path), writable: false) else {
                        throw CLIError(
                            message: "no --name given and no ledger readable at \(LedgerDatabase(path)): pass --name (the notes' origin) or --db",
                            exitCode: .usage)
                    }
                    keyName = TreeCheckpoint.defaultOrigin(ledgerID: store.ledgerID)
                }
                Console.out(try NoteVerifierKey(name: keyName, publicKey: file.rawPublicKey).vkey)
            }
        }
    }
}
