import ArgumentParser
import LedgerCore

extension Ledger.Verify {
    /// `ledger verify --bundle FILE`: verifies an evidence bundle without the database.
    func verifyBundle(at path: String) throws {
        throw CLIError(message: "verifying evidence bundles is not available yet", exitCode: .usage)
    }
}
