import Foundation

/// Answers reviewers' questions from a ledger: `report`, `report --as-of` and `history`.
///
/// Every answer is computed inside one read transaction (a consistent snapshot while others append)
/// and covers the entries up to one head seq: the verified head when the caller verified first, so
/// that the figures and the verification result describe the same entries.
///
/// The queries go through the partial indexes of migration 0003 (`INDEXED BY`), reading only the
/// index entries of the switches in scope; a ledger that predates the migration still gets correct
/// answers, more slowly, and `LedgerReport.usedReportIndexes` says so.
public struct Reporter {
    /// Tuning for `report`.
    public struct Options: Sendable {
        /// List at most this many switches (the newest in scope) in full; 0 lists every switch.
        public var switchLimit: Int = 100
        /// Collect every switch in scope as a timeline point (for the HTML timeline).
        public var includeTimeline = false

        public init(switchLimit: Int = 100, includeTimeline: Bool = false) {
            self.switchLimit = switchLimit
            self.includeTimeline = includeTimeline
        }
    }

    /// The ledger to read.
    public let store: LedgerStore

    /// A reporter over `store` (use it from one thread at a time, like the store).
    public init(store: LedgerStore) { self.store = store }

    static let requestsByModel = "entries_switch_requests_by_model"
    static let requestsByTime = "entries_switch_requests_by_time"
    static let completions = "entries_switch_completions"
    static let successes = "entries_switch_successes"
    static let reportIndexes = [requestsByModel, requestsByTime, completions, successes]
    static let completionKinds = "('switch.completed', 'switch.resolved')"

    /// True when the ledger has every index the reports use (migration 0003 applied).
    public func hasReportIndexes() throws -> Bool {
        do {
            return try availableIndexes().count == Self.reportIndexes.count
        } catch {
            throw LedgerError.wrap(error)
        }
    }

    // MARK: report

    /// Switch counts per model, per actor and per outcome, failures by reason, unresolved switches,
    /// key rotations and checkpoints, for the entries matching `filter`.
    public func report(
        filter: ReportFilter, verification: ReportVerification, options: Options = Options()
    ) throws -> LedgerReport {
        do {
            return try store.connection.transaction(immediate: false, context: "reading the ledger for a report") {
                let snapshot = try takeSnapshot(verification: verification)
                let indexes = try availableIndexes()
                var report = LedgerReport(snapshot: snapshot, verification: verification, filter: filter)
                report.usedReportIndexes = indexes.count == Self.reportIndexes.count
                if filter.includesSwitches {
                    try collectSwitches(into: &report, bound: snapshot.headSeq, indexes: indexes, options: options)
                }
                report.periodStart = filter.since ?? report.periodStart
                report.periodEnd = filter.until ?? report.periodEnd
                if filter.includesKeyRotations {
                    report.keyRotations = try events(kind: EntryKind.keyRotated, filter: filter, bound: snapshot.headSeq)
                }
                if filter.includesCheckpoints {
                    report.checkpoints = try events(kind: EntryKind.checkpoint, filter: filter, bound: snapshot.headSeq)
                }
                return report
            }
        } catch {
            throw LedgerError.wrap(error)
        }
    }

    private struct FailureKey: Hashable {
        let outcome: SwitchOutcome
        let code: String?
        let message: String?
    }

    /// Counts per model or per actor, without hashing the name on every row (rows of one name come in runs).
    private struct GroupTally {
        var names: [String] = []
        var counts: [OutcomeCounts] = []
        var index: [String: Int] = [:]
        var last = -1

        mutating func add(_ name: String, changed: Bool, _ outcome: SwitchOutcome) {
            if changed || last < 0 {
                if let i = index[name] {
                    last = i
                } else {
                    last = names.count
                    index[name] = last
                    names.append(name)
                    counts.append(OutcomeCounts())
                }
            }
            counts[last][outcome] += 1
        }

        var groups: [GroupCounts] {
            zip(names, counts).map { GroupCounts(name: $0, counts: $1) }.sorted { $0.name < $1.name }
        }
    }

    /// Turns a text column into a String, reusing the previous one when the bytes repeat.
    private struct TextInterner {
        private var bytes: [UInt8] = []
        private var value = ""
        private var isSet = false
        private var wasNull = false
        let fallback: String

        init(fallback: String) { self.fallback = fallback }

        /// The column's text (the fallback for NULL), and whether it differs from the previous row's.
        mutating func read(_ statement: SQLiteStatement, _ index: Int) -> (String, changed: Bool) {
            guard statement.storageClass(at: index) == .text else {
                let changed = !(isSet && wasNull)
                isSet = true
                wasNull = true
                value = fallback
                return (fallback, changed)
            }
            return statement.withText(at: index) { text in
                if isSet, !wasNull, text.count == bytes.count, text.elementsEqual(bytes) { return (value, false) }
                bytes = Array(text)
                value = String(decoding: text, as: UTF8.self)
                isSet = true
                wasNull = false
                return (value, true)
            }
        }
    }

    private enum CompletionKind { case completed, resolved, other }

    private func collectSwitches(
        into report: inout LedgerReport, bound: Int64, indexes: Set<String>, options: Options
    ) throws {
        let filter = report.filter
        let (sql, arguments) = Self.switchQuery(
            columns: "r.seq, r.recorded_at, r.model, r.actor, c.seq, c.kind, c.outcome, c.error_code, c.error_message",
            filter: filter, bound: bound, indexes: indexes)
        let statement = try store.connection.prepare(sql, context: "querying switches")
        try statement.bind(arguments)

        var models = GroupTally(), actors = GroupTally()
        var modelText = TextInterner(fallback: Self.noModel), actorText = TextInterner(fallback: "")
        var failures: [FailureKey: FailureGroup] = [:]
        var failureModels: [FailureKey: Set<String>] = [:]
        var unresolved: [Int64] = []
        let limit = options.switchLimit
        var newest: [(request: Int64, completion: Int64?)] = []
        var firstSeq: Int64?, lastSeq: Int64?

        // The request being read (a request has one row, or one per completion should it ever have several:
        // the first completion, lowest seq, is its outcome).
        struct Pending {
            var seq: Int64
            var epochMilliseconds: Int64?
            var model: String
            var modelChanged: Bool
            var actor: String
            var actorChanged: Bool
            var completion: Int64?
            var kind: CompletionKind
            var outcome: SwitchOutcome
            var errorCode: String?
            var errorMessage: String?
        }
        var current: Pending?

        func readCompletion(into row: inout Pending) {
            row.completion = statement.reportInteger(at: 4)
            guard row.completion != nil else {
                row.kind = .other
                row.outcome = .unresolved
                row.errorCode = nil
                row.errorMessage = nil
                return
            }
            row.kind = statement.withText(at: 5) { text in
                text.elementsEqual("switch.completed".utf8) ? .completed : text.elementsEqual("switch.resolved".utf8) ? .resolved : .other
            }
            row.outcome = statement.withText(at: 6) { text in
                text.elementsEqual("succeeded".utf8) ? .succeeded : text.elementsEqual("rejected".utf8) ? .rejected : .failed
            }
            if row.outcome != .succeeded {
                row.errorCode = statement.reportText(at: 7)
                row.errorMessage = statement.reportText(at: 8)
            } else {
                row.errorCode = nil
                row.errorMessage = nil
            }
        }

        func flush(_ row: Pending) {
            if filter.kind == EntryKind.switchCompleted && row.kind != .completed { return }
            if filter.kind == EntryKind.switchResolved && row.kind != .resolved { return }
            if let wanted = filter.outcome, wanted != row.outcome { return }
            report.totals[row.outcome] += 1
            models.add(row.model, changed: row.modelChanged, row.outcome)
            actors.add(row.actor, changed: row.actorChanged, row.outcome)
            if firstSeq == nil { firstSeq = row.seq }
            lastSeq = row.seq
            switch row.outcome {
            case .rejected, .failed:
                let key = FailureKey(outcome: row.outcome, code: row.errorCode, message: row.errorMessage)
                if var group = failures[key] {
                    group.count += 1
                    group.firstRequestSeq = min(group.firstRequestSeq, row.seq)
                    group.lastRequestSeq = max(group.lastRequestSeq, row.seq)
                    failures[key] = group
                } else {
                    failures[key] = FailureGroup(
                        outcome: row.outcome, errorCode: row.errorCode, errorMessage: row.errorMessage, count: 1, models: [],
                        firstRequestSeq: row.seq, lastRequestSeq: row.seq, lastRequestedAt: "")
                }
                if failureModels[key]?.contains(row.model) != true { failureModels[key, default: []].insert(row.model) }
            case .unresolved:
                unresolved.append(row.seq)
            case .succeeded:
                break
            }
            if limit > 0 && newest.count / 2 >= limit { newest.removeFirst(limit) }  // no `2 * limit`: it overflows
            newest.append((row.seq, row.completion))
            if let ms = row.epochMilliseconds {
                report.timeline.append(TimelinePoint(model: row.model, epochMilliseconds: ms, outcome: row.outcome, requestSeq: row.seq))
            }
        }

        while try statement.step(context: "querying switches") {
            let seq = statement.int64(at: 0)
            if var row = current, row.seq == seq {
                if let completion = statement.reportInteger(at: 4), row.completion.map({ completion < $0 }) ?? true {
                    readCompletion(into: &row)
                    current = row
                }
                continue
            }
            if let row = current { flush(row) }
            let (model, modelChanged) = modelText.read(statement, 2)
            let (actor, actorChanged) = actorText.read(statement, 3)
            var row = Pending(
                seq: seq, epochMilliseconds: nil, model: model, modelChanged: modelChanged, actor: actor,
                actorChanged: actorChanged, completion: nil, kind: .other, outcome: .unresolved)
            if options.includeTimeline { row.epochMilliseconds = statement.withText(at: 1) { Self.epochMilliseconds($0) } }
            readCompletion(into: &row)
            current = row
        }
        if let row = current { flush(row) }

        report.byModel = models.groups
        report.byActor = actors.groups
        let timeOf = try store.connection.prepare("SELECT recorded_at FROM entries WHERE seq = ?1", context: "reading a switch's time")
        func recordedAt(_ seq: Int64) throws -> String {
            try timeOf.bind([.integer(seq)])
            return try timeOf.step(context: "reading a switch's time") ? timeOf.reportText(at: 0) ?? "" : ""
        }
        report.failures = try failures.map { key, group in
            var group = group
            group.models = (failureModels[key] ?? []).sorted()
            group.lastRequestedAt = try recordedAt(group.lastRequestSeq)
            return group
        }.sorted {
            ($0.count, $1.outcome.rawValue, $1.errorMessage ?? "", $1.errorCode ?? "")
                > ($1.count, $0.outcome.rawValue, $0.errorMessage ?? "", $0.errorCode ?? "")
        }
        report.periodStart = try firstSeq.map(recordedAt)
        report.periodEnd = try lastSeq.map(recordedAt)
        let shown = limit == 0 ? newest[...] : newest.suffix(limit)
        report.switches = try shown.map { try loadSwitch(request: $0.request, completion: $0.completion) }
        report.unresolved = try unresolved.map { try loadSwitch(request: $0, completion: nil) }
        report.conflicts = try store.conflictingCompletions().compactMap { conflict -> SwitchRecord? in
            let record = try loadSwitch(request: conflict.request, completion: conflict.completions.first?.seq)
            if let since = filter.since, record.requestedAt < since { return nil }
            if let until = filter.until, record.requestedAt > until { return nil }
            if let model = filter.model, record.model != model { return nil }
            if let actor = filter.actor, record.actor != actor { return nil }
            return record
        }
    }

    /// Milliseconds since the epoch of `YYYY-MM-DDTHH:MM:SS.mmmZ` bytes (the ledger's normal form), read
    /// without building a String; other forms go through `Timestamp.parse`.
    static func epochMilliseconds(_ text: UnsafeRawBufferPointer) -> Int64? {
        guard text.count == 24, text[4] == 0x2D, text[7] == 0x2D, text[10] == 0x54, text[13] == 0x3A, text[16] == 0x3A,
            text[19] == 0x2E, text[23] == 0x5A
        else { return Timestamp.parse(String(decoding: text, as: UTF8.self)) }
        func number(_ from: Int, _ count: Int) -> Int? {
            var value = 0
            for i in from..<from + count {
                let digit = Int(text[i]) - 48
                guard (0...9).contains(digit) else { return nil }
                value = value * 10 + digit
            }
            return value
        }
        guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
            let minute = number(14, 2), let second = number(17, 2), let millis = number(20, 3), (1...12).contains(month)
        else { return nil }
        let days = Int64(Timestamp.daysFromCivil(year: year, month: month, day: day))
        return (days * 86_400 + Int64(hour * 3600 + minute * 60 + second)) * 1000 + Int64(millis)
    }

    /// Shown for a switch request that names no model.
    public static let noModel = "(no model)"

    private func events(kind: String, filter: ReportFilter, bound: Int64) throws -> [LedgerEvent] {
        var conditions = ["kind = ?1", "+seq <= ?2"]
        var arguments: [SQLValue] = [.text(kind), .integer(bound)]
        func add(_ condition: String, _ value: SQLValue) {
            arguments.append(value)
            conditions.append(condition.replacingOccurrences(of: "?", with: "?\(arguments.count)"))
        }
        if let since = filter.since { add("recorded_at >= ?", .text(since)) }
        if let until = filter.until { add("recorded_at <= ?", .text(until)) }
        if let actor = filter.actor { add("actor = ?", .text(actor)) }
        let rows = try store.connection.rows(
            "SELECT * FROM entries WHERE \(conditions.joined(separator: " AND ")) ORDER BY seq", arguments,
            context: "reading \(kind) entries")
        return try rows.map(LedgerEntry.init(row:)).map {
            LedgerEvent(
                seq: $0.seq, recordedAt: $0.recordedAt, kind: $0.kind, actor: $0.actor, reason: $0.reason,
                details: $0.details, keyID: $0.keyID)
        }
    }

    // MARK: as-of

    /// Which retrain job was live for each model at `asOf` (normal form); see `AsOfReport.rule`.
    public func asOf(_ asOf: String, model: String?, verification: ReportVerification) throws -> AsOfReport {
        do {
            return try store.connection.transaction(immediate: false, context: "reading the ledger for a report") {
                let snapshot = try takeSnapshot(verification: verification)
                let indexes = try availableIndexes()
                var report = AsOfReport(snapshot: snapshot, verification: verification, asOf: asOf)
                let models = try model.map { [$0] } ?? switchedModels(bound: snapshot.headSeq, indexes: indexes)
                for name in models {
                    report.models.append(try liveModel(name, at: asOf, bound: snapshot.headSeq, indexes: indexes))
                }
                return report
            }
        } catch {
            throw LedgerError.wrap(error)
        }
    }

    /// Every model named by a switch request, sorted (one index seek per model).
    private func switchedModels(bound: Int64, indexes: Set<String>) throws -> [String] {
        let hint = indexes.contains(Self.requestsByModel) ? "INDEXED BY \(Self.requestsByModel)" : ""
        func seek(_ comparison: String) throws -> SQLiteStatement {
            try store.connection.prepare(
                """
                SELECT r.model FROM entries AS r \(hint)
                WHERE r.kind = 'switch.requested' AND r.model \(comparison) ?1 AND +r.seq <= ?2 ORDER BY r.model LIMIT 1
                """, context: "listing models")
        }
        // The first seek is inclusive ('' sorts before every other text); the next ones skip past the last name.
        var statement = try seek(">=")
        let next = try seek(">")
        var models: [String] = []
        try statement.bind([.text(""), .integer(bound)])
        while try statement.step(context: "listing models"), let model = statement.reportText(at: 0) {
            models.append(model)
            statement = next
            try statement.bind([.text(model), .integer(bound)])
        }
        return models
    }

    private func liveModel(_ model: String, at time: String, bound: Int64, indexes: Set<String>) throws -> LiveModel {
        let successHint = indexes.contains(Self.successes) ? "INDEXED BY \(Self.successes)" : ""
        let successes = try store.connection.prepare(
            """
            SELECT c.seq, c.ref_seq, c.recorded_at FROM entries AS c \(successHint)
            WHERE c.outcome = 'succeeded' AND c.kind IN \(Self.completionKinds)
              AND c.model = ?1 AND c.recorded_at <= ?2 AND +c.seq <= ?3
            ORDER BY c.recorded_at DESC, c.seq DESC
            """, context: "finding the live switch")
        try successes.bind([.text(model), .text(time), .integer(bound)])
        var best: (request: LedgerEntry, completion: Int64)?
        var conflicts: [SwitchRecord] = []
        while try successes.step(context: "finding the live switch") {
            let completionSeq = successes.int64(at: 0)
            let completedAt = successes.reportText(at: 2) ?? ""
            // A later request's success is recorded after that request, which comes after the best one's
            // request: once successes are older than the best request, nothing later can win.
            if let best, completedAt < best.request.recordedAt { break }
            guard let refSeq = successes.reportInteger(at: 1), let request = try store.entry(seq: refSeq),
                request.kind == EntryKind.switchRequested, request.model == model
            else { continue }
            let first = try firstCompletion(of: refSeq, bound: bound, indexes: indexes)
            guard first == completionSeq else {
                // A success recorded after another outcome: the ledger contradicts itself about this
                // switch. Shown as a conflict, never silently decided either way.
                if !conflicts.contains(where: { $0.requestSeq == refSeq }) {
                    conflicts.append(try record(request: request, completion: try first.flatMap { try store.entry(seq: $0) }))
                }
                continue
            }
            if best.map({ request.seq > $0.request.seq }) ?? true { best = (request, completionSeq) }
        }
        let live = try best.map { try record(request: $0.request, completion: try store.entry(seq: $0.completion)) }

        // Requests after the live one, at or before the moment, whose outcome was not yet recorded then.
        let requestHint = indexes.contains(Self.requestsByModel) ? "INDEXED BY \(Self.requestsByModel)" : ""
        let completionHint = indexes.contains(Self.completions) ? "INDEXED BY \(Self.completions)" : ""
        let pendingQuery = try store.connection.prepare(
            """
            SELECT r.seq, c.seq, c.recorded_at FROM entries AS r \(requestHint)
            LEFT JOIN entries AS c \(completionHint)
              ON c.ref_seq = r.seq AND +c.kind IN \(Self.completionKinds) AND +c.seq <= ?3
            WHERE r.kind = 'switch.requested' AND r.model = ?1 AND r.recorded_at <= ?2 AND +r.seq <= ?3
              AND r.recorded_at >= ?4 AND +r.seq > ?5
            ORDER BY r.recorded_at, r.seq
            """, context: "finding pending switches")
        try pendingQuery.bind([
            .text(model), .text(time), .integer(bound), .text(best?.request.recordedAt ?? ""),
            .integer(best?.request.seq ?? 0),
        ])
        var firstCompletions: [(request: Int64, completion: Int64?, at: String?)] = []
        while try pendingQuery.step(context: "finding pending switches") {
            let request = pendingQuery.int64(at: 0)
            let completion = pendingQuery.reportInteger(at: 1)
            let at = pendingQuery.reportText(at: 2)
            if let last = firstCompletions.last, last.request == request {
                if let completion, last.completion.map({ completion < $0 }) ?? true {
                    firstCompletions[firstCompletions.count - 1] = (request, completion, at)
                }
                continue
            }
            firstCompletions.append((request, completion, at))
        }
        let pending = try firstCompletions.filter { $0.at.map { $0 > time } ?? true }.map {
            try loadSwitch(request: $0.request, completion: $0.completion)
        }
        var model = LiveModel(model: model, live: live, pending: pending)
        // Later conflicts only: one older than the live switch does not change what is live.
        model.conflicts = conflicts.filter { $0.requestSeq > (best?.request.seq ?? 0) }
        if let live, live.hasConflict { model.conflicts.insert(live, at: 0) }
        return model
    }

    /// seq of the first completion of request `seq`, if any.
    private func firstCompletion(of seq: Int64, bound: Int64, indexes: Set<String>) throws -> Int64? {
        let hint = indexes.contains(Self.completions) ? "INDEXED BY \(Self.completions)" : ""
        return try store.connection.scalar(
            "SELECT min(seq) FROM entries \(hint) WHERE ref_seq = ?1 AND kind IN \(Self.completionKinds) AND +seq <= ?2",
            [.integer(seq), .integer(bound)], context: "finding a switch's completion"
        ).integer
    }

    // MARK: history

    /// Every switch of `model` (in `filter`'s period), oldest first, and which one is live now.
    public func history(model: String, filter: ReportFilter, verification: ReportVerification) throws -> HistoryReport {
        do {
            return try store.connection.transaction(immediate: false, context: "reading the ledger for a history") {
                let snapshot = try takeSnapshot(verification: verification)
                let indexes = try availableIndexes()
                var scope = ReportFilter()
                scope.model = model
                scope.since = filter.since
                scope.until = filter.until
                var report = HistoryReport(snapshot: snapshot, verification: verification, model: model, filter: scope)
                let (sql, arguments) = Self.switchQuery(
                    columns: """
                        r.seq, r.recorded_at, r.model, r.retrain_job_id, r.actor, r.reason, c.seq, c.kind, c.recorded_at,
                        c.actor, c.reason, c.outcome, c.http_status, c.error_code, c.error_message, c.duration_ms
                        """,
                    filter: scope, bound: snapshot.headSeq, indexes: indexes)
                let statement = try store.connection.prepare(sql, context: "querying switches")
                try statement.bind(arguments)
                while try statement.step(context: "querying switches") {
                    let seq = statement.int64(at: 0)
                    let completion = statement.reportInteger(at: 6)
                    if let last = report.switches.last, last.requestSeq == seq {
                        // A request with several completions (rare): remember them all, to show a conflict.
                        var facts = last.conflictingCompletions.isEmpty ? Self.completionFacts(of: last) : last.conflictingCompletions
                        facts += Self.completionFacts(of: Self.historyRecord(statement))
                        // The first completion of a request is its outcome.
                        if let completion, last.completionSeq.map({ completion < $0 }) ?? true {
                            report.switches[report.switches.count - 1] = Self.historyRecord(statement)
                        }
                        report.switches[report.switches.count - 1].conflictingCompletions = facts
                        continue
                    }
                    report.switches.append(Self.historyRecord(statement))
                }
                for i in report.switches.indices where !report.switches[i].conflictingCompletions.isEmpty {
                    let facts = report.switches[i].conflictingCompletions.sorted { $0.seq < $1.seq }
                    report.switches[i].conflictingCompletions = Set(facts.map(\.outcome)).count > 1 ? facts : []
                }
                let now = try liveModel(model, at: "9999-12-31T23:59:59.999Z", bound: snapshot.headSeq, indexes: indexes)
                report.liveRequestSeq = now.live?.requestSeq
                return report
            }
        } catch {
            throw LedgerError.wrap(error)
        }
    }

    /// The completion a record carries, as a fact (none while unresolved).
    private static func completionFacts(of record: SwitchRecord) -> [SwitchRecord.CompletionFact] {
        guard let seq = record.completionSeq else { return [] }
        return [.init(seq: seq, kind: record.completionKind ?? "?", outcome: record.outcome.rawValue, actor: record.completedBy ?? "?")]
    }

    private static func historyRecord(_ s: SQLiteStatement) -> SwitchRecord {
        var record = SwitchRecord(
            requestSeq: s.int64(at: 0), requestedAt: s.reportText(at: 1) ?? "", model: s.reportText(at: 2),
            retrainJobID: s.reportText(at: 3), actor: s.reportText(at: 4) ?? "", reason: s.reportText(at: 5))
        if let completion = s.reportInteger(at: 6) {
            record.completionSeq = completion
            record.completionKind = s.reportText(at: 7)
            record.completedAt = s.reportText(at: 8)
            record.completedBy = s.reportText(at: 9)
            if record.completionKind == EntryKind.switchResolved { record.resolutionReason = s.reportText(at: 10) }
            record.outcome = SwitchOutcome(completionOutcome: s.reportText(at: 11))
            record.httpStatus = s.reportInteger(at: 12)
            record.errorCode = s.reportText(at: 13)
            record.errorMessage = s.reportText(at: 14)
            record.durationMs = s.reportInteger(at: 15)
        }
        return record
    }

    // MARK: Shared

    /// The switch query: requests (`r`) matching `filter` joined with their completions (`c`), in order of
    /// request time. `?1` is the head seq bound.
    static func switchQuery(
        columns: String, filter: ReportFilter, bound: Int64, indexes: Set<String>
    ) -> (sql: String, arguments: [SQLValue]) {
        var conditions = ["r.kind = 'switch.requested'", "+r.seq <= ?1"]
        var arguments: [SQLValue] = [.integer(bound)]
        func add(_ condition: String, _ value: SQLValue) {
            arguments.append(value)
            conditions.append(condition.replacingOccurrences(of: "?", with: "?\(arguments.count)"))
        }
        if let model = filter.model { add("r.model = ?", .text(model)) }
        if let since = filter.since { add("r.recorded_at >= ?", .text(since)) }
        if let until = filter.until { add("r.recorded_at <= ?", .text(until)) }
        if let actor = filter.actor { add("r.actor = ?", .text(actor)) }
        let requestIndex = filter.model != nil ? requestsByModel : requestsByTime
        let requestHint = indexes.contains(requestIndex) ? "INDEXED BY \(requestIndex)" : ""
        let completionHint = indexes.contains(completions) ? "INDEXED BY \(completions)" : ""
        let sql = """
            SELECT \(columns)
            FROM entries AS r \(requestHint)
            LEFT JOIN entries AS c \(completionHint)
              ON c.ref_seq = r.seq AND +c.kind IN \(completionKinds) AND +c.seq <= ?1
            WHERE \(conditions.joined(separator: " AND "))
            ORDER BY r.recorded_at, r.seq
            """
        return (sql, arguments)
    }

    /// The newest entry covered: the verified head when verification ran, else the current head.
    private func takeSnapshot(verification: ReportVerification) throws -> LedgerSnapshot {
        let bound = verification.report?.headSeq ?? Int64.max
        let rows = try store.connection.rows(
            "SELECT seq, mac, recorded_at FROM entries WHERE seq <= ?1 ORDER BY seq DESC LIMIT 1", [.integer(bound)],
            context: "reading the ledger's head")
        guard let head = rows.first, let seq = head["seq"]?.integer else {
            throw LedgerError.notALedger(path: store.path, detail: "it holds no entries")
        }
        return LedgerSnapshot(
            path: store.path, ledgerID: store.ledgerID, headSeq: seq, headMac: head["mac"]?.text ?? "",
            headRecordedAt: head["recorded_at"]?.text ?? "", generatedAt: Timestamp.now())
    }

    private func availableIndexes() throws -> Set<String> {
        let names = Self.reportIndexes.map { "'\($0)'" }.joined(separator: ", ")
        return Set(try store.connection.rows(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'entries' AND name IN (\(names))"
        ).compactMap { $0["name"]?.text })
    }

    /// A switch with every detail, from its request and completion seqs.
    private func loadSwitch(request: Int64, completion: Int64?) throws -> SwitchRecord {
        guard let requestEntry = try store.entry(seq: request) else { throw LedgerError.noSuchEntry(seq: request) }
        return try record(request: requestEntry, completion: completion.flatMap { try store.entry(seq: $0) })
    }

    private func record(request: LedgerEntry, completion: LedgerEntry?) throws -> SwitchRecord {
        var record = SwitchRecord(
            requestSeq: request.seq, requestedAt: request.recordedAt, model: request.model,
            retrainJobID: request.retrainJobID, actor: request.actor, reason: request.reason)
        if let completion {
            record.completionSeq = completion.seq
            record.completionKind = completion.kind
            record.completedAt = completion.recordedAt
            record.completedBy = completion.actor
            if completion.kind == EntryKind.switchResolved { record.resolutionReason = completion.reason }
            record.outcome = SwitchOutcome(completionOutcome: completion.outcome)
            record.httpStatus = completion.httpStatus
            record.errorCode = completion.errorCode
            record.errorMessage = completion.errorMessage
            record.durationMs = completion.durationMs
            let all = try store.completions(of: request.seq)
            if Set(all.map { $0.outcome ?? "none" }).count > 1 {
                record.conflictingCompletions = all.map {
                    .init(seq: $0.seq, kind: $0.kind, outcome: $0.outcome ?? "none", actor: $0.actor)
                }
            }
        }
        return record
    }
}

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
