import Foundation
import LedgerCore

/// What `ledger report` or `ledger history` is asked: the format and every filter, as plain values
/// (the CLI builds it from its flags, the service from its query items: ``init(query:command:)``).
public struct ReportRequest: Sendable, Equatable {
    /// Which answer: the switch report (or, with ``asOf``, what was live at a moment), or one model's history.
    public enum Command: String, Sendable {
        case report, history
    }

    /// Which answer.
    public var command: Command
    /// The output format.
    public var format: ReportFormat
    /// `--since`, as given (RFC 3339 or a date).
    public var since: String?
    /// `--until`, as given (RFC 3339 or a date: that whole day).
    public var until: String?
    /// `--model` (required for `history`).
    public var model: String?
    /// `--actor` (report only).
    public var actor: String?
    /// `--outcome` (report only).
    public var outcome: SwitchOutcome?
    /// `--kind` (report only): one of ``ReportFilter/kinds``.
    public var kind: String?
    /// `--as-of`, as given (report only; combines only with `model`).
    public var asOf: String?
    /// `--limit` (report only): the newest N switches in full, 0 = all.
    public var limit: Int
    /// False for `--no-verify`.
    public var verify: Bool

    /// A request with every filter given.
    public init(
        command: Command, format: ReportFormat = .table, since: String? = nil, until: String? = nil, model: String? = nil, actor: String? = nil,
        outcome: SwitchOutcome? = nil, kind: String? = nil, asOf: String? = nil, limit: Int = 100, verify: Bool = true
    ) {
        self.command = command
        self.format = format
        self.since = since
        self.until = until
        self.model = model
        self.actor = actor
        self.outcome = outcome
        self.kind = kind
        self.asOf = asOf
        self.limit = limit
        self.verify = verify
    }

    /// The request named by query items (the service's `GET /v1/report` and `/v1/history`): `format`
    /// (a format or `text`), `since`, `until`, `model`, `actor`, `outcome`, `kind`, `as_of`, `limit`,
    /// `no_verify` (`true`/`false`). An unknown or repeated item, or a bad value, is a usage error (64);
    /// the values are then checked by ``validate()``.
    public init(query: [(name: String, value: String)], command: Command) throws {
        self.init(command: command)
        var seen: Set<String> = []
        for (name, value) in query {
            guard seen.insert(name).inserted else { throw Self.usage("query item \(name) is given more than once") }
            switch name {
            case "format":
                guard let format = ReportFormat(word: value) else {
                    throw Self.usage("format \(value) is not one of text, \(ReportFormat.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                self.format = format
            case "since": since = value
            case "until": until = value
            case "model": model = value
            case "actor" where command == .report: actor = value
            case "outcome" where command == .report:
                guard let outcome = SwitchOutcome(rawValue: value) else {
                    throw Self.usage("outcome \(value) is not one of \(SwitchOutcome.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                self.outcome = outcome
            case "kind" where command == .report: kind = value
            case "as_of" where command == .report: asOf = value
            case "limit" where command == .report:
                guard let limit = Int(value) else { throw Self.usage("limit \(value) is not a number") }
                self.limit = limit
            case "no_verify":
                guard value == "true" || value == "false" else { throw Self.usage("no_verify must be true or false") }
                verify = value == "false"
            default:
                throw Self.usage("\(name) is not a filter of \(command.rawValue)")
            }
        }
        try validate()
    }

    /// The query items of this request (what ``init(query:command:)`` reads back; defaults omitted).
    public var queryItems: [(name: String, value: String)] {
        var items: [(name: String, value: String)] = [("format", format.rawValue)]
        let optional: [(String, String?)] = [
            ("since", since), ("until", until), ("model", model), ("actor", actor), ("outcome", outcome?.rawValue), ("kind", kind),
            ("as_of", asOf),
        ]
        for (name, value) in optional { if let value { items.append((name, value)) } }
        if command == .report, limit != 100 { items.append(("limit", String(limit))) }
        if !verify { items.append(("no_verify", "true")) }
        return items
    }

    /// Checks the values as the CLI's flags are checked (same rules and messages; a usage error, 64).
    public func validate() throws {
        if limit < 0 { throw Self.usage("--limit must be 0 (all) or more") }
        if let kind, !ReportFilter.kinds.contains(where: { $0.kind.rawValue == kind }) {
            throw Self.usage(
                "--kind \(DisplayText.terminal(kind)) is not reported on; use one of: \(ReportFilter.kinds.map(\.kind.rawValue).joined(separator: ", ")) (`ledger log --kind` lists entries of any kind)"
            )
        }
        if let asOf {
            guard ReportTime.instant(asOf) != nil else { throw Self.usage(Self.badTime("--as-of", asOf)) }
            if since != nil || until != nil || actor != nil || outcome != nil || kind != nil {
                throw Self.usage("--as-of answers for one moment: combine it only with --model (not --since, --until, --actor, --outcome or --kind)")
            }
        }
        if command == .history, model == nil { throw Self.usage("history needs --model") }
        for (flag, name) in [("--model", model), ("--actor", actor)] {
            if let name, let problem = Identifier.problem(with: name) {
                throw Self.usage("\(flag) \"\(Identifier.escaped(name))\" is not accepted: \(problem)")
            }
        }
        let (since, until) = try bounds()
        if let since, let until, since > until {
            throw Self.usage("--since \(DisplayText.terminal(since)) is after --until \(DisplayText.terminal(until))")
        }
    }

    /// `since` and `until` in the ledger's normal form.
    public func bounds() throws -> (since: String?, until: String?) {
        var lower: String?, upper: String?
        if let since {
            guard let value = ReportTime.instant(since) else { throw Self.usage(Self.badTime("--since", since)) }
            lower = value
        }
        if let until {
            guard let value = ReportTime.upperBound(until) else { throw Self.usage(Self.badTime("--until", until)) }
            upper = value
        }
        return (lower, upper)
    }

    /// The filter of the switch report.
    public func reportFilter() throws -> ReportFilter {
        var filter = ReportFilter()
        (filter.since, filter.until) = try bounds()
        filter.model = model
        filter.actor = actor
        filter.outcome = outcome
        filter.kind = kind.map(EntryKind.init(rawValue:))
        return filter
    }

    /// The message for a time that cannot be read.
    public static func badTime(_ flag: String, _ text: String) -> String {
        let reason = Timestamp.problem(with: text).map { " (\($0))" } ?? ""
        return
            "\(flag) \(DisplayText.terminal(text)) is not a valid time\(reason): use RFC 3339 (2026-11-29T14:05:00Z, 2026-11-29T15:05:00+01:00) or a date (2026-11-29), years 0001 to 9999"
    }

    static func usage(_ message: String) -> CommandError { CommandError(message: message, exitCode: .usage) }
}

/// A rendered report: the body, its content type, the exit code, and what the CLI says on stderr
/// around it (the service sends the body and the exit code; it may log the notes).
public struct RenderedReport: Sendable {
    /// The report in the requested format (what the CLI writes to stdout or `--out`).
    public var body: String
    /// The HTTP Content-Type of ``body``.
    public var contentType: String
    /// 0 written; 2 written but the ledger is TAMPERED; 78 written (NOT VERIFIED) with the wrong key file.
    public var exitCode: LedgerExitCode
    /// Notes before the body (e.g. the ledger predates the report indexes).
    public var notes: [String] = []
    /// Notes after the body (e.g. `history`: no switches of the model).
    public var trailingNotes: [String] = []
    /// The `error:` line after the body when the exit code is not 0.
    public var failure: String?
}

/// Renders `report` and `history` answers: the verification first (unless `--no-verify`), the
/// answer from ``Reporter``, then the format: JSON and CSV straight from the data, opening with the
/// tamper banner; table, Markdown and HTML from a ``ReportDocument``, opening with the alert.
public enum ReportRendering {
    /// Renders `request` over `store`, verifying it first with the key ring `keys` returns (a key
    /// ring that cannot be loaded is not an error: the report says NOT VERIFIED and why).
    /// `color` styles the table format (a terminal); `progress` is told the entries verified so far.
    public static func render(
        _ request: ReportRequest, store: LedgerStore, keys: () throws -> KeyRing, color: Bool = false, progress: ((Int64) -> Void)? = nil
    ) throws -> RenderedReport {
        let (verification, wrongKeyFile) = try verify(store: store, keys: keys, skip: !request.verify, progress: progress)
        let reporter = Reporter(store: store)
        var notes: [String] = [], trailingNotes: [String] = []
        if (try? reporter.hasReportIndexes()) == false {
            notes.append(
                "note: this ledger predates the report indexes (migration 0003_report_indexes); the answer is complete but slower. The next write command (e.g. `ledger switch`) adds them."
            )
        }
        let body: String
        let what: String
        switch request.command {
        case .report:
            what = "report"
            if let asOf = request.asOf, let moment = ReportTime.instant(asOf) {
                let answer = try reporter.asOf(moment, model: request.model, verification: verification)
                body = render(
                    request.format, verification: verification, color: color, json: { answer.jsonValue }, csv: { ReportCSV.render(answer) },
                    document: { ReportDocument(asOf: answer) })
            } else {
                let report = try reporter.report(
                    filter: try request.reportFilter(), verification: verification,
                    options: Reporter.Options(switchLimit: request.limit, includeTimeline: request.format == .html))
                body = render(
                    request.format, verification: verification, color: color, json: { report.jsonValue }, csv: { ReportCSV.render(report) },
                    document: { ReportDocument(report: report) })
            }
        case .history:
            what = "history"
            let model = request.model ?? ""
            var filter = ReportFilter()
            (filter.since, filter.until) = try request.bounds()
            let history = try reporter.history(model: model, filter: filter, verification: verification)
            body = render(
                request.format, verification: verification, color: color, json: { history.jsonValue }, csv: { ReportCSV.render(history) },
                document: { ReportDocument(history: history) })
            if history.switches.isEmpty {
                trailingNotes.append(
                    "no switches of \(model) in the ledger\(filter.since != nil || filter.until != nil ? " in that period" : ""); `ledger report` lists the models."
                )
            }
        }
        var rendered = RenderedReport(body: body, contentType: request.format.contentType, exitCode: .ok, notes: notes, trailingNotes: trailingNotes)
        if let wrongKeyFile {
            rendered.exitCode = .configError
            rendered.failure = wrongKeyFile.message + " The \(what) was written, marked NOT VERIFIED."
        } else if verification.isTampered {
            rendered.exitCode = .tampered
            rendered.failure =
                "the ledger does not verify: the \(what) was written, but \(what == "report" ? "its figures" : "it") cannot be trusted. Run `ledger verify`."
        }
        return rendered
    }

    /// The verification a report shows at its top: the whole ledger with the key ring, unless `skip`.
    /// A key ring that cannot be loaded is not an error: the report says "not verified" and why. A
    /// key ring that holds none of the ledger's keys (the wrong key file) is not tampering either: the
    /// report says "not verified" with that diagnosis, which is also returned (exit 78 after writing).
    public static func verify(store: LedgerStore, keys: () throws -> KeyRing, skip: Bool, progress: ((Int64) -> Void)? = nil) throws
        -> (verification: ReportVerification, wrongKeyFile: CommandError?)
    {
        if skip { return (.notVerified(reason: "verification was skipped (--no-verify)"), nil) }
        let ring: KeyRing
        do {
            ring = try keys()
        } catch {
            return (.notVerified(reason: "the key file cannot be used: \(error.localizedDescription)"), nil)
        }
        var verifier = Verifier(keyRing: ring)
        if let progress { verifier.progress = progress }
        let report = try verifier.verify(store)
        if report.isWrongKeyFile {
            let error = WrongKeyFile.error(
                whose: "the ledger's keys", keyIDs: report.unknownKeyUsage.map(\.keyID),
                more: report.unknownKeyUsage.count >= VerificationReport.unknownKeyLimit, keyFile: ring.path)
            return (.notVerified(reason: error.message), error)
        }
        return (.verified(report), nil)
    }

    /// Renders one answer in `format`: JSON and CSV straight from the data, the others from its document.
    ///
    /// JSON and CSV open with the tamper banner, as the human formats open with their alert: JSON's
    /// first member is `"banner"` (``banner(for:)``, null unless the ledger was verified and found
    /// tampered), written before the sorted members; CSV's first line is `# ` + the banner when
    /// there is one (docs/reports.md).
    public static func render(
        _ format: ReportFormat, verification: ReportVerification, color: Bool, json: () -> JSONValue, csv: () -> String,
        document: () -> ReportDocument
    ) -> String {
        let banner = banner(for: verification)
        switch format {
        case .json: return withBannerFirst(json(), banner: banner) + "\n"
        case .csv: return (banner.map { "# " + $0 + "\n" } ?? "") + csv()
        case .table: return TextReportRenderer.render(document(), color: color)
        case .markdown: return MarkdownReportRenderer.render(document())
        case .html: return HTMLReportRenderer.render(document())
        }
    }

    /// The banner of a report on a tampered ledger (nil otherwise). No comma, quote or value read
    /// from the ledger: it is one CSV field as it stands, and safe in a spreadsheet.
    public static func banner(for verification: ReportVerification) -> String? {
        guard case .verified(let report) = verification, !report.isIntact else { return nil }
        return "LEDGER TAMPERED: DO NOT TRUST THIS REPORT: verification found \(report.findingCount) finding(s); "
            + "entries were altered or inserted or removed or reordered; run `ledger verify` and investigate"
    }

    /// `value` (an object) pretty-printed with a `"banner"` member written first: the pretty
    /// printer sorts members (RFC 8785 order), which would put it among the others.
    public static func withBannerFirst(_ value: JSONValue, banner: String?) -> String {
        let body = value.prettyPrinted()
        let member = "  \"banner\": " + (banner.map { JSONValue.string($0) } ?? .null).prettyPrinted()
        // Every report answer is a non-empty object; anything else is printed as it is.
        guard body.hasPrefix("{\n") else { return body }
        return "{\n" + member + ",\n" + body.dropFirst(2)
    }
}

/// The "wrong key file" diagnosis shared by `verify`, `verify --bundle`, `report` and `history`.
public enum WrongKeyFile {
    /// At most this many key ids are named in the message.
    public static let shownKeys = 5

    /// "wrong key file: none of WHOSE (k1, k2) is in KEYFILE. …": the message for a key file that
    /// holds none of the keys that signed what was checked. Key ids come from the data (escaped
    /// by `Console.error` when printed).
    public static func message(whose: String, keyIDs: [String], more: Bool, keyFile: String) -> String {
        var names = keyIDs.prefix(shownKeys).joined(separator: ", ")
        if keyIDs.count > shownKeys || more { names += ", …" }
        return "wrong key file: none of \(whose) (\(names)) is in \(keyFile). "
            + "Use the key file this ledger was written with (--key-file or LEDGER_KEY_FILE); "
            + "if this is that key file, every entry's key_id was changed: treat the ledger as tampered."
    }

    /// The message as a configuration error (exit 78).
    public static func error(whose: String, keyIDs: [String], more: Bool, keyFile: String) -> CommandError {
        CommandError(message: message(whose: whose, keyIDs: keyIDs, more: more, keyFile: keyFile), exitCode: .configError)
    }
}
