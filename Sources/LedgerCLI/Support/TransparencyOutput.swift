import ArgumentParser
import Foundation
import LedgerCore
import LedgerWorkflows

/// Runs a transparency command body: ``TransparencyError`` and ``SignedNoteError`` become one line
/// on stderr and a documented exit code (64 usage, 78 unusable public key, 4 TSA failure,
/// 2 not authentic, 74 otherwise); everything else as ``runReportingErrors(_:)``.
func runReportingTransparencyErrors(_ body: () async throws -> Void) async throws {
    try await runReportingErrors {
        do {
            try await body()
        } catch let error as TransparencyError {
            throw CLIError(message: error.description, exitCode: error.exitCode)
        } catch let error as SignedNoteError {
            throw CLIError(message: error.description, exitCode: .tampered)
        } catch let error as MerkleError {
            throw CLIError(message: error.description, exitCode: .usage)
        }
    }
}

/// Presentation of signed notes, proofs and time-stamps (everything read from a file or the
/// database is shown escaped).
enum TransparencyOutput {
    static let safe = DisplayText.terminal

    static func base64(_ hash: TreeHash) -> String { Data(hash).base64EncodedString() }

    /// After `ledger checkpoint --note`: the note, its vkey and the token. Without `--out` the
    /// statement is stdout, so these lines go to stderr.
    static func print(_ created: CreatedCheckpoint, format: TextOrJSON) {
        WriteOutput.print(created, format: format)
    }

    /// The note lines of a checkpoint document (nothing without a note), on stdout or stderr.
    static func printNoteLines(_ document: JSONValue, toStdout: Bool) {
        guard let path = document["note"]?.stringValue else { return }
        func line(_ text: String) { toStdout ? Console.out(text) : Console.note(text) }
        let size = document["tree_size"]?.integerValue ?? 0, root = document["root_hash"]?.stringValue ?? "?"
        line("signed note of the tree of \(size) entries (root \(safe(root))) written to \(safe(path))")
        line("verifier key (vkey): \(safe(document["vkey"]?.stringValue ?? "?"))")
        if let stamp = document["time_stamp"], let stampPath = stamp["path"]?.stringValue {
            line(
                "RFC 3161 time-stamp (genTime \(safe(stamp["gen_time"]?.stringValue ?? "?"))) written to \(safe(stampPath))"
                    + (stamp["verified"] == .bool(true) ? ", verified against the TSA CA" : ", NOT verified (no --tsa-ca)"))
        }
    }

    /// The note members of `ledger checkpoint --format json --out`.
    static func json(_ note: WrittenNote) -> [String: JSONValue] { CheckpointPresentation.noteMembers(note) }

    /// `ledger checkpoint verify --note`.
    static func print(_ result: NoteFileVerification, format: TextOrJSON) {
        let check = result.check, c = check.checkpoint
        if format == .json {
            var object: [String: JSONValue] = [
                "verdict": .string(result.verdict.rawValue), "authentic": .bool(result.verdict != .notAuthentic),
                "file": .string(check.path), "failure": result.failure.map { .string($0) } ?? .null,
                "signature": .object(["result": .string(check.isAuthentic ? "valid" : "invalid"), "key_name": check.keyName.map { .string($0) } ?? .null]),
            ]
            object["origin"] = c.map { .string($0.origin) } ?? .null
            object["tree_size"] = c.map { .integer($0.size) } ?? .null
            object["root_hash"] = c.map { .string(base64($0.rootHash)) } ?? .null
            object["ledger_head"] = c?.ledgerHead.map { .object(["seq": .integer($0.seq), "mac": .string($0.mac)]) } ?? .null
            object["time"] = c?.time.map { .string($0) } ?? .null
            var stamp: [String: JSONValue] = ["path": .string(result.tokenPath), "present": .bool(result.tokenPresent)]
            if let t = result.timeStamp {
                stamp["result"] = .string(t.isValid ? "valid" : "invalid")
                stamp["gen_time"] = t.genTime.map { .string($0) } ?? .null
                stamp["reason"] = t.failure.map { .string($0) } ?? .null
            } else {
                stamp["result"] = .string(result.tokenPresent ? "not_checked" : "absent")
            }
            object["time_stamp"] = .object(stamp)
            Console.out(JSONValue.object(object).prettyPrinted())
            return
        }
        let subject =
            c.map {
                "origin \(safe($0.origin)) tree size \($0.size) root \(base64($0.rootHash))"
                    + ($0.ledgerHead.map { " (ledger-head seq \($0.seq))" } ?? "") + ($0.time.map { " at \(safe($0))" } ?? "")
            } ?? safe(check.path)
        if let failure = result.failure {
            Console.out(Console.styled("NOT AUTHENTIC", .red) + ": \(safe(failure)); for \(subject)")
            return
        }
        var how = "signature by \(safe(check.keyName ?? "?")) valid"
        if let stamp = result.timeStamp {
            how += ", RFC 3161 time-stamp valid (genTime \(safe(stamp.genTime ?? "?")), chains to the TSA CA)"
        } else if result.tokenPresent {
            how += ", time-stamp \(safe(result.tokenPath)) NOT checked (pass --tsa-ca)"
        }
        Console.out(Console.styled(result.verdict.rawValue, .green) + ": \(how), for \(subject)")
    }

    /// A note's row in `ledger verify` JSON.
    static func json(_ match: NoteMatch) -> JSONValue { VerifyPresentation.noteDocument(match) }

    /// The note lines of `ledger verify` text output.
    static func noteLines(_ report: LedgerNoteReport) -> [String] {
        noteLines(report.notes.map(VerifyPresentation.noteDocument), headSeq: report.headSeq)
    }

    /// The note lines of `ledger verify` text output, from the notes' rows of the document and the
    /// ledger's head when they were checked.
    static func noteLines(_ notes: [JSONValue], headSeq: Int64) -> [String] {
        var lines: [String] = []
        for note in notes {
            let what =
                note["tree_size"]?.integerValue.map { "tree size \($0), root \(safe(note["root_hash"]?.stringValue ?? "?"))" } ?? "unreadable"
            lines.append(
                "note        \(safe(note["file"]?.stringValue ?? "?")): \(what) — "
                    + (note["matched"] == .bool(true) ? "matches (signature valid, root recomputed from the rows)" : "DOES NOT MATCH"))
        }
        let sizes = notes.filter { $0["matched"] == .bool(true) }.compactMap { $0["tree_size"]?.integerValue }.sorted()
        if sizes.count >= 2 {
            lines.append(
                "consistency the trees of sizes \(sizes.map(String.init).joined(separator: " ≤ ")) were all recomputed from the same rows: each extends the one before (append-only)"
            )
        }
        let intact = notes.allSatisfy { $0["matched"] == .bool(true) }
        if let last = sizes.last, intact, last < headSeq {
            lines.append("coverage    entries \(last + 1)…\(headSeq) are covered by no note (only the HMAC chain covers them)")
        }
        return lines
    }

    /// A note finding as a verification finding (the note's size as its seq).
    static func findings(_ report: LedgerNoteReport) -> [Finding] {
        report.notes.compactMap { match in
            match.finding.map { Finding(seq: match.check.checkpoint?.size ?? 0, kind: .checkpointMismatch, message: $0) }
        }
    }

    /// `ledger verify --public-key K --checkpoint NOTE…` without a key file.
    static func printPublic(_ report: LedgerNoteReport, path: String, format: TextOrJSON, maxFindings: Int) {
        let findings = findings(report)
        if format == .json {
            Console.out(
                JSONValue.object([
                    "intact": .bool(report.isIntact), "mode": .string("public_key"), "ledger_id": .string(report.ledgerID), "db": .string(path),
                    "head_seq": .integer(report.headSeq), "entries_hashed": .integer(report.entriesHashed),
                    "notes": .array(report.notes.map(json)), "finding_count": .integer(Int64(findings.count)),
                    "findings": .array(findings.map(\.jsonValue)), "milliseconds": .integer(Int64(report.seconds * 1000)),
                ]).prettyPrinted())
            return
        }
        Console.out("ledger      \(safe(report.ledgerID))  (\(safe(path)))")
        Console.out(
            "entries     head seq \(report.headSeq); entries 1…\(report.entriesHashed) hashed (RFC 6962 tree recomputed from the rows; no HMAC key used)")
        for line in noteLines(report) { Console.out(line) }
        Console.out("time        \(String(format: "%.2f", report.seconds)) s")
        if report.isIntact {
            Console.out(
                Console.styled("result      INTACT up to seq \(report.entriesHashed): every note is authentic and its root recomputes from the rows", .green))
            return
        }
        Console.out(Console.styled("result      TAMPERED: \(findings.count) finding(s)", .red))
        for finding in findings.prefix(maxFindings) {
            Console.out("  seq \(finding.seq.map(String.init) ?? "?")\t\(finding.kind.rawValue)\t\(safe(finding.message))")
        }
    }

    /// One inclusion proof as JSON.
    static func json(_ proof: InclusionProof) -> JSONValue {
        .object([
            "seq": .integer(proof.seq), "leaf_index": .integer(proof.leafIndex), "tree_size": .integer(proof.treeSize),
            "leaf_hash": .string(base64(proof.leafHash)), "inclusion_proof": .array(proof.path.map { .string(base64($0)) }),
            "root_hash": .string(base64(proof.root)), "verifies": .bool(proof.verifies),
        ])
    }

    /// `ledger tree proof`.
    static func print(_ proof: InclusionProof, format: TextOrJSON) {
        if format == .json {
            Console.out(json(proof).prettyPrinted())
            return
        }
        Console.out("seq         \(proof.seq) (leaf index \(proof.leafIndex)) in the tree of \(proof.treeSize) entries")
        Console.out("leaf hash   \(base64(proof.leafHash))")
        Console.out("root        \(base64(proof.root))")
        Console.out("proof       \(proof.path.count) hash(es), from the leaf's sibling upwards:")
        for hash in proof.path { Console.out("  \(base64(hash))") }
        Console.out(
            proof.verifies
                ? Console.styled("result      the path leads from the leaf to the root (RFC 9162 §2.1.3.2)", .green)
                : Console.styled(
                    "result      the path does NOT lead to the root: the stored tree state is damaged or the entry was altered (ledger tree rebuild)", .red))
    }

    /// `ledger tree consistency`.
    static func print(_ result: NoteConsistency, format: TextOrJSON) {
        let a = result.old.checkpoint, b = result.new.checkpoint
        if format == .json {
            Console.out(
                JSONValue.object([
                    "consistent": .bool(result.isConsistent), "from": .string(result.old.path), "to": .string(result.new.path),
                    "old_size": a.map { .integer($0.size) } ?? .null, "new_size": b.map { .integer($0.size) } ?? .null,
                    "old_root": a.map { .string(base64($0.rootHash)) } ?? .null, "new_root": b.map { .string(base64($0.rootHash)) } ?? .null,
                    "consistency_proof": .array(result.proof.map { .string(base64($0)) }),
                    "failure": result.failure.map { .string($0) } ?? .null,
                ]).prettyPrinted())
            return
        }
        if let failure = result.failure {
            Console.out(Console.styled("NOT CONSISTENT", .red) + ": \(safe(failure))")
            return
        }
        Console.out(
            Console.styled("CONSISTENT", .green)
                + ": the tree of \(b?.size ?? 0) entries (\(safe(result.new.path))) extends the tree of \(a?.size ?? 0) entries (\(safe(result.old.path))); both signatures valid, consistency proof of \(result.proof.count) hash(es) verified (RFC 9162 §2.1.4.2)"
        )
        for hash in result.proof { Console.out("  \(base64(hash))") }
    }
}

/// Runs a library check inside `validate()`: a ``TransparencyError`` becomes a `ValidationError` (exit 64).
func validating(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as TransparencyError {
        throw ValidationError(error.description)
    }
}
