import Foundation
import LedgerCore
import LedgerWorkflows

/// How the ledger-writing commands without a service call (`init`, `resolve`, `keys`, `checkpoint`)
/// present their results. Values from the ledger, the user or a file are shown escaped in text.
enum WriteOutput {
    /// `ledger init`.
    static func print(_ created: CreatedLedger, location: LedgerLocation, format: TextOrJSON) {
        let dbPath = location.databasePath, keyPath = location.keyFilePath, first = created.first
        switch format {
        case .json:
            Console.out(
                JSONValue.object([
                    "ledger_id": .string(created.store.ledgerID),
                    "db": .string(dbPath),
                    "key_file": .string(keyPath),
                    "key_file_created": .bool(created.keyFileCreated),
                    "key_id": .string(created.keyID),
                    "seq": .integer(first.seq),
                ]).prettyPrinted())
        case .text:
            Console.out("Created ledger \(created.store.ledgerID)")
            Console.out("  database  \(DisplayText.terminal(dbPath))")
            Console.out("  key file  \(DisplayText.terminal(keyPath)) (\(created.keyFileCreated ? "new, mode 0600" : "existing"))")
            Console.out("  key_id    \(created.keyID)")
            Console.out("  entry     seq \(first.seq) \(first.kind) at \(first.recordedAt) by \(DisplayText.terminal(first.actor))")
            Console.out("")
            Console.out(
                Console.styled("Back up the key file separately from the database:", .bold)
                    + " without it the ledger cannot be verified, and whoever holds it can sign entries.")
        }
    }

    /// `ledger resolve`.
    static func print(_ result: ResolveResult, format: TextOrJSON) {
        print(resolveDocument: ResolvePresentation.document(result), format: format)
    }

    /// `ledger resolve`, from its document (``ResolvePresentation/document(_:)`` or a service's answer).
    static func print(resolveDocument document: JSONValue, format: TextOrJSON) {
        if format == .json {
            Console.out(document.prettyPrinted())
            return
        }
        let requestSeq = document["request_seq"]?.integerValue ?? 0, resolutionSeq = document["resolution_seq"]?.integerValue ?? 0
        let model = document["model"]?.stringValue ?? "?", job = document["retrain_job_id"]?.stringValue ?? "?"
        let outcome = document["outcome"]?.stringValue ?? "?"
        Console.out(DisplayText.terminal("resolved switch seq \(requestSeq) (\(model) → \(job)) as \(outcome); ledger seq \(resolutionSeq)"))
    }

    /// `ledger keys rotate` (key ids only, never key material).
    static func print(_ rotation: KeyRotation, format: TextOrJSON) {
        switch format {
        case .json:
            Console.out(
                JSONValue.object([
                    "old_key_id": .string(rotation.oldKeyID), "new_key_id": .string(rotation.newKeyID), "seq": .integer(rotation.seq),
                    "key_file": .string(rotation.keyFilePath), "ledger_id": .string(rotation.ledgerID),
                ]).prettyPrinted())
        case .text:
            Console.out("rotated: new active key \(rotation.newKeyID) (was \(rotation.oldKeyID)); key.rotated recorded at seq \(rotation.seq)")
        }
        Console.note("Back up \(rotation.keyFilePath) again: it now holds \(rotation.newKeyID).")
    }

    /// `ledger keys list`.
    static func print(_ keys: [KeyListing], format: TextOrJSON) {
        let rows: [JSONValue] = keys.map { key in
            var row: [String: JSONValue] = [
                "key_id": .string(key.keyID), "active": .bool(key.active), "entries": .integer(key.entries),
                "first_seq": key.seqRange.map { .integer($0.lowerBound) } ?? .null,
                "last_seq": key.seqRange.map { .integer($0.upperBound) } ?? .null,
            ]
            if key.missing { row["missing"] = true }
            return .object(row)
        }
        switch format {
        case .json:
            Console.out(JSONValue.array(rows).prettyPrinted())
        case .text:
            Console.out("KEY_ID            STATUS   ENTRIES  SEQ RANGE")
            for key in keys {
                let status = key.missing ? "MISSING" : (key.active ? "active" : "retired")
                let range = key.seqRange.map { "\($0.lowerBound)…\($0.upperBound)" } ?? "-"
                Console.out(
                    "\(key.keyID)  \(status.padding(toLength: 8, withPad: " ", startingAt: 0)) \(String(key.entries).padding(toLength: 8, withPad: " ", startingAt: 0)) \(range)"
                )
            }
        }
    }

    /// `ledger checkpoint [create]`: the statement itself on stdout without --out.
    static func print(_ created: CreatedCheckpoint, format: TextOrJSON) {
        print(checkpointDocument: CheckpointPresentation.document(created), format: format)
    }

    /// `ledger checkpoint [create]` from its document (``CheckpointPresentation/document(_:)`` or a
    /// service's answer): the statement on stdout when it was not written to a file, else the summary
    /// (JSON: the document without the note members when there is no note), then the note's lines.
    static func print(checkpointDocument document: JSONValue, format: TextOrJSON) {
        guard let out = document["path"]?.stringValue else {
            FileHandle.standardOutput.write(Data((document["statement"]?.stringValue ?? "").utf8))
            TransparencyOutput.printNoteLines(document, toStdout: false)
            return
        }
        if format == .json {
            Console.out(document.prettyPrinted())
            return
        }
        let seq = document["seq"]?.integerValue ?? 0, mac = DisplayText.terminal(document["mac"]?.stringValue ?? "?")
        let signed = document["signed"] == .bool(true)
        Console.out("checkpoint of seq \(seq) (mac \(mac)) written to \(DisplayText.terminal(out))\(signed ? ", Ed25519-signed" : "")")
        Console.note("Keep it outside the database; check with: ledger verify --checkpoint \(out)")
        TransparencyOutput.printNoteLines(document, toStdout: true)
    }

    /// `ledger checkpoint verify`.
    static func print(_ verification: CheckpointVerification, file: String, format: TextOrJSON) {
        let checkpoint = verification.checkpoint, result = verification.authenticity
        var how = result.summary
        if result.hmac == .valid { how = how.replacingOccurrences(of: "HMAC valid", with: "HMAC valid (key \(checkpoint.keyID))") }
        let subject = "ledger \(checkpoint.ledgerID) seq \(checkpoint.seq) mac \(checkpoint.mac) at \(checkpoint.recordedAt)"
        if format == .json {
            Console.out(
                JSONValue.object([
                    "verdict": .string(verification.verdict.rawValue), "authentic": .bool(result.failure == nil),
                    "hmac": json(result.hmac), "ed25519": json(result.ed25519),
                    "failure": result.failure.map { .string($0) } ?? .null, "summary": .string(result.summary),
                    "file": .string(file), "ledger_id": .string(checkpoint.ledgerID), "seq": .integer(checkpoint.seq),
                    "mac": .string(checkpoint.mac), "recorded_at": .string(checkpoint.recordedAt), "key_id": .string(checkpoint.keyID),
                ]).prettyPrinted())
        } else if let failure = result.failure {
            Console.out(Console.styled("NOT AUTHENTIC", .red) + ": \(how) — \(failure); for \(subject)")
        } else {
            Console.out(Console.styled(verification.verdict.rawValue, .green) + ": \(how), for \(subject)")
        }
    }

    /// One signature check as JSON: `{"result": "valid"|"invalid"|"not_checked"|"absent", "reason": …}`.
    static func json(_ check: CheckpointAuthenticity.Check) -> JSONValue {
        switch check {
        case .valid: .object(["result": .string("valid"), "reason": .null])
        case .invalid(let why): .object(["result": .string("invalid"), "reason": .string(why)])
        case .notChecked(let why): .object(["result": .string("not_checked"), "reason": .string(why)])
        case .absent: .object(["result": .string("absent"), "reason": .null])
        }
    }
}
