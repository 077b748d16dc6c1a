import ArgumentParser
import LedgerCore

/// The `ledger` command: an audited, tamper-evident record of every production model switch.
public struct Ledger: AsyncParsableCommand {
    public static let version = "0.1.0"

    public static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Audited model switches: every switch recorded as a signed, hash-chained ledger entry.",
        discussion: """
            A ledger is a SQLite file of HMAC-SHA256-signed, hash-chained entries (format:
            docs/ledger-format.md). `ledger verify` proves nothing was altered, inserted,
            removed or reordered.

            Getting started:
              ledger init                      # create the ledger and its key
              ledger log                       # list entries
              ledger verify                    # prove the ledger is intact

            Files (flags override environment, which overrides defaults):
              database  --db        $LEDGER_DB        $XDG_DATA_HOME/model-ledger/ledger.sqlite
              key file  --key-file  $LEDGER_KEY_FILE  $XDG_CONFIG_HOME/model-ledger/ledger.key
              actor     --actor     $LEDGER_ACTOR     your login name

            Exit codes:
            \(LedgerExitCode.helpTable)
            """,
        version: version,
        subcommands: [Init.self, Switch.self, Retrain.self, Resolve.self, Verify.self, Log.self, Show.self, Checkpoint.self, Keys.self, Report.self, History.self, Export.self]
    )

    public init() {}
}
