import Foundation
import LedgerTestSupport
import Testing

/// `ledger export` of entries that do not verify names the first bad seq as a number (it printed
/// "seq Optional(5)" once `Finding.seq` became optional).
@Suite struct ExportRefusalMessageTests {
    @Test func exportOfATamperedLedgerNamesTheSeqAsANumber() throws {
        let ledger = try TestLedger()
        try ledger.appendSample(count: 8)
        try ledger.tamper("UPDATE entries SET reason = 'edited' WHERE seq = 5")
        let result = try Binaries.ledger(["export", "--out", ledger.directory.file("b.jsonl")] + ledger.arguments)
        #expect(result.exitCode == 2, "\(result.allOutput)")
        #expect(result.stderr.contains("seq 5:"), "\(result.stderr)")
        #expect(!result.stderr.contains("Optional"), "\(result.stderr)")
    }
}
