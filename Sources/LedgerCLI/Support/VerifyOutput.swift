import ArgumentParser
import Foundation
import LedgerCore
import LedgerWorkflows

/// The `--checkpoint` files of `ledger verify`, sorted by kind, and the public key.
struct CheckpointPlan {
    /// JSON statements (checked with the HMAC key, and their Ed25519 signature with the key).
    var statements: [String] = []
    /// C2SP signed notes (checked with the public key; the tree recomputed from the rows).
    var notes: [String] = []
    /// The `--public-key` file, when given.
    var key: PublicKeyFile?
    /// Notes only, and no key file named: the HMAC chain is not checked (no key needed).
    var publicOnly = false
}

extension Ledger.Verify {
    /// Sorts the --checkpoint files by content and reads the public key.
    func checkpointPlan() throws -> CheckpointPlan {
        var plan = CheckpointPlan()
        for path in checkpoints {
            switch try CheckpointFileKind.of(path: path) {
            case .statement: plan.statements.append(path)
            case .note: plan.notes.append(path)
            }
        }
        if let publicKey {
            guard !checkpoints.isEmpty else {
                throw CLIError(message: "--public-key checks checkpoint signatures: pass it with --checkpoint FILE.", exitCode: .usage)
            }
            plan.key = try PublicKeyFile.load(path: publicKey)
        }
        if let note = plan.notes.first, plan.key == nil {
            throw CLIError(message: "\(note) is a signed checkpoint note: check it with --public-key (a vkey string or a PEM).", exitCode: .usage)
        }
        let explicitKeyFile = options.keyFile != nil || !(ProcessInfo.processInfo.environment["LEDGER_KEY_FILE"] ?? "").isEmpty
        plan.publicOnly = !plan.notes.isEmpty && plan.statements.isEmpty && !explicitKeyFile
        if plan.publicOnly, from != nil || to != nil {
            throw CLIError(
                message: "--from/--to pick the range of the HMAC chain check; notes are checked over their whole tree: pass --key-file to check a range too.",
                exitCode: .usage)
        }
        return plan
    }

    /// Progress of the tree recomputation, on stderr.
    var treeProgress: (Int64) -> Void { { n in Console.progress("recomputing the tree… \(n.formatted()) entries") } }

    /// `ledger verify --public-key K --checkpoint NOTE…` with no key file: the notes against the rows.
    /// The database verified with the key file (and, with notes and a public key, against the notes
    /// too), printed in `format`; returns the report (findings of both).
    func verifyDatabase(_ plan: CheckpointPlan) throws -> VerificationReport {
        let ring = try options.loadKeys()
        let store = try options.openForReading()
        var report = try makeVerifier(keyRing: ring, plan: plan).verify(store)
        Console.endProgress()
        var noteReport: LedgerNoteReport?
        if let key = plan.key, !plan.notes.isEmpty {
            let notes = try NoteService.verifyLedger(store, notes: plan.notes, key: key, progress: treeProgress)
            Console.endProgress()
            let findings = TransparencyOutput.findings(notes)
            report.findingCount += findings.count
            report.findings += findings.prefix(max(0, max(1000, maxFindings) - report.findings.count))
            noteReport = notes
        }
        if report.isWrongKeyFile {
            throw WrongKeyFile.error(
                whose: "the ledger's keys", keyIDs: report.unknownKeyUsage.map(\.keyID),
                more: report.unknownKeyUsage.count >= VerificationReport.unknownKeyLimit, keyFile: ring.path)
        }
        switch format {
        case .json:
            var json = report.jsonValue.objectValue ?? [:]
            json["db"] = .string(store.path)
            if let noteReport { json["notes"] = .array(noteReport.notes.map(TransparencyOutput.json)) }
            Console.out(JSONValue.object(json).prettyPrinted())
        case .text:
            printText(report, path: store.path, statements: plan.statements.count, notes: noteReport)
        }
        return report
    }

    func verifyPublicOnly(_ plan: CheckpointPlan) throws {
        guard let key = plan.key else { return }
        let store = try options.openForReading()
        let report = try NoteService.verifyLedger(store, notes: plan.notes, key: key, progress: treeProgress)
        Console.endProgress()
        TransparencyOutput.printPublic(report, path: store.path, format: format, maxFindings: maxFindings)
        if !report.isIntact { throw ExitCode(LedgerExitCode.tampered.rawValue) }
    }

    /// The chain checker for the flags: range, JSON checkpoints (read here), their public key, progress on stderr.
    func makeVerifier(keyRing ring: KeyRing, plan: CheckpointPlan) throws -> Verifier {
        var verifier = Verifier(keyRing: ring, findingLimit: max(1000, maxFindings))
        if from != nil || to != nil { verifier.range = (from ?? 1)...(to ?? Int64.max) }
        verifier.checkpoints = try plan.statements.map { ($0, try LedgerCore.Checkpoint.load(path: $0)) }
        if let key = plan.key, !plan.statements.isEmpty {
            verifier.checkpointPublicKeyPEM = key.pem
        }
        verifier.progress = { n in Console.progress("verifying… \(n.formatted()) entries") }
        return verifier
    }

    /// The text report of `ledger verify`.
    func printText(_ report: VerificationReport, path: String, statements: Int, notes: LedgerNoteReport?) {
        // Everything read from the database is shown escaped: a tampered row may hold anything.
        let safe = DisplayText.terminal
        Console.out("ledger      \(safe(report.ledgerID ?? "?"))  (\(safe(path)))")
        if let head = report.headSeq {
            Console.out(
                "entries     \(report.entries.formatted()) (head seq \(head)), \(safe(report.firstRecordedAt ?? "?")) → \(safe(report.lastRecordedAt ?? "?"))")
            Console.out("head mac    \(safe(report.headMac ?? "?"))")
        }
        Console.out(
            "keys        "
                + (report.keyUsage.isEmpty ? "none" : report.keyUsage.map { "\(safe($0.keyID)) (\($0.rows.formatted()) entries)" }.joined(separator: ", ")))
        if report.unresolvedSwitches.isEmpty {
            Console.out("unresolved  none")
        } else {
            Console.out(
                "unresolved  \(report.unresolvedSwitches.count) switch(es) with outcome unknown — unresolved: seq "
                    + report.unresolvedSwitches.map(String.init).joined(separator: ", "))
        }
        if statements > 0 {
            Console.out("checkpoints \(report.checkpointsMatched) of \(statements) matched")
        }
        if let notes {
            for line in TransparencyOutput.noteLines(notes) { Console.out(line) }
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

    /// The text report of `ledger verify --bundle` for a bundle without proofs, checked with the key file.
    func printBundleText(_ report: BundleVerificationReport) {
        BundleProofOutput.printText(report, maxFindings: maxFindings, proofs: false)
    }
}
