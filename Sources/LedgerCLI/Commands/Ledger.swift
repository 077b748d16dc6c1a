import ArgumentParser
import Foundation
import LedgerCore

/// The `ledger` command: an audited, tamper-evident record of every production model switch.
public struct Ledger: AsyncParsableCommand {
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

            Files (flags override environment, which overrides the config file, which
            overrides defaults; `ledger config show` lists what is in force):
              config    --config    $LEDGER_CONFIG    $XDG_CONFIG_HOME/model-ledger/config.toml (docs/config.md)
              database  --db        $LEDGER_DB        $XDG_DATA_HOME/model-ledger/ledger.sqlite
              key file  --key-file  $LEDGER_KEY_FILE  $XDG_CONFIG_HOME/model-ledger/ledger.key
              actor     --actor     $LEDGER_ACTOR     your login name

            Exit codes:
            \(LedgerExitCode.helpTable)
            """,
        version: LedgerVersion.current,
        subcommands: [
            Init.self, ConfigCommand.self, Switch.self, Propose.self, Approve.self, Decline.self, Review.self, Rollback.self, Retrain.self, Resolve.self,
            Verify.self, Log.self, Show.self, Checkpoint.self, Tree.self, Keys.self, Report.self, History.self, Export.self, Users.self, Copy.self, Serve.self,
        ]
    )

    public init() {}
}

extension Ledger {
    /// Runs the command line like `main()`, except that ArgumentParser's own error messages, which
    /// quote what was typed ("The value '…' is invalid"), are shown with control, bidi and invisible
    /// characters escaped (`DisplayText.terminal`), line by line. Help and version output are unchanged.
    public static func mainEscapingErrors() async -> Never {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            exit()
        } catch {
            let code = exitCode(for: error)
            guard code != .success else { exit(withError: error) }
            let message = fullMessage(for: error)
            if !message.isEmpty {
                let safe = message.split(separator: "\n", omittingEmptySubsequences: false)
                    .map { DisplayText.terminal(String($0)) }.joined(separator: "\n")
                FileHandle.standardError.write(Data((safe + "\n").utf8))
            }
            exit(withError: ExitCode(code.rawValue))
        }
    }
}
