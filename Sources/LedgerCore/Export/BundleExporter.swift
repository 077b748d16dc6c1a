#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Which entries an export is about. Entries match when every given filter matches.
public struct ExportSelection: Sendable, Equatable {
    /// Only entries whose `model` is this.
    public var model: String?
    /// Inclusive bounds on `recorded_at`, in the ledger's normal form.
    public var since: String?
    public var until: String?

    /// Everything.
    public init(model: String? = nil, since: String? = nil, until: String? = nil) {
        self.model = model
        self.since = since
        self.until = until
    }

    /// True when no filter is set (the whole ledger).
    public var isEverything: Bool { model == nil && since == nil && until == nil }

    func matches(model entryModel: String?, recordedAt: String) -> Bool {
        if let model, entryModel != model { return false }
        if let since, recordedAt < since { return false }
        if let until, recordedAt > until { return false }
        return true
    }

    /// The filters in words, or `everything`.
    public var summary: String {
        var parts: [String] = []
        if let model { parts.append("model \(model)") }
        if let since { parts.append("since \(since)") }
        if let until { parts.append("until \(until)") }
        return parts.isEmpty ? "everything" : parts.joined(separator: ", ")
    }
}

/// Why an export did not write a bundle.
public enum ExportError: Error, LocalizedError {
    /// No entry matches the selection.
    case nothingMatches(selection: String)
    /// The exported range does not verify: the bundle would not either, so nothing was written.
    case doesNotVerify(findings: [Finding], total: Int)
    /// The output file exists.
    case outputExists(path: String)
    /// An entry's line would be longer than a bundle may hold (`EvidenceBundle.maxLineBytes`).
    case lineTooLong(seq: Int64, bytes: Int)

    public var errorDescription: String? {
        switch self {
        case let .nothingMatches(selection):
            return "no entry matches (\(selection)); nothing was exported. Check the filters with `ledger log`."
        case let .doesNotVerify(findings, total):
            let first = findings.first.map { ": seq \($0.seq): \($0.message)" } ?? ""
            return "the entries to export do not verify (\(total) finding(s)\(first)); no bundle was written. Run `ledger verify` and investigate."
        case let .outputExists(path):
            return "\(path) already exists; refusing to overwrite it. Choose another --out path or pass --force."
        case let .lineTooLong(seq, bytes):
            return "entry seq \(seq) would be a \(bytes)-byte line, longer than an evidence bundle may hold (\(EvidenceBundle.maxLineBytes) bytes); no bundle was written. Narrow the export with --since/--until to leave it out."
        }
    }
}

/// What an export wrote.
public struct ExportSummary: Sendable {
    /// The header written as line 1.
    public var header: BundleHeader
    /// Where the bundle went (`-` for standard output).
    public var path: String
    /// Bytes written.
    public var bytes: Int64
}

/// Writes evidence bundles (see `EvidenceBundle`).
///
/// The bundle holds the contiguous seq range from the first to the last entry matching the selection,
/// every kind included, so that each entry's `prev_mac` can be checked against the line before it; lines
/// that matched are marked `"matched":true`. Every exported entry is verified (mac, link, seq, ledger_id)
/// while it is written, and nothing is left behind when one does not verify.
public struct BundleExporter {
    public let store: LedgerStore
    /// Verifies the entries and signs the header (with the active key).
    public let keyRing: KeyRing

    public init(store: LedgerStore, keyRing: KeyRing) {
        self.store = store
        self.keyRing = keyRing
    }

    /// Exports `selection` to `path` (`-` for standard output). A file is written under a temporary
    /// name and renamed into place when complete; an existing file is replaced only with `overwrite`.
    public func export(selection: ExportSelection, to path: String, overwrite: Bool = false) throws -> ExportSummary {
        do {
            if path != "-", !overwrite, FileManager.default.fileExists(atPath: path) { throw ExportError.outputExists(path: path) }
            let directory = path == "-" ? NSTemporaryDirectory() : (path as NSString).deletingLastPathComponent
            let scratch = (directory.isEmpty ? "." : directory) + "/.ledger-export-\(getpid())-\(UUID().uuidString.lowercased())"
            let bodyPath = scratch + ".body"
            defer { unlink(bodyPath) }
            let header = try store.connection.transaction(immediate: false, context: "reading the ledger for an export") {
                try writeBody(selection: selection, to: bodyPath)
            }
            // Header first, then the entry lines.
            let output: BundleFileWriter
            let partial = scratch + ".partial"
            if path == "-" {
                output = BundleFileWriter(descriptor: STDOUT_FILENO, name: "standard output")
            } else {
                output = try BundleFileWriter(creating: partial)
            }
            defer { if path != "-" { unlink(partial) } }
            try output.writeLine(header.line)
            var reader = try BundleLineReader(path: bodyPath)
            var bytes = Int64(header.line.count + 1)
            while let line = try reader.next() {
                try output.writeLine(line)
                bytes += Int64(line.count + 1)
            }
            try output.sync()
            if path != "-" {
                guard rename(partial, path) == 0 else {
                    throw LedgerError.io(path: path, reason: "cannot move the bundle into place: \(String(cString: strerror(errno)))")
                }
            }
            return ExportSummary(header: header, path: path, bytes: bytes)
        } catch let error as ExportError {
            throw error
        } catch {
            throw LedgerError.wrap(error)
        }
    }

    /// Writes the entry lines of the selection to `bodyPath`, verifying them, and returns the signed header.
    private func writeBody(selection: ExportSelection, to bodyPath: String) throws -> BundleHeader {
        let connection = store.connection
        let headRows = try connection.rows("SELECT seq, mac FROM entries ORDER BY seq DESC LIMIT 1", context: "reading the ledger's head")
        guard let headSeq = headRows.first?["seq"]?.integer, let headMac = headRows.first?["mac"]?.text else {
            throw LedgerError.notALedger(path: store.path, detail: "it holds no entries")
        }
        // The first and last matching seq.
        var conditions = ["seq <= ?1"]
        var arguments: [SQLValue] = [.integer(headSeq)]
        func add(_ condition: String, _ value: SQLValue) {
            arguments.append(value)
            conditions.append(condition.replacingOccurrences(of: "?", with: "?\(arguments.count)"))
        }
        if let model = selection.model { add("model = ?", .text(model)) }
        if let since = selection.since { add("recorded_at >= ?", .text(since)) }
        if let until = selection.until { add("recorded_at <= ?", .text(until)) }
        let bounds = try connection.rows(
            "SELECT min(seq) AS first, max(seq) AS last FROM entries WHERE \(conditions.joined(separator: " AND "))", arguments,
            context: "finding the entries to export")
        guard let first = bounds.first?["first"]?.integer, let last = bounds.first?["last"]?.integer else {
            throw ExportError.nothingMatches(selection: selection.summary)
        }

        var previousMac = LedgerStore.zeroMac
        if first > 1 {
            previousMac = try connection.scalar("SELECT mac FROM entries WHERE seq = ?1", [.integer(first - 1)]).text ?? ""
        }
        var findings: [Finding] = []
        var findingCount = 0
        func add(_ seq: Int64, _ kind: FindingKind, _ message: String) {
            findingCount += 1
            if findings.count < 20 { findings.append(Finding(seq: seq, kind: kind, message: message)) }
        }
        var signers: [String: HMACSHA256] = [:]
        var keyIDs = Set<String>()
        var matched: Int64 = 0
        let matchedDigest = try MatchedDigest()
        var expectedSeq = first
        let body = try BundleFileWriter(creating: bodyPath)
        let statement = try connection.prepare("SELECT * FROM entries WHERE seq BETWEEN ?1 AND ?2 ORDER BY seq", context: "exporting")
        try statement.bind([.integer(first), .integer(last)])
        while try statement.step(context: "exporting") {
            let row = statement.row()
            guard let seq = row["seq"]?.integer else { throw LedgerError.malformedEntry(seq: nil, reason: "seq is not an integer") }
            let mac = row["mac"]?.text ?? ""
            let keyID = row["key_id"]?.text ?? ""
            if seq != expectedSeq { add(seq, .gap, "seq \(seq) follows seq \(expectedSeq - 1)") }
            if row["ledger_id"]?.text != store.ledgerID { add(seq, .foreignLedgerID, "ledger_id is not this ledger's") }
            if row["prev_mac"]?.text != previousMac { add(seq, .brokenLink, "prev_mac does not match the mac of the entry before it") }
            let payload = SignedPayload.bytes(of: row.map { (name: $0.key, value: $0.value) })
            if signers[keyID] == nil, let key = keyRing.key(id: keyID) { signers[keyID] = try HMACSHA256(key: key.bytes) }
            if let signer = signers[keyID] {
                if try signer.authenticateHex(payload) != mac || !Hex.isLowercaseHex(mac, count: 64) {
                    add(seq, .macMismatch, "mac does not recompute with key \(keyID): the entry was altered")
                }
            } else {
                add(seq, .unknownKeyID, "key_id \(keyID) is not in the key file \(keyRing.path)")
            }
            keyIDs.insert(keyID)
            let isMatch = selection.matches(model: row["model"]?.text, recordedAt: row["recorded_at"]?.text ?? "")
            if isMatch { matched += 1 }
            try matchedDigest.add(seq: seq, matched: isMatch)
            if findingCount == 0 {
                let line = EvidenceBundle.entryLine(payload: payload, mac: mac, matched: isMatch)
                guard line.count <= EvidenceBundle.maxLineBytes else { throw ExportError.lineTooLong(seq: seq, bytes: line.count) }
                try body.writeLine(line)
            }
            previousMac = mac
            expectedSeq = seq + 1
        }
        if expectedSeq != last + 1 { add(last, .gap, "entries \(expectedSeq)…\(last) are missing") }
        guard findingCount == 0 else { throw ExportError.doesNotVerify(findings: findings, total: findingCount) }
        try body.sync()
        var header = BundleHeader(
            ledgerID: store.ledgerID, exportedAt: Timestamp.now(), firstSeq: first, lastSeq: last,
            entryCount: last - first + 1, matchedCount: matched, headSeq: headSeq, headMac: headMac,
            keyIDs: keyIDs.sorted(), filterModel: selection.model, filterSince: selection.since,
            filterUntil: selection.until, matchedDigest: try matchedDigest.finish(), headerKeyID: keyRing.active.id)
        try header.sign(with: keyRing.active)
        return header
    }
}
