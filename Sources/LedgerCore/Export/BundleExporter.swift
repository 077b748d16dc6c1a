import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

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
    /// `--checkpoint NOTE`: the entries to export go beyond the note's tree (`size` entries).
    case beyondCheckpoint(lastSeq: Int64, size: Int64)
    /// `--checkpoint NOTE`: the note cannot be read, or is not of this ledger (`reason`).
    case unusableCheckpoint(reason: String)

    public var errorDescription: String? {
        switch self {
        case let .nothingMatches(selection):
            return "no entry matches (\(selection)); nothing was exported. Check the filters with `ledger log`."
        case let .doesNotVerify(findings, total):
            let first = findings.first.map { ": seq \($0.seq.map(String.init) ?? "?"): \($0.message)" } ?? ""
            return "the entries to export do not verify (\(total) finding(s)\(first)); no bundle was written. Run `ledger verify` and investigate."
        case let .outputExists(path):
            return "\(path) already exists; refusing to overwrite it. Choose another --out path or pass --force."
        case let .lineTooLong(seq, bytes):
            return
                "entry seq \(seq) would be a \(bytes)-byte line, longer than an evidence bundle may hold (\(EvidenceBundle.maxLineBytes) bytes); no bundle was written. Narrow the export with --since/--until to leave it out."
        case let .beyondCheckpoint(lastSeq, size):
            return
                "the entries to export run to seq \(lastSeq), beyond the checkpoint note's tree (\(size) entries): they cannot be proved against it; nothing was exported. Narrow the export (--until), or prove against a fresh note with --sign-key."
        case let .unusableCheckpoint(reason):
            return "cannot prove the bundle against the checkpoint note: \(reason); nothing was exported."
        }
    }
}

/// The proofs an export carries (bundle version 2 with a `checkpoint`, see `EvidenceBundle`).
public enum BundleProofRequest: Sendable {
    /// A fresh C2SP checkpoint note of the ledger at its head, signed with this Ed25519 private key
    /// (PKCS#8 PEM); `origin` defaults to `model-ledger/<ledger_id>` and is the key name.
    case sign(privateKeyPEM: String, origin: String?)
    /// An existing signed checkpoint note (its text): its tree must be this ledger's, and hold every
    /// exported entry.
    case checkpoint(note: String)
}

/// What an export wrote.
public struct ExportSummary: Sendable {
    /// The header written as line 1.
    public var header: BundleHeader
    /// Where the bundle went (`-` for standard output).
    public var path: String
    /// Bytes written.
    public var bytes: Int64
    /// The checkpoint the lines' inclusion proofs are against (nil: no proofs).
    public var checkpoint: TreeCheckpoint?
    /// With a fresh note (`BundleProofRequest.sign`): the C2SP vkey string of its signing key, named
    /// after the origin, which auditors give to `ledger verify --bundle --public-key`.
    public var vkey: String?
}

/// Writes evidence bundles (see `EvidenceBundle`).
///
/// The bundle holds the contiguous seq range from the first to the last entry matching the selection,
/// every kind included, so that each entry's `prev_mac` can be checked against the line before it; lines
/// that matched are marked `"matched":true`. Every exported entry is verified with the chain checker
/// (seq, ledger_id, link, mac, retired and unannounced keys) while it is written, and nothing is left
/// behind when one does not verify.
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
    /// With `proofs`, the bundle carries a signed checkpoint note in its header and an inclusion
    /// proof on every line.
    public func export(selection: ExportSelection, to path: String, overwrite: Bool = false, proofs: BundleProofRequest? = nil) throws -> ExportSummary {
        do {
            if path != "-", !overwrite, FileManager.default.fileExists(atPath: path) { throw ExportError.outputExists(path: path) }
            let proving = try proofs.map(treeHead(for:))
            let directory = path == "-" ? NSTemporaryDirectory() : (path as NSString).deletingLastPathComponent
            let scratch = (directory.isEmpty ? "." : directory) + "/.ledger-export-\(getpid())-\(UUID().uuidString.lowercased())"
            let bodyPath = scratch + ".body"
            defer { unlink(bodyPath) }
            let header = try store.storage.readSnapshot(context: "reading the ledger for an export") {
                try writeBody(selection: selection, to: bodyPath, proving: proving, freshNote: { if case .sign? = proofs { true } else { false } }())
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
            var vkey: String?
            if case let .sign(privateKeyPEM, _)? = proofs, let proving {
                vkey = try NoteVerifierKey(name: proving.checkpoint.origin, pem: privateKeyPEM).vkey
            }
            return ExportSummary(header: header, path: path, bytes: bytes, checkpoint: proving?.checkpoint, vkey: vkey)
        } catch let error as ExportError {
            throw error
        } catch {
            throw LedgerError.wrap(error)
        }
    }

    /// The signed tree the proofs are against (read before the export's snapshot: the tree of an
    /// append-only ledger at a given size does not change).
    private func treeHead(for request: BundleProofRequest) throws -> SignedTreeHead {
        switch request {
        case let .sign(privateKeyPEM, origin):
            do {
                return try store.signedCheckpoint(origin: origin, privateKeyPEM: privateKeyPEM, writable: false)
            } catch CheckpointNoteError.emptyLedger {
                throw LedgerError.notALedger(path: store.path, detail: "it holds no entries")
            }
        case let .checkpoint(text):
            do {
                return try store.tree(provingAgainst: try SignedNote(parsing: text), writable: false)
            } catch let error as SignedNoteError {
                throw ExportError.unusableCheckpoint(reason: error.description)
            } catch let error as CheckpointNoteError {
                throw ExportError.unusableCheckpoint(reason: error.description)
            }
        }
    }

    /// Writes the entry lines of the selection to `bodyPath`, verifying them with the chain checker
    /// (and with `proving`, each with its inclusion proof), and returns the signed header.
    private func writeBody(selection: ExportSelection, to bodyPath: String, proving: SignedTreeHead?, freshNote: Bool) throws -> BundleHeader {
        let storage = store.storage
        guard var (headSeq, headMac) = try storage.headSeqAndMac() else {
            throw LedgerError.notALedger(path: store.path, detail: "it holds no entries")
        }
        if let proving, freshNote, proving.tree.size < headSeq {
            // A fresh note: the bundle is of the ledger as the note saw it (entries appended since are left out).
            headSeq = proving.tree.size
            headMac = try storage.mac(atSeq: headSeq) ?? ""
        }
        // The first and last matching seq.
        guard let (first, last) = try storage.exportBounds(of: selection, upTo: headSeq) else {
            throw ExportError.nothingMatches(selection: selection.summary)
        }
        if let proving, last > proving.tree.size {
            throw ExportError.beyondCheckpoint(lastSeq: last, size: proving.tree.size)
        }

        // The chain from the row before the range, with the keys announced and retired before it.
        var checker: ChainChecker
        if first > 1 {
            checker = ChainChecker(
                keyRing: keyRing, start: .after(seq: first - 1, mac: try storage.mac(atSeq: first - 1) ?? "", ledgerID: store.ledgerID))
            for row in try storage.keyEventRows(before: first) { checker.followKeys(of: row) }
        } else {
            checker = ChainChecker(keyRing: keyRing, start: .genesis(ledgerID: store.ledgerID))
        }
        var macs = InlineMacCheck(keyRing: keyRing)
        var findings: [Finding] = []
        var findingCount = 0
        func add(_ seq: Int64, _ kind: FindingKind, _ message: String) {
            findingCount += 1
            if findings.count < 20 { findings.append(Finding(seq: seq, kind: kind, message: message)) }
        }
        var keyIDs = Set<String>()
        var matched: Int64 = 0
        let matchedDigest = try MatchedDigest()
        let body = try BundleFileWriter(creating: bodyPath)
        try storage.forEachRow(in: first...last, context: "exporting") { row in
            guard row.seqIsInteger else { throw LedgerError.malformedEntry(seq: nil, reason: "seq is not an integer") }
            let seq = row.seq
            try checker.check(row, mac: &macs) { add(seq, $0.kind, Self.message($0, seq: seq, first: first, keyFile: keyRing.path)) }
            let mac = row.macValue ?? ""
            keyIDs.insert(row.keyIDValue ?? "")
            let isMatch = selection.matches(model: row.columns["model"]?.text, recordedAt: row.columns["recorded_at"]?.text ?? "")
            if isMatch { matched += 1 }
            try matchedDigest.add(seq: seq, matched: isMatch)
            if findingCount == 0 {
                let payload = macs.lastPayload.flatMap { $0.seq == seq ? $0.bytes : nil } ?? row.signedPayload()
                let proof = try proving.map { (leafIndex: seq - 1, path: try $0.tree.inclusionProof(seq: seq)) }
                let line = EvidenceBundle.entryLine(payload: payload, proof: proof, mac: mac, matched: isMatch)
                guard line.count <= EvidenceBundle.maxLineBytes else { throw ExportError.lineTooLong(seq: seq, bytes: line.count) }
                try body.writeLine(line)
            }
        }
        let expectedSeq = checker.previousSeq.map { $0 < Int64.max ? $0 + 1 : $0 } ?? first
        if expectedSeq != last + 1 { add(last, .gap, "entries \(expectedSeq)…\(last) are missing") }
        guard findingCount == 0 else { throw ExportError.doesNotVerify(findings: findings, total: findingCount) }
        try body.sync()
        var header = BundleHeader(
            ledgerID: store.ledgerID, exportedAt: Timestamp.now(), firstSeq: first, lastSeq: last,
            entryCount: last - first + 1, matchedCount: matched, headSeq: headSeq, headMac: headMac,
            keyIDs: keyIDs.sorted(), filterModel: selection.model, filterSince: selection.since,
            filterUntil: selection.until, matchedDigest: try matchedDigest.finish(), checkpoint: proving?.text,
            headerKeyID: keyRing.active.id)
        try header.sign(with: keyRing.active)
        return header
    }

    /// A chain rule broken by exported row `seq`, in words.
    static func message(_ violation: ChainViolation, seq: Int64, first: Int64, keyFile: String) -> String {
        switch violation {
        case let .gap(previous, _):
            return "seq \(seq) follows seq \(previous ?? first - 1)"
        case .foreignLedgerID:
            return "ledger_id is not this ledger's"
        case .brokenLink:
            return "prev_mac does not match the mac of the entry before it"
        case .seqNotInteger, .disallowedValue, .retiredKey, .unannouncedKey, .unknownKeyID, .macMismatch:
            return Verifier.message(violation, seq: seq, keyFile: keyFile)
        }
    }
}
