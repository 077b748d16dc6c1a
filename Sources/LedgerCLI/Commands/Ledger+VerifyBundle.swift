import ArgumentParser
import Foundation
import LedgerCore

extension Ledger.Verify {
    /// `ledger verify --bundle FILE`: verifies an evidence bundle without the database.
    ///
    /// Every line's mac must recompute with the key its key_id names, each prev_mac must equal the
    /// previous line's mac, seqs must be contiguous with one ledger_id, no entry may be signed by a
    /// key an earlier key.rotated line retired, and the signed header must agree with the lines.
    /// Exit 0 when intact, 2 with every finding listed (line and seq) otherwise.
    func verifyBundle(at path: String) throws {
        let ring = try options.loadKeys()
        let report = try BundleVerifier(keyRing: ring).verify(path: Paths.expand(path))
        switch format {
        case .json:
            Console.out(report.jsonValue.prettyPrinted())
        case .text:
            printBundleText(report)
        }
        if !report.isIntact { throw ExitCode(LedgerExitCode.tampered.rawValue) }
    }

    private func printBundleText(_ report: BundleVerificationReport) {
        Console.out("bundle      \(report.path)")
        Console.out("ledger      \(report.ledgerID ?? "?")")
        if let first = report.firstSeq, let last = report.lastSeq {
            Console.out("entries     seq \(first)…\(last): \(report.entries.formatted()) line(s), \(report.matched.formatted()) matched the export filter")
        } else {
            Console.out("entries     none")
        }
        if let header = report.header {
            Console.out("exported    \(header.exportedAt), filter: \(ExportSelection(model: header.filterModel, since: header.filterSince, until: header.filterUntil).summary)")
            Console.out("head        seq \(header.headSeq) at export, mac \(header.headMac)")
        }
        Console.out("keys        " + (report.keyUsage.isEmpty ? "none" : report.keyUsage.map { "\($0.keyID) (\($0.rows.formatted()) entries)" }.joined(separator: ", ")))
        if report.isIntact {
            Console.out(Console.styled("result      INTACT: every line verifies and the header agrees", .green))
            return
        }
        Console.out(Console.styled("result      TAMPERED: \(report.findingCount) finding(s)", .red))
        for finding in report.findings.prefix(maxFindings) {
            Console.out("  line \(finding.line)\tseq \(finding.seq.map(String.init) ?? "?")\t\(finding.kind.rawValue)\t\(finding.message)")
        }
        if report.findingCount > maxFindings {
            Console.out("  … and \(report.findingCount - maxFindings) more (use --format json or --max-findings)")
        }
    }
}
