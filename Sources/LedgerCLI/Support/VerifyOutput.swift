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
        let document = VerifyPresentation.document(report, db: store.path, notes: noteReport, checkpointStatements: plan.statements.count)
        VerifyOutput.print(document: document, format: format, maxFindings: maxFindings)
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
        let document = VerifyPresentation.document(report, db: path, notes: notes, checkpointStatements: statements)
        VerifyOutput.print(document: document, format: .text, maxFindings: maxFindings)
    }

    /// The text report of `ledger verify --bundle` for a bundle without proofs, checked with the key file.
    func printBundleText(_ report: BundleVerificationReport) {
        BundleProofOutput.printText(report, maxFindings: maxFindings, proofs: false)
    }
}

/// How `ledger verify` (of the database) presents its document (``LedgerPresentation/VerifyPresentation``).
enum VerifyOutput {
    /// Prints a verify document (``VerifyPresentation/document(_:db:notes:checkpointStatements:)`` or a
    /// service's answer): JSON as it is, or the text report with at most `maxFindings` findings.
    static func print(document: JSONValue, format: TextOrJSON, maxFindings: Int) {
        guard format == .text else {
            Console.out(document.prettyPrinted())
            return
        }
        // Everything read from the database is shown escaped: a tampered row may hold anything.
        let safe = DisplayText.terminal
        let string = { (key: String) in document[key]?.stringValue }, integer = { (key: String) in document[key]?.integerValue }
        let array = { (key: String) -> [JSONValue] in
            if case .array(let values) = document[key] { return values }
            return []
        }
        Console.out("ledger      \(safe(string("ledger_id") ?? "?"))  (\(safe(string("db") ?? "?")))")
        if let head = integer("head_seq") {
            Console.out(
                "entries     \((integer("entries") ?? 0).formatted()) (head seq \(head)), \(safe(string("first_recorded_at") ?? "?")) → \(safe(string("last_recorded_at") ?? "?"))"
            )
            Console.out("head mac    \(safe(string("head_mac") ?? "?"))")
        }
        let keys = array("keys").map { key in
            "\(safe(key["key_id"]?.stringValue ?? "?")) (\((key["rows"]?.integerValue ?? 0).formatted()) entries)"
        }
        Console.out("keys        " + (keys.isEmpty ? "none" : keys.joined(separator: ", ")))
        let unresolved = array("unresolved_switches").compactMap(\.integerValue)
        if unresolved.isEmpty {
            Console.out("unresolved  none")
        } else {
            Console.out(
                "unresolved  \(unresolved.count) switch(es) with outcome unknown — unresolved: seq " + unresolved.map(String.init).joined(separator: ", "))
        }
        if let statements = integer("checkpoint_statements"), statements > 0 {
            Console.out("checkpoints \(integer("checkpoints_matched") ?? 0) of \(statements) matched")
        }
        if case .array(let notes) = document["notes"] {
            for line in TransparencyOutput.noteLines(notes, headSeq: integer("notes_head_seq") ?? 0) { Console.out(line) }
        }
        for warning in array("warnings").compactMap(\.stringValue) { Console.out(Console.styled("warning     \(safe(warning))", .yellow)) }
        Console.out("time        \(String(format: "%.2f", Double(integer("elapsed_ms") ?? 0) / 1000)) s")
        if document["intact"] == .bool(true) {
            Console.out(Console.styled("result      INTACT: every entry verifies", .green))
            return
        }
        let findingCount = Int(integer("finding_count") ?? 0)
        Console.out(Console.styled("result      TAMPERED: \(findingCount) finding(s)", .red))
        for finding in array("findings").prefix(maxFindings) {
            let seq = finding["seq"]?.integerValue.map(String.init) ?? "?"
            Console.out("  seq \(seq)\t\(safe(finding["kind"]?.stringValue ?? "?"))\t\(safe(finding["message"]?.stringValue ?? ""))")
        }
        if findingCount > maxFindings {
            Console.out("  … and \(findingCount - maxFindings) more (use --format json or --max-findings)")
        }
    }
}
