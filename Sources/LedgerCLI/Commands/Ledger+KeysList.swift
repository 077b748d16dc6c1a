import ArgumentParser
import Foundation
import LedgerCore
import LedgerWorkflows

extension Ledger.Keys {
    /// `ledger keys list`: key ids, which is active, and which entries each signed.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List the key file's keys: id, active or retired, and the entries each signed.",
            discussion: """
                Read-only; never prints key material.

                Example:
                  ledger keys list --format json
                """)

        @OptionGroup var options: LedgerOptions
        @Option(help: "Output format: text or json.") var format: TextOrJSON = .text

        func run() async throws {
            try await runReportingErrors {
                WriteOutput.print(try KeyListing.list(options.location), format: format)
            }
        }
    }
}
