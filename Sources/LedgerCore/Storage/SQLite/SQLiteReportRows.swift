/// Decoding the report queries' rows from SQLite statements into the typed rows of `ReportReader`.

extension SQLiteStatement {
    /// Column `index` as text; nil unless it holds text.
    func reportText(at index: Int) -> String? {
        storageClass(at: index) == .text ? withText(at: index) { String(decoding: $0, as: UTF8.self) } : nil
    }

    /// Column `index` as an integer; nil unless it holds one.
    func reportInteger(at index: Int) -> Int64? {
        storageClass(at: index) == .integer ? int64(at: index) : nil
    }
}

/// Turns a text column into a String, reusing the previous row's String (same storage) when the
/// bytes repeat: rows of one model or actor come in runs, so most rows build no String at all.
struct SQLiteTextInterner {
    private var bytes: [UInt8] = []
    private var value: String?

    /// The column's text, nil unless it holds text.
    mutating func read(_ statement: SQLiteStatement, _ index: Int) -> String? {
        guard statement.storageClass(at: index) == .text else {
            value = nil
            return nil
        }
        return statement.withText(at: index) { text in
            if let value, text.count == bytes.count, text.elementsEqual(bytes) { return value }
            bytes = Array(text)
            let string = String(decoding: text, as: UTF8.self)
            value = string
            return string
        }
    }
}

extension SwitchOutcome {
    /// `init(completion:)` of a column's UTF-8 bytes, without building a String.
    init(completionOutcomeUTF8 text: UnsafeRawBufferPointer) {
        if text.elementsEqual(Outcome.succeeded.rawValue.utf8) {
            self = .succeeded
        } else if text.elementsEqual(Outcome.rejected.rawValue.utf8) {
            self = .rejected
        } else {
            self = .failed
        }
    }
}

/// `SwitchRowCursor` over a prepared switch query.
final class SQLiteSwitchRowCursor: SwitchRowCursor {
    private let statement: SQLiteStatement
    /// Only `next()` touches it, one row at a time: no run-time exclusivity check on every row.
    @exclusivity(unchecked) private var decoder: SQLiteSwitchRowDecoder

    init(statement: SQLiteStatement, decoder: SQLiteSwitchRowDecoder) {
        self.statement = statement
        self.decoder = decoder
    }

    func next() throws -> SwitchRow? {
        try statement.step(context: "querying switches") ? decoder.decode(statement) : nil
    }
}

/// Decodes `SQLiteLedgerStorage.switchRowColumns` rows.
struct SQLiteSwitchRowDecoder {
    private var models = SQLiteTextInterner()
    private var actors = SQLiteTextInterner()
    /// Read the request's time (column 1).
    let requestTimes: Bool

    init(requestTimes: Bool) { self.requestTimes = requestTimes }

    mutating func decode(_ s: SQLiteStatement) -> SwitchRow {
        var row = SwitchRow(
            requestSeq: s.int64(at: 0), requestedAtMilliseconds: nil, model: models.read(s, 2), actor: actors.read(s, 3),
            completion: nil)
        if requestTimes {
            // NULL reads as no bytes, which is no time.
            row.requestedAtMilliseconds = s.withText(at: 1) { Timestamp.parse(utf8: $0) }
        }
        if let seq = s.reportInteger(at: 4) {
            let isResolution = s.withText(at: 5) { $0.elementsEqual(EntryKind.switchResolved.rawValue.utf8) }
            // NULL reads as no bytes: failed, as `SwitchOutcome(completion: nil)`.
            let outcome = s.withText(at: 6) { SwitchOutcome(completionOutcomeUTF8: $0) }
            let failed = outcome != .succeeded
            row.completion = .init(
                seq: seq, isResolution: isResolution, outcome: outcome, errorCode: failed ? s.reportText(at: 7) : nil,
                errorMessage: failed ? s.reportText(at: 8) : nil)
        }
        return row
    }

    /// Decodes `SQLiteLedgerStorage.switchRecordColumns` rows.
    static func record(_ s: SQLiteStatement) -> SwitchRecord {
        var record = SwitchRecord(
            requestSeq: s.int64(at: 0), requestedAt: s.reportText(at: 1) ?? "", model: s.reportText(at: 2),
            retrainJobID: s.reportText(at: 3), actor: s.reportText(at: 4) ?? "", reason: s.reportText(at: 5))
        if let completion = s.reportInteger(at: 6) {
            record.completionSeq = completion
            record.completionKind = s.reportText(at: 7).map(EntryKind.init(rawValue:))
            record.completedAt = s.reportText(at: 8)
            record.completedBy = s.reportText(at: 9)
            if record.completionKind == EntryKind.switchResolved { record.resolutionReason = s.reportText(at: 10) }
            record.outcome = SwitchOutcome(completion: s.reportText(at: 11).map(Outcome.init(rawValue:)))
            record.httpStatus = s.reportInteger(at: 12)
            record.errorCode = s.reportText(at: 13)
            record.errorMessage = s.reportText(at: 14)
            record.durationMs = s.reportInteger(at: 15)
        }
        record.requestDetails = s.reportText(at: 16)
        return record
    }
}
