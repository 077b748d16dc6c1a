import Foundation
import LedgerCore

extension Ledger.Verify {
    /// The chain checker for the flags: range, checkpoints (read here), their public key, progress on stderr.
    func makeVerifier(keyRing ring: KeyRing) throws -> Verifier {
        var verifier = Verifier(keyRing: ring, findingLimit: max(1000, maxFindings))
        if from != nil || to != nil { verifier.range = (from ?? 1)...(to ?? Int64.max) }
        verifier.checkpoints = try checkpoints.map { ($0, try LedgerCore.Checkpoint.load(path: $0)) }
        if let publicKey {
            guard !checkpoints.isEmpty else {
                throw CLIError(message: "--public-key checks checkpoint signatures: pass it with --checkpoint FILE.", exitCode: .usage)
            }
            guard let pem = FileManager.default.contents(atPath: publicKey) else {
                throw LedgerError.io(path: publicKey, reason: "cannot read the public key")
            }
            verifier.checkpointPublicKeyPEM = String(decoding: pem, as: UTF8.self)
        }
        verifier.progress = { n in Console.progress("verifying… \(n.formatted()) entries") }
        return verifier
    }

    /// The text report of `ledger verify`.
    func printText(_ report: VerificationReport, path: String) {
        // Everything read from the database is shown escaped: a tampered row may hold anything.
        let safe = DisplayText.terminal
        Console.out("ledger      \(safe(report.ledgerID ?? "?"))  (\(safe(path)))")
        if let head = report.headSeq {
            Console.out("entries     \(report.entries.formatted()) (head seq \(head)), \(safe(report.firstRecordedAt ?? "?")) → \(safe(report.lastRecordedAt ?? "?"))")
            Console.out("head mac    \(safe(report.headMac ?? "?"))")
        }
        Console.out("keys        " + (report.keyUsage.isEmpty ? "none" : report.keyUsage.map { "\(safe($0.keyID)) (\($0.rows.formatted()) entries)" }.joined(separator: ", ")))
        if report.unresolvedSwitches.isEmpty {
            Console.out("unresolved  none")
        } else {
            Console.out("unresolved  \(report.unresolvedSwitches.count) switch(es) with outcome unknown — unresolved: seq "
                + report.unresolvedSwitches.map(String.init).joined(separator: ", "))
        }
        if !checkpoints.isEmpty {
            Console.out("checkpoints \(report.checkpointsMatched) of \(checkpoints.count) matched")
        }
        for warning in report.warnings { Console.out(Console.styled("warning     \(safe(warning))", .yellow)) }
        Console.out("time        \(String(format: "%.2f", report.seconds)) s")
        if report.isIntact {
            Console.out(Console.styled("result      INTACT: every entry verifies", .green))
            return
        }
        Console.out(Console.styled("result      TAMPERED: \(report.findingCount) finding(s)", .red))
        for finding in report.findings.prefix(maxFindings) {
            Console.out("  seq \(finding.seq.map(String.init) ?? "?")\t\(finding.kind.rawValue)\t\(safe(finding.message))")
        }
        if report.findingCount > maxFindings {
            Console.out("  … and \(report.findingCount - maxFindings) more (use --format json or --max-findings)")
        }
    }

    /// The text report of `ledger verify --bundle`.
    func printBundleText(_ report: BundleVerificationReport) {
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
            Console.out("  line \(finding.line.map(String.init) ?? "?")\tseq \(finding.seq.map(String.init) ?? "?")\t\(finding.kind.rawValue)\t\(safe(finding.message))")
        }
        if report.findingCount > maxFindings {
            Console.out("  … and \(report.findingCount - maxFindings) more (use --format json or --max-findings)")
        }
    }
}
