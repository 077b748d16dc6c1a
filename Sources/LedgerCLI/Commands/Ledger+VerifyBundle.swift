import ArgumentParser
import Foundation
import LedgerCore

extension Ledger.Verify {
    /// `ledger verify --bundle FILE`: verifies an evidence bundle without the database.
    ///
    /// Every line's mac must recompute with the key its key_id names, each prev_mac must equal the
    /// previous line's mac, seqs must be contiguous with one ledger_id, no entry may be signed by a
    /// key an earlier key.rotated line retired, and the signed header must agree with the lines.
    /// Exit 0 when intact, 2 with every finding listed (line and seq) otherwise, 78 when the key
    /// file holds none of the keys the bundle names (the wrong key file).
    func verifyBundle(at path: String) throws {
        let ring = try options.loadKeys()
        let report = try BundleVerifier(keyRing: ring).verify(path: Paths.expand(path))
        // Every key the bundle names (its lines' and its header's): when none is in the key file,
        // nothing could be checked, and that is a configuration problem, not tampering.
        var signers = report.keyUsage.map(\.keyID)
        if let headerKey = report.header?.headerKeyID, !signers.contains(headerKey) { signers.append(headerKey) }
        if !signers.isEmpty, !ring.keys.contains(where: { signers.contains($0.id) }) {
            throw WrongKeyFile.error(whose: "the bundle's keys", keyIDs: signers, more: false, keyFile: ring.path)
        }
        switch format {
        case .json:
            Console.out(report.jsonValue.prettyPrinted())
        case .text:
            printBundleText(report)
        }
        if !report.isIntact { throw ExitCode(LedgerExitCode.tampered.rawValue) }
    }
}
