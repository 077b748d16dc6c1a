/// The kind of an entry (`kind` column). An open set: a ledger may hold kinds this version does not
/// write (a newer writer's); they verify like any other row and round-trip unchanged.
public struct EntryKind: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    /// The stored text.
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    /// The first entry of every ledger.
    public static let ledgerCreated = EntryKind(rawValue: "ledger.created")
    /// A switch about to be called (durable before the PUT).
    public static let switchRequested = EntryKind(rawValue: "switch.requested")
    /// The switch call's answer (`ref_seq` = the request).
    public static let switchCompleted = EntryKind(rawValue: "switch.completed")
    /// An operator's record of what happened to an unresolved switch (`ref_seq` = the request).
    public static let switchResolved = EntryKind(rawValue: "switch.resolved")
    /// A job status check.
    public static let jobChecked = EntryKind(rawValue: "job.checked")
    /// A training-data upload.
    public static let jobUploaded = EntryKind(rawValue: "job.uploaded")
    /// The signing key changed (`details.new_key_id`, signed by the old key).
    public static let keyRotated = EntryKind(rawValue: "key.rotated")
    /// A checkpoint was taken.
    public static let checkpoint = EntryKind(rawValue: "checkpoint")

    /// The kinds this version writes.
    public static let known: [EntryKind] = [
        .ledgerCreated, .switchRequested, .switchCompleted, .switchResolved, .jobChecked, .jobUploaded, .keyRotated, .checkpoint,
    ]

    /// Completions of a switch request.
    public var isCompletion: Bool { self == .switchCompleted || self == .switchResolved }

    public var description: String { rawValue }
}

/// What a caller supplies for a new entry; the store adds seq, ledger_id, time, OS user, host and the signature.
public struct EntryDraft: Sendable, Equatable {
    public var kind: EntryKind
    public var model: String?
    public var apiKeyID: String?
    public var modelID: Int64?
    public var retrainJobID: String?
    public var reason: String?
    public var requestMethod: String?
    public var requestURL: String?
    public var httpStatus: Int64?
    public var responseBody: String?
    public var outcome: Outcome?
    public var errorCode: String?
    public var errorMessage: String?
    public var durationMs: Int64?
    public var refSeq: Int64?
    /// Kind-specific facts; stored as RFC 8785 canonical JSON.
    public var details: [String: JSONValue]?

    /// A draft of `kind` with every optional column empty.
    public init(kind: EntryKind) { self.kind = kind }
}

/// One row of `entries`, exactly as stored.
public struct LedgerEntry: Sendable, Equatable {
    public var seq: Int64
    public var ledgerID: String
    public var recordedAt: String
    public var kind: EntryKind
    public var actor: String
    public var osUser: String
    public var host: String
    public var model: String?
    public var apiKeyID: String?
    public var modelID: Int64?
    public var retrainJobID: String?
    public var reason: String?
    public var requestMethod: String?
    public var requestURL: String?
    public var httpStatus: Int64?
    public var responseBody: String?
    public var outcome: Outcome?
    public var errorCode: String?
    public var errorMessage: String?
    public var durationMs: Int64?
    public var refSeq: Int64?
    public var details: String?
    public var keyID: String
    public var prevMac: String
    public var mac: String
    /// The PostgreSQL role that wrote the row (`session_user`), set by a PostgreSQL writer before
    /// signing; nil for SQLite writers and rows written before the column existed (migration 0005).
    /// Like every nullable column it is signed only when set, so older rows keep their macs.
    public var dbRole: String?

    /// The columns of format version 1, in schema order (without the nullable columns added later:
    /// `optionalColumns`).
    public static let columns: [String] = [
        "seq", "ledger_id", "recorded_at", "kind", "actor", "os_user", "host", "model", "api_key_id", "model_id",
        "retrain_job_id", "reason", "request_method", "request_url", "http_status", "response_body", "outcome",
        "error_code", "error_message", "duration_ms", "ref_seq", "details", "key_id", "prev_mac", "mac",
    ]

    /// Nullable columns added after version 1 (migration 0005: `db_role`), in schema order. A row
    /// lists them in `columnValues` only when set (the format's NULL-omission rule).
    public static let optionalColumns: [String] = ["db_role"]

    /// Every column a writer stores: `columns`, then `optionalColumns`.
    public static let allColumns: [String] = columns + optionalColumns

    /// Every column's value in `allColumns` order, NULLs included (what a backend inserts).
    public var storedValues: [SQLValue] {
        baseColumnValues.map(\.value) + [dbRole.sqlValue]
    }

    /// The row's values by column, in schema order; `db_role` only when set (so that output and
    /// payloads of rows without it are what they were before the column existed).
    public var columnValues: [(name: String, value: SQLValue)] {
        var values = baseColumnValues
        if let dbRole { values.append(("db_role", .text(dbRole))) }
        return values
    }

    /// The version 1 columns' values, in schema order.
    private var baseColumnValues: [(name: String, value: SQLValue)] {
        [
            ("seq", .integer(seq)), ("ledger_id", .text(ledgerID)), ("recorded_at", .text(recordedAt)),
            ("kind", .text(kind.rawValue)), ("actor", .text(actor)), ("os_user", .text(osUser)), ("host", .text(host)),
            ("model", model.sqlValue), ("api_key_id", apiKeyID.sqlValue), ("model_id", modelID.sqlValue),
            ("retrain_job_id", retrainJobID.sqlValue), ("reason", reason.sqlValue),
            ("request_method", requestMethod.sqlValue), ("request_url", requestURL.sqlValue),
            ("http_status", httpStatus.sqlValue), ("response_body", responseBody.sqlValue),
            ("outcome", outcome.map { .text($0.rawValue) } ?? .null), ("error_code", errorCode.sqlValue),
            ("error_message", errorMessage.sqlValue), ("duration_ms", durationMs.sqlValue),
            ("ref_seq", refSeq.sqlValue), ("details", details.sqlValue), ("key_id", .text(keyID)),
            ("prev_mac", .text(prevMac)), ("mac", .text(mac)),
        ]
    }

    /// A new, unsigned entry (empty `mac`) from a draft and the writer's facts.
    init(
        draft: EntryDraft, seq: Int64, ledgerID: String, recordedAt: String, provenance: Provenance,
        keyID: String, prevMac: String, dbRole: String? = nil
    ) {
        self.seq = seq
        self.ledgerID = ledgerID
        self.recordedAt = recordedAt
        kind = draft.kind
        actor = provenance.actor
        osUser = provenance.osUser
        host = provenance.host
        model = draft.model
        apiKeyID = draft.apiKeyID
        modelID = draft.modelID
        retrainJobID = draft.retrainJobID
        reason = draft.reason
        requestMethod = draft.requestMethod
        requestURL = draft.requestURL
        httpStatus = draft.httpStatus
        responseBody = draft.responseBody
        outcome = draft.outcome
        errorCode = draft.errorCode
        errorMessage = draft.errorMessage
        durationMs = draft.durationMs
        refSeq = draft.refSeq
        details = draft.details.map { CanonicalJSON.string(.object($0)) }
        self.keyID = keyID
        self.prevMac = prevMac
        self.dbRole = dbRole
        mac = ""
    }

    /// Decodes a row read with `SELECT *` (columns added by later migrations are ignored here).
    public init(row: [String: SQLValue]) throws {
        let seq = row["seq"]?.integer
        func text(_ name: String) throws -> String {
            guard let v = row[name]?.text else {
                throw LedgerError.malformedEntry(seq: seq, reason: "column \(name) is not text")
            }
            return v
        }
        func optionalText(_ name: String) throws -> String? {
            switch row[name] ?? .null {
            case .null: return nil
            case .text(let s): return s
            default: throw LedgerError.malformedEntry(seq: seq, reason: "column \(name) is not text")
            }
        }
        func optionalInteger(_ name: String) throws -> Int64? {
            switch row[name] ?? .null {
            case .null: return nil
            case .integer(let i): return i
            default: throw LedgerError.malformedEntry(seq: seq, reason: "column \(name) is not an integer")
            }
        }
        guard let seq else { throw LedgerError.malformedEntry(seq: nil, reason: "column seq is not an integer") }
        self.seq = seq
        ledgerID = try text("ledger_id")
        recordedAt = try text("recorded_at")
        kind = EntryKind(rawValue: try text("kind"))
        actor = try text("actor")
        osUser = try text("os_user")
        host = try text("host")
        model = try optionalText("model")
        apiKeyID = try optionalText("api_key_id")
        modelID = try optionalInteger("model_id")
        retrainJobID = try optionalText("retrain_job_id")
        reason = try optionalText("reason")
        requestMethod = try optionalText("request_method")
        requestURL = try optionalText("request_url")
        httpStatus = try optionalInteger("http_status")
        responseBody = try optionalText("response_body")
        outcome = try optionalText("outcome").map(Outcome.init(rawValue:))
        errorCode = try optionalText("error_code")
        errorMessage = try optionalText("error_message")
        durationMs = try optionalInteger("duration_ms")
        refSeq = try optionalInteger("ref_seq")
        details = try optionalText("details")
        keyID = try text("key_id")
        prevMac = try text("prev_mac")
        mac = try text("mac")
        dbRole = try optionalText("db_role")
    }

    /// `details` parsed as JSON (nil when absent or unparsable).
    public var detailsObject: [String: JSONValue]? {
        details.flatMap { try? JSONValue(parsing: $0) }?.objectValue
    }

    /// The entry as a JSON object: every column, NULL columns as `null`; `details` as a nested object.
    public var jsonValue: JSONValue {
        var members: [String: JSONValue] = [:]
        for (name, value) in columnValues {
            switch value {
            case .null: members[name] = .null
            case .integer(let i): members[name] = .integer(i)
            case .text(let s): members[name] = .string(s)
            case .real, .blob: members[name] = .null
            }
        }
        if let details, let parsed = try? JSONValue(parsing: details) { members["details"] = parsed }
        return .object(members)
    }
}

/// The signed payload P of the ledger format.
public enum SignedPayload {
    /// P for a row: the RFC 8785 canonical JSON of every column except `mac` whose value is not NULL.
    /// Integers become JSON integers and text JSON strings; REAL and BLOB values are not allowed by the format
    /// and are encoded as `null` so that the payload can never match a genuine signature.
    public static func bytes(of columns: [(name: String, value: SQLValue)]) -> [UInt8] {
        encode(columns, includingMac: false)
    }

    /// The leaf input of the public tree (transparency.md): the same canonical JSON with `mac` included.
    public static func leafInput(of columns: [(name: String, value: SQLValue)]) -> [UInt8] {
        encode(columns, includingMac: true)
    }

    private static func encode(_ columns: [(name: String, value: SQLValue)], includingMac: Bool) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "{")]
        var first = true
        for (name, value) in columns.sorted(by: { CanonicalJSON.precedes($0.name, $1.name) }) where includingMac || name != "mac" {
            if case .null = value { continue }
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            CanonicalJSON.appendString(name, to: &out)
            out.append(UInt8(ascii: ":"))
            switch value {
            case .integer(let i): CanonicalJSON.appendInteger(i, to: &out)
            case .text(let s): CanonicalJSON.appendString(s, to: &out)
            case .null, .real, .blob: out.append(contentsOf: "null".utf8)
            }
        }
        out.append(UInt8(ascii: "}"))
        return out
    }
}
