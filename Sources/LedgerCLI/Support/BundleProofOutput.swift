import Foundation
import LedgerCore

/// The text of `ledger verify --bundle`: with `proofs`, for bundles carrying proofs or verified with a
/// public key (checkpoint, proofs and macs lines); without, the report of a bundle checked with the key
/// file alone.
enum BundleProofOutput {
    static func printText(_ report: BundleVerificationReport, maxFindings: Int, proofs: Bool = true) {
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
            Console.out(
                "exported    \(safe(header.exportedAt)), filter: \(safe(ExportSelection(model: header.filterModel, since: header.filterSince, until: header.filterUntil).summary))"
            )
            Console.out("head        seq \(header.headSeq) at export, mac \(safe(header.headMac))")
        }
        if proofs { printProofLines(report) }
        if let header = report.header {
            Console.out(
                "matched     "
                    + (report.matchedAuthenticated
                        ? "flags authenticated (matched_digest, bundle version \(header.bundleVersion))"
                        : proofs && !report.macsChecked
                            ? "flags NOT authenticated (no key file: header_mac not checked)"
                            : header.matchedDigest == nil
                                ? "flags NOT authenticated (bundle version \(header.bundleVersion), no matched_digest)" : "flags do not match matched_digest"))
        }
        printResult(report, maxFindings: maxFindings)
    }

    /// The checkpoint, proofs and macs lines.
    private static func printProofLines(_ report: BundleVerificationReport) {
        let safe = DisplayText.terminal
        if let checkpoint = report.checkpoint {
            let signature =
                report.checkpointVerified
                ? "signature verified with the public key"
                : report.publicKeyGiven ? "signature NOT verified" : "signature not checked (no --public-key)"
            Console.out(
                "checkpoint  \(safe(checkpoint.origin)), tree of \(checkpoint.size.formatted()) entries, root \(Data(checkpoint.rootHash).base64EncodedString()): \(signature)"
            )
            Console.out("proofs      \(report.proved.formatted()) of \(report.entries.formatted()) line(s) proved in the checkpoint's tree")
        } else if report.header != nil {
            Console.out("checkpoint  none: the bundle carries no proofs")
        }
        Console.out("macs        " + (report.macsChecked ? "recomputed with the key file" : "not recomputed (no key file): the links are compared as stored"))
    }

    /// The keys and warnings lines, the verdict and the findings.
    private static func printResult(_ report: BundleVerificationReport, maxFindings: Int) {
        let safe = DisplayText.terminal
        Console.out(
            "keys        "
                + (report.keyUsage.isEmpty ? "none" : report.keyUsage.map { "\(safe($0.keyID)) (\($0.rows.formatted()) entries)" }.joined(separator: ", ")))
        for warning in report.warnings { Console.out(Console.styled("warning     \(safe(warning))", .yellow)) }
        if report.isIntact {
            if !report.macsChecked {
                Console.out(
                    Console.styled(
                        "result      INTACT: every entry is proved in the checkpoint signed by the public key, and the lines link; the header and matched flags are NOT authenticated (no key file)",
                        .green))
            } else if report.matchedAuthenticated {
                Console.out(Console.styled("result      INTACT: every line verifies and the header agrees", .green))
            } else {
                Console.out(
                    Console.styled(
                        "result      INTACT except the matched flags: every line verifies and the header agrees, but which lines matched the filter is NOT authenticated",
                        .yellow))
            }
            return
        }
        Console.out(Console.styled("result      TAMPERED: \(report.findingCount) finding(s)", .red))
        for finding in report.findings.prefix(maxFindings) {
            Console.out(
                "  line \(finding.line.map(String.init) ?? "?")\tseq \(finding.seq.map(String.init) ?? "?")\t\(finding.kind.rawValue)\t\(safe(finding.message))"
            )
        }
        if report.findingCount > maxFindings {
            Console.out("  … and \(report.findingCount - maxFindings) more (use --format json or --max-findings)")
        }
    }
}
