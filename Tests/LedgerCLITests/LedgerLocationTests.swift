import Foundation
import LedgerTestSupport
import LedgerWorkflows
import Testing

/// Where an installation keeps its checkpoint copy and verified mark: beside the key file.
@Suite("Ledger location")
struct LedgerLocationTests {
    @Test("a bare key file name keeps checkpoints and marks in the current directory, not at the filesystem root")
    func bareKeyFileName() {
        let location = LedgerLocation(databasePath: "ledger.sqlite", keyFilePath: "ledger.key")
        #expect(location.verifiedMarkPath(ledgerID: "x") == "./verified/x.json")
        #expect(location.localCheckpointPath(ledgerID: "x") == "./checkpoints/x.json")
        let nested = LedgerLocation(databasePath: "/a/ledger.sqlite", keyFilePath: "/etc/ml/ledger.key")
        #expect(nested.verifiedMarkPath(ledgerID: "x") == "/etc/ml/verified/x.json")
    }
}
