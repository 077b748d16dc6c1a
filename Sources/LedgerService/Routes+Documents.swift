import Foundation
import HTTPTypes
import Hummingbird
import LedgerCore
import LedgerPresentation
import LedgerWorkflows
import NIOCore

extension ServiceBackend {
    /// verify, log, show, export: their documents come from LedgerPresentation, as the CLI's do.
    func addDocumentRoutes(to router: Router<ServiceContext>) {
        let backend = self
        router.get("/v1/verify") { request, context in try await backend.getVerify(request, context: context) }
        router.get("/v1/log") { request, context in try await backend.getLog(request, context: context) }
        router.get("/v1/entries/:seq") { request, context in try await backend.getEntry(request, context: context) }
        router.get("/v1/export") { request, context in try await backend.getExport(request, context: context) }
    }

    /// Query items by name, refusing unknown and repeated ones (400).
    static func query(_ request: Request, allowed: Set<String>) throws -> [String: String] {
        var items: [String: String] = [:]
        for (name, value) in queryItems(request) {
            guard allowed.contains(name) else {
                throw ErrorPresentation.badRequest("\(Identifier.escaped(String(name.prefix(64)))) is not a query item of this endpoint")
            }
            guard items.updateValue(value, forKey: name) == nil else { throw ErrorPresentation.badRequest("query item \(name) is given more than once") }
        }
        return items
    }

    /// A non-negative integer query item.
    static func count(_ items: [String: String], _ name: String) throws -> Int64? {
        guard let text = items[name] else { return nil }
        guard !text.isEmpty, text.count <= 18, text.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int64(text) else {
            throw ErrorPresentation.badRequest("\(name) must be a non-negative integer")
        }
        return value
    }

    /// `GET /v1/verify[?from=&to=&max_findings=]`: the whole chain (or a range) with the service's keys.
    func getVerify(_ request: Request, context: ServiceContext) async throws -> Response {
        _ = try authorize(context, .read)
        let items = try Self.query(request, allowed: ["from", "to", "max_findings"])
        let from = try Self.count(items, "from"), to = try Self.count(items, "to")
        let maxFindings = Int(try Self.count(items, "max_findings") ?? 50)
        let answer = try await perform("the verification") { session -> UncheckedBox<(JSONValue, LedgerExitCode)> in
            var verifier = Verifier(keyRing: session.keyRing, findingLimit: max(1000, maxFindings))
            if from != nil || to != nil { verifier.range = (from ?? 1)...(to ?? Int64.max) }
            let report = try verifier.verify(session.store)
            if report.isWrongKeyFile {
                throw WrongKeyFile.error(
                    whose: "the ledger's keys", keyIDs: report.unknownKeyUsage.map(\.keyID),
                    more: report.unknownKeyUsage.count >= VerificationReport.unknownKeyLimit, keyFile: session.keyRing.path)
            }
            return UncheckedBox((VerifyPresentation.document(report, db: session.store.path), VerifyPresentation.exitCode(report)))
        }
        return ServiceResponse.json(answer.value.0, exitCode: answer.value.1.rawValue)
    }

    /// `GET /v1/log[?limit=&kind=&model=]`: the newest `limit` (default 50, 0 = all) matching entries, oldest first.
    func getLog(_ request: Request, context: ServiceContext) async throws -> Response {
        _ = try authorize(context, .read)
        let items = try Self.query(request, allowed: ["limit", "kind", "model"])
        var filter = EntryFilter()
        let limit = try Self.count(items, "limit") ?? 50
        filter.lastN = limit == 0 ? nil : Int(limit)
        filter.kind = items["kind"].map(EntryKind.init(rawValue:))
        filter.model = try items["model"].map { try Checks.name($0, what: "model") }
        let query = filter
        let document = try await perform("the log") { session -> JSONValue in
            let unresolved = Set(try session.store.unresolvedSwitchSeqs())
            var entries: [LedgerEntry] = []
            try session.store.forEachEntry(matching: query) { entries.append($0) }
            return EntryPresentation.logDocument(entries, unresolved: unresolved)
        }
        return ServiceResponse.json(document, exitCode: EntryPresentation.exitCode().rawValue)
    }

    /// `GET /v1/entries/{seq}`: one entry (404 when there is none).
    func getEntry(_ request: Request, context: ServiceContext) async throws -> Response {
        _ = try authorize(context, .read)
        let text = try context.parameters.require("seq")
        guard text.count <= 19, text.allSatisfy({ $0.isASCII && $0.isNumber }), let seq = Int64(text), seq > 0 else {
            throw ErrorPresentation.badRequest("the seq must be a positive integer")
        }
        let document = try await perform("the entry") { session -> JSONValue in
            guard let entry = try session.store.entry(seq: seq) else { throw LedgerError.noSuchEntry(seq: seq) }
            let unresolved = try entry.kind == EntryKind.switchRequested && session.store.isUnresolved(requestSeq: entry.seq)
            return EntryPresentation.document(entry, unresolved: unresolved)
        }
        return ServiceResponse.json(document, exitCode: EntryPresentation.exitCode().rawValue)
    }

    /// `GET /v1/export[?model=&since=&until=]` (auditor, admin): the evidence bundle, verified while
    /// it is written (to a private temporary file, then streamed).
    func getExport(_ request: Request, context: ServiceContext) async throws -> Response {
        _ = try authorize(context, .export)
        let items = try Self.query(request, allowed: ["model", "since", "until"])
        let period = try ReportRequest(query: items.filter { $0.key != "model" }.map { ($0.key, $0.value) }, command: .report)
        let (since, until) = try period.bounds()
        let model = try items["model"].map { try Checks.name($0, what: "model") }
        let directory = try Self.privateDirectory()
        let path = directory + "/bundle.ndjson"
        do {
            _ = try await perform("the export") { session -> Int64 in
                do {
                    return try BundleExporter(store: session.store, keyRing: session.keyRing)
                        .export(selection: ExportSelection(model: model, since: since, until: until), to: path).bytes
                } catch let error as ExportError {
                    throw Self.exportError(error)
                }
            }
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            try? FileManager.default.removeItem(atPath: directory)
            throw ErrorPresentation(exitCode: .ledgerError, message: "the bundle could not be read back")
        }
        let body = ResponseBody { writer in
            defer {
                try? handle.close()
                try? FileManager.default.removeItem(atPath: directory)
            }
            while let chunk = try handle.read(upToCount: 1 << 16), !chunk.isEmpty {
                try await writer.write(ByteBuffer(bytes: chunk))
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok, headers: [.contentType: "application/x-ndjson", .cacheControl: "no-store", .ledgerExitCode: "0"], body: body)
    }

    /// The export's refusals as `ledger export` maps them (64, 74; 2 when the entries do not verify).
    static func exportError(_ error: ExportError) -> ErrorPresentation {
        switch error {
        case .nothingMatches, .outputExists, .beyondCheckpoint, .unusableCheckpoint:
            if case .nothingMatches = error { return .notFound(error.localizedDescription) }
            return .badRequest(error.localizedDescription)
        case .lineTooLong: return ErrorPresentation(exitCode: .ledgerError, message: error.localizedDescription)
        case .doesNotVerify: return ErrorPresentation(exitCode: .tampered, message: error.localizedDescription, code: "tampered", httpStatus: 409)
        }
    }
}
