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

    private func printBundleText(_ report: BundleVerificationReport) {
        // Everything here comes from the bundle, which may hold anything: shown escaped.
        let safe = DisplayText.terminal
        Console.out("bundle      \(safe(report.path))")
        Console.out("ledger      \(safe(report.ledgerID ?? "?"))")
        if let first = report.firstSeq, let last = report.lastSeq {
            Console.out("entries     seq \(first)…\(last): \(report.entries.formatted()) line(s), \(report.matched.formatted()) matched the export filter")
        } else {
            Console.out("entries     none")
        }
        if let header = report.header {
            Console.out("exported    \(safe(header.exportedAt)), filter: \(safe(ExportSelection(model: header.filterModel, since: header.filterSince, until: header.filterUntil).summary))")
            Console.out("head        seq \(header.headSeq) at export, mac \(safe(header.headMac))")
            Console.out("matched     " + (report.matchedAuthenticated
                ? "flags authenticated (matched_digest, bundle version \(header.bundleVersion))"
                : header.matchedDigest == nil ? "flags NOT authenticated (bundle version \(header.bundleVersion), no matched_digest)" : "flags do not match matched_digest"))
        }
        Console.out("keys        " + (report.keyUsage.isEmpty ? "none" : report.keyUsage.map { "\(safe($0.keyID)) (\($0.rows.formatted()) entries)" }.joined(separator: ", ")))
        for warning in report.warnings { Console.out(Console.styled("warning     \(safe(warning))", .yellow)) }
        if report.isIntact {
            if report.matchedAuthenticated {
                Console.out(Console.styled("result      INTACT: every line verifies and the header agrees", .green))
            } else {
                Console.out(Console.styled(
                    "result      INTACT except the matched flags: every line verifies and the header agrees, but which lines matched the filter is NOT authenticated", .yellow))
            }
            return
        }
        Console.out(Console.styled("result      TAMPERED: \(report.findingCount) finding(s)", .red))
        for finding in report.findings.prefix(maxFindings) {
            Console.out("  line \(finding.line)\tseq \(finding.seq.map(String.init) ?? "?")\t\(finding.kind.rawValue)\t\(safe(finding.message))")
        }
        if report.findingCount > maxFindings {
            Console.out("  … and \(report.findingCount - maxFindings) more (use --format json or --max-findings)")
        }
    }
}
