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
        let request = result.request
        if format == .json {
            Console.out(
                JSONValue.object([
                    "request_seq": .integer(request.seq),
                    "resolution_seq": .integer(result.resolution.seq),
                    "outcome": .string(result.outcome.rawValue),
                    "model": request.model.map { .string($0) } ?? .null,
                    "retrain_job_id": request.retrainJobID.map { .string($0) } ?? .null,
                    "ledger_id": .string(result.ledgerID),
                ]).prettyPrinted())
            return
        }
        Console.out(
            DisplayText.terminal(
                "resolved switch seq \(request.seq) (\(request.model ?? "?") → \(request.retrainJobID ?? "?")) as \(result.outcome.rawValue); ledger seq \(result.resolution.seq)"
            ))
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
        let entry = created.entry
        guard let out = created.out else {
            FileHandle.standardOutput.write(Data(created.statement.utf8))
            return
        }
        if format == .json {
            Console.out(
                JSONValue.object([
                    "ledger_id": .string(entry.ledgerID), "seq": .integer(entry.seq), "mac": .string(entry.mac),
                    "path": .string(out), "local_copy": .string(created.localCopy), "signed": .bool(created.signed),
                ]).prettyPrinted())
            return
        }
        Console.out("checkpoint of seq \(entry.seq) (mac \(entry.mac)) written to \(DisplayText.terminal(out))\(created.signed ? ", Ed25519-signed" : "")")
        Console.note("Keep it outside the database; check with: ledger verify --checkpoint \(out)")
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
