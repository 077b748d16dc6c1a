import Foundation

/// The result of verifying a bundle.
public struct BundleVerificationReport: Sendable {
    /// The bundle file.
    public var path: String
    /// The header, when line 1 could be read as one.
    public var header: BundleHeader?
    /// Lines read, the header included.
    public var lines = 0
    /// Entry lines.
    public var entries: Int64 = 0
    /// Entry lines marked `"matched":true`.
    public var matched: Int64 = 0
    /// The seq of the first and last entry lines, and the last line's mac.
    public var firstSeq: Int64?
    public var lastSeq: Int64?
    public var lastMac: String?
    /// The ledger_id of the entries (the header's, else the first entry's).
    public var ledgerID: String?
    /// Entry lines per key id, in order of first use.
    public var keyUsage: [(keyID: String, rows: Int64)] = []
    /// Findings in line order (at most `findingLimit`), and how many there were.
    public var findings: [Finding] = []
    public var findingCount = 0
    /// True when the header carries `matched_digest` (bundle version 2) and the flags give it: the
    /// `matched` flags are then as authentic as the header. False for version-1 bundles.
    public var matchedAuthenticated = false
    /// What the verification could not prove, although nothing was found (e.g. a version-1 bundle's
    /// unauthenticated matched flags).
    public var warnings: [String] = []
    /// The checkpoint the lines' inclusion proofs are against (a bundle with proofs), when readable.
    public var checkpoint: TreeCheckpoint?
    /// True when the checkpoint note's signature verified with the public key given.
    public var checkpointVerified = false
    /// Entry lines whose inclusion proof verified against the checkpoint.
    public var proved: Int64 = 0
    /// True when the HMACs (entries' `mac`, `header_mac`) were recomputed: a key file was given.
    public var macsChecked = true
    /// True when a public key was given (the checkpoint's signature checked).
    public var publicKeyGiven = false

    /// True when the bundle carries proofs (a `checkpoint` in its header).
    public var hasProofs: Bool { header?.checkpoint != nil }

    public init(path: String) { self.path = path }

    /// True when nothing was found.
    public var isIntact: Bool { findingCount == 0 }

    /// The report as JSON.
    public var jsonValue: JSONValue {
        func int(_ i: Int64?) -> JSONValue { i.map { .integer($0) } ?? .null }
        var members: [String: JSONValue] = [
            "bundle": .string(path),
            "bundle_version": header.map { .integer($0.bundleVersion) } ?? .null,
            "intact": .bool(isIntact),
            "matched_authenticated": .bool(matchedAuthenticated),
            "warnings": .array(warnings.map { .string($0) }),
            "ledger_id": ledgerID.map { .string($0) } ?? .null,
            "lines": .integer(Int64(lines)),
            "entries": .integer(entries),
            "matched": .integer(matched),
            "first_seq": int(firstSeq),
            "last_seq": int(lastSeq),
            "head_seq": int(header?.headSeq),
            "head_mac": header.map { .string($0.headMac) } ?? .null,
            "exported_at": header.map { .string($0.exportedAt) } ?? .null,
            "keys": .array(keyUsage.map { .object(["key_id": .string($0.keyID), "rows": .integer($0.rows)]) }),
            "finding_count": .integer(Int64(findingCount)),
            "findings": .array(findings.map(\.jsonValue)),
        ]
        if hasProofs || !macsChecked || publicKeyGiven {
            // Only for bundles with proofs or a public-key verification: older reports keep their members.
            members["macs_checked"] = .bool(macsChecked)
            members["header_authenticated"] = .bool(
                macsChecked && !findings.contains { $0.kind == .headerMacMismatch || $0.kind == .unknownKeyID && $0.line == 1 })
            members["proved"] = .integer(proved)
            members["checkpoint"] =
                checkpoint.map { c in
                    .object([
                        "origin": .string(c.origin), "size": .integer(c.size),
                        "root_hash": .string(Data(c.rootHash).base64EncodedString()),
                        "ledger_head_seq": c.ledgerHead.map { .integer($0.seq) } ?? .null,
                        "time": c.time.map { .string($0) } ?? .null,
                        "signature_verified": .bool(checkpointVerified),
                    ])
                } ?? .null
        }
        return .object(members)
    }
}

/// Verifies an evidence bundle without the database: every line's mac recomputes (key by `key_id`),
/// each `prev_mac` links to the line before, seqs are contiguous, one ledger_id throughout, no entry is
/// signed by a key retired earlier in the bundle, and the signed header agrees with the lines (range,
/// counts, key ids, the matched flags' digest, and the head when the bundle ends at it). Every finding is
/// reported, with its line and seq. A line longer than `EvidenceBundle.maxLineBytes` is a `line_too_long`
/// finding, and reading stops there.
///
/// A bundle with proofs (a `checkpoint` in its header) is also checked against the note: each line's
/// leaf hash and inclusion proof against the note's root and size, and, with `noteKey`, the note's
/// signature. With `noteKey` and no key ring, nothing needs the HMAC key: the proofs authenticate
/// every entry, the links, seqs and ledger_id are compared as stored (`ChainChecker(storedMacsOnly:)`),
/// and the header and matched flags are reported as not authenticated (warnings).
public struct BundleVerifier {
    /// The HMAC keys (nil: verification with a public key only).
    public var keyRing: KeyRing?
    /// The verifier key of the bundle's checkpoint note, given the note's origin (a vkey names its own
    /// key; a PEM key is named after the origin). Nil: the note's signature is not checked.
    public var noteKey: ((_ origin: String) throws -> NoteVerifierKey)?
    /// Keep at most this many findings (the count stays exact).
    public var findingLimit: Int

    public init(keyRing: KeyRing, findingLimit: Int = 1000) {
        self.keyRing = keyRing
        self.findingLimit = findingLimit
    }

    /// A verifier with the checkpoint's public key (`noteKey`), and with the HMAC keys when `keyRing`
    /// is given. Without a key ring, a bundle without proofs is refused (`BundleVerificationError`).
    public init(keyRing: KeyRing?, noteKey: @escaping (_ origin: String) throws -> NoteVerifierKey, findingLimit: Int = 1000) {
        self.keyRing = keyRing
        self.noteKey = noteKey
        self.findingLimit = findingLimit
    }

    /// Verifies the bundle at `path`, streaming it line by line.
    public func verify(path: String) throws -> BundleVerificationReport {
        var reader = try BundleLineReader(path: path, maxLineBytes: EvidenceBundle.maxLineBytes)
        var state = try State(verifier: self, report: BundleVerificationReport(path: path))
        do {
            while let line = try reader.next() {
                try state.consume(line)
            }
        } catch let long as BundleLineTooLong {
            state.report.lines = long.line
            state.add(
                long.line, nil, .lineTooLong,
                "line \(long.line) is longer than \(long.limit) bytes, the most a bundle line may hold: reading stopped there, the rest of the bundle was not checked"
            )
            state.closeKeyUsage()
            return state.report
        }
        try state.finish()
        return state.report
    }

    /// Verifies a bundle held in memory (one element per line, without newlines).
    public func verify(lines: [[UInt8]], name: String = "bundle") throws -> BundleVerificationReport {
        var state = try State(verifier: self, report: BundleVerificationReport(path: name))
        for (index, line) in lines.enumerated() {
            guard line.count <= EvidenceBundle.maxLineBytes else {
                state.report.lines = index + 1
                state.add(
                    index + 1, nil, .lineTooLong,
                    "line \(index + 1) is longer than \(EvidenceBundle.maxLineBytes) bytes, the most a bundle line may hold: reading stopped there, the rest of the bundle was not checked"
                )
                state.closeKeyUsage()
                return state.report
            }
            try state.consume(line)
        }
        try state.finish()
        return state.report
    }

    private struct State {
        let verifier: BundleVerifier
        var report: BundleVerificationReport
        var signers: [String: HMACSHA256?] = [:]
        /// The chain rules, from the first entry line on.
        var chain: ChainChecker?
        /// Recomputes the macs (nil without a key ring: `StoredMacsOnly`).
        var macs: InlineMacCheck?
        var storedMacs = StoredMacsOnly()
        var headerLineSeen = false
        /// The tree the lines' proofs are checked against (a bundle with a readable checkpoint).
        var proofTree: TreeCheckpoint?
        /// The digest of the lines' seq and matched flags, compared with the header's `matched_digest`.
        let matchedDigest: MatchedDigest
        /// Version-1 bundles: lines whose flag disagrees with the header's filter, and the first one.
        var flagsAgainstFilter = 0
        var firstFlagAgainstFilter: Int?

        init(verifier: BundleVerifier, report: BundleVerificationReport) throws {
            self.verifier = verifier
            self.report = report
            macs = verifier.keyRing.map(InlineMacCheck.init(keyRing:))
            matchedDigest = try MatchedDigest()
            self.report.macsChecked = verifier.keyRing != nil
            self.report.publicKeyGiven = verifier.noteKey != nil
        }

        mutating func add(_ line: Int, _ seq: Int64?, _ kind: FindingKind, _ message: String) {
            report.findingCount += 1
            if report.findings.count < verifier.findingLimit {
                report.findings.append(Finding(line: line, seq: seq, kind: kind, message: message))
            }
        }

        mutating func signer(for keyID: String) throws -> HMACSHA256? {
            if let known = signers[keyID] { return known }
            let signer = try verifier.keyRing?.key(id: keyID).map { try HMACSHA256(key: $0.bytes) }
            signers[keyID] = signer
            return signer
        }

        /// Entry lines per key id, in order of first use.
        mutating func closeKeyUsage() {
            report.keyUsage = chain?.keyUsage.map { (keyID: $0.keyID, rows: $0.rows) } ?? []
        }

        mutating func consume(_ line: [UInt8]) throws {
            report.lines += 1
            let number = report.lines
            if number == 1 {
                try readHeader(line)
                return
            }
            if line.isEmpty {
                add(number, nil, .malformedLine, "line \(number) is empty")
                return
            }
            let expected = chain.map { $0.previousSeq.flatMap { $0 < Int64.max ? $0 + 1 : nil } } ?? report.header?.firstSeq
            let parsed: JSONValue
            do {
                parsed = try JSONValue(parsing: line)
            } catch {
                add(number, expected, .malformedLine, "line \(number)\(expected.map { " (expected seq \($0))" } ?? "") is not JSON: \(error)")
                return
            }
            let members = parsed.objectValue.map { Set($0.keys) }
            let withProof = members == ["entry", "inclusion_proof", "leaf_index", "mac", "matched"]
            guard let object = parsed.objectValue, members == ["entry", "mac", "matched"] || withProof,
                let entry = object["entry"]?.objectValue, let mac = object["mac"]?.stringValue,
                case .bool(let matched)? = object["matched"]
            else {
                add(
                    number, expected, .malformedLine,
                    "line \(number)\(expected.map { " (expected seq \($0))" } ?? "") is not an entry line {\"entry\":{…},\"mac\":\"…\",\"matched\":true|false}"
                        + (report.hasProofs ? " with \"inclusion_proof\" and \"leaf_index\"" : ""))
                return
            }
            if withProof, report.header != nil, !report.hasProofs {
                add(
                    number, expected, .malformedLine,
                    "line \(number)\(expected.map { " (expected seq \($0))" } ?? "") carries an inclusion proof, but the header has no checkpoint to prove it against"
                )
                return
            }
            guard case .integer(let seq)? = entry["seq"], let ledgerID = entry["ledger_id"]?.stringValue,
                entry["key_id"]?.stringValue != nil, entry["prev_mac"]?.stringValue != nil,
                entry["mac"] == nil,
                entry.values.allSatisfy({ if case .integer = $0 { true } else if case .string = $0 { true } else { false } })
            else {
                add(
                    number, expected, .malformedLine,
                    "line \(number)\(expected.map { " (expected seq \($0))" } ?? ""): the entry must hold seq, ledger_id, key_id and prev_mac, no mac, and only integers and strings"
                )
                return
            }
            if CanonicalJSON.encode(parsed) != line {
                add(number, seq, .notCanonical, "seq \(seq): line \(number) is not in canonical form (RFC 8785): it was re-encoded or edited")
            }
            report.entries += 1
            if matched { report.matched += 1 }
            try matchedDigest.add(seq: seq, matched: matched)
            if let header = report.header, header.matchedDigest == nil {
                // Version 1: the flag is not signed; at least compare it with the signed filter.
                let selection = ExportSelection(model: header.filterModel, since: header.filterSince, until: header.filterUntil)
                if selection.matches(model: entry["model"]?.stringValue, recordedAt: entry["recorded_at"]?.stringValue ?? "") != matched {
                    flagsAgainstFilter += 1
                    if firstFlagAgainstFilter == nil { firstFlagAgainstFilter = number }
                }
            }
            if report.firstSeq == nil { report.firstSeq = seq }
            if report.ledgerID == nil { report.ledgerID = ledgerID }

            // The chain rules: order, links, ledger_id, keys, the signature (without a key ring: the
            // stored values only; the inclusion proofs below authenticate the entries).
            let start = ChainStart.detached(expectedSeq: report.header?.firstSeq, ledgerID: report.ledgerID)
            var checker =
                chain
                ?? (verifier.keyRing.map { ChainChecker(keyRing: $0, start: start, unknownKeyLimit: Int.max) }
                    ?? ChainChecker(storedMacsOnly: start))
            var violations: [ChainViolation] = []
            let row = BundleLineRow(entry: entry, mac: mac)
            if var inline = macs {
                macs = nil
                defer { macs = inline }
                try checker.check(row, mac: &inline) { violations.append($0) }
            } else {
                try checker.check(row, mac: &storedMacs) { violations.append($0) }
            }
            chain = checker
            for violation in violations {
                add(number, seq, violation.kind, Self.message(violation, seq: seq, line: number, keyFile: verifier.keyRing?.path ?? "(none)"))
            }
            if report.hasProofs { checkProof(object, entry: entry, mac: mac, seq: seq, line: number) }
            report.lastSeq = seq
            report.lastMac = mac
        }

        /// Checks line `number`'s inclusion proof against the checkpoint: leaf_index = seq − 1, seq within
        /// the tree, and the RFC 9162 algorithm from the leaf hash of the entry (every column, mac included).
        mutating func checkProof(_ line: [String: JSONValue], entry: [String: JSONValue], mac: String, seq: Int64, line number: Int) {
            func invalid(_ message: String) { add(number, seq, .inclusionProofInvalid, "seq \(seq): " + message) }
            guard case .integer(let leafIndex)? = line["leaf_index"], case .array(let items)? = line["inclusion_proof"] else {
                invalid(
                    "line \(number) carries no inclusion proof (leaf_index and inclusion_proof), but the bundle's entries are proved against its checkpoint")
                return
            }
            // An unreadable checkpoint is one finding on line 1; nothing to prove against.
            guard let tree = proofTree else { return }
            var path: [TreeHash] = []
            path.reserveCapacity(items.count)
            for item in items {
                guard let text = item.stringValue, let bytes = Data(base64Encoded: text), bytes.count == 32 else {
                    invalid("line \(number)'s inclusion_proof holds an element that is not base64 of a 32-byte hash")
                    return
                }
                path.append(Array(bytes))
            }
            guard seq >= 1, leafIndex == seq - 1 else {
                invalid("line \(number)'s leaf_index \(leafIndex) is not seq − 1")
                return
            }
            guard seq <= tree.size else {
                invalid("the entry is beyond the checkpoint's tree (\(tree.size) entries): it cannot be proved against it")
                return
            }
            var columns = entry
            columns["mac"] = .string(mac)
            let leaf = MerkleHash.leaf(CanonicalJSON.encode(.object(columns)))
            if MerkleProof.verifyInclusion(leafHash: leaf, leafIndex: leafIndex, treeSize: tree.size, proof: path, root: tree.rootHash) {
                report.proved += 1
            } else {
                invalid(
                    "the inclusion proof on line \(number) does not prove this entry in the checkpoint's tree of \(tree.size) entries: the line was edited, or the proof is not its own"
                )
            }
        }

        /// Reads the header's checkpoint note and, with a public key, checks its signature.
        mutating func readCheckpoint(_ text: String) {
            let note: SignedNote
            let body: TreeCheckpoint
            do {
                note = try SignedNote(parsing: text)
                body = try TreeCheckpoint(parsing: note.text)
            } catch {
                add(1, nil, .bundleCheckpointInvalid, "the header's checkpoint is not a signed checkpoint note: \(error)")
                return
            }
            report.checkpoint = body
            proofTree = body
            guard let noteKey = verifier.noteKey else { return }
            let key: NoteVerifierKey
            do {
                key = try noteKey(body.origin)
            } catch {
                add(1, nil, .bundleCheckpointInvalid, "the checkpoint note cannot be checked with the public key: \(error)")
                return
            }
            do {
                try note.verify(with: key)
                report.checkpointVerified = true
            } catch SignedNoteError.noTrustedSignature {
                let signers = note.signatures.map { "\($0.keyName)+\(Hex.encode($0.keyID))" }.joined(separator: ", ")
                add(
                    1, nil, .bundleCheckpointInvalid,
                    "the checkpoint note carries no signature by the public key given (\(key.name)+\(Hex.encode(key.keyID))); it is signed by \(signers): not a note you can trust"
                )
            } catch {
                add(
                    1, nil, .bundleCheckpointInvalid,
                    "the checkpoint note's signature does not verify with the public key given: the note was altered (\(error))")
            }
        }

        /// A chain rule broken on bundle line `line`, in words.
        static func message(_ violation: ChainViolation, seq: Int64, line: Int, keyFile: String) -> String {
            switch violation {
            case let .gap(previous, expected):
                guard let expected else {
                    return "seq \(seq) on line \(line) follows seq \(previous ?? seq): seq runs backwards: lines were reordered or repeated"
                }
                let what =
                    expected < Int64.max && seq == expected + 1
                    ? "entry \(expected) is missing"
                    : seq > expected
                        ? "entries \(expected)…\(seq - 1) are missing"
                        : "seq runs backwards: lines were reordered or repeated"
                return "seq \(seq) on line \(line), expected \(expected): \(what)"
            case .seqNotInteger:
                return "seq \(seq): seq is not an integer"
            case let .disallowedValue(column):
                return "seq \(seq): \(column) holds a value the format does not allow"
            case let .foreignLedgerID(found, expected):
                return "seq \(seq): ledger_id \(found ?? "null") is not the bundle's (\(expected))"
            case let .brokenLink(previous):
                return previous == nil && seq == 1
                    ? "seq 1: prev_mac of the ledger's first entry is not 64 zeros"
                    : "seq \(seq): prev_mac does not match the mac of the line before it (line \(line - 1))"
            case let .retiredKey(keyID, retiredAt):
                return "seq \(seq): signed with key \(keyID), which was retired at seq \(retiredAt)"
            case let .unannouncedKey(keyID):
                return
                    "seq \(seq): signed with key \(keyID), which is neither the key of the bundle's first line nor announced by a key.rotated line signed by its predecessor"
            case let .unknownKeyID(keyID):
                return "seq \(seq): key_id \(keyID) is not in the key file \(keyFile)"
            case let .macMismatch(keyID):
                return "seq \(seq): mac does not recompute with key \(keyID): the entry was altered"
            }
        }

        mutating func readHeader(_ line: [UInt8]) throws {
            let header: BundleHeader
            do {
                let parsed = try JSONValue(parsing: line)
                header = try BundleHeader(json: parsed)
                if CanonicalJSON.encode(parsed) != line {
                    add(1, nil, .notCanonical, "the header (line 1) is not in canonical form (RFC 8785): it was re-encoded or edited")
                }
            } catch {
                add(1, nil, .malformedHeader, "line 1 is not a bundle header: \(error)")
                return
            }
            report.header = header
            report.ledgerID = header.ledgerID
            if let note = header.checkpoint {
                readCheckpoint(note)
            } else if verifier.keyRing == nil {
                throw BundleVerificationError.noProofs(bundleVersion: header.bundleVersion)
            }
            guard verifier.keyRing != nil else { return }
            if let signer = try signer(for: header.headerKeyID) {
                if try signer.authenticateHex(header.signedBytes) != header.headerMac {
                    add(1, nil, .headerMacMismatch, "the header's header_mac does not recompute with key \(header.headerKeyID): the header was edited")
                }
            } else {
                add(1, nil, .unknownKeyID, "header_key_id \(header.headerKeyID) is not in the key file \(verifier.keyRing?.path ?? "(none)")")
            }
        }

        mutating func finish() throws {
            closeKeyUsage()
            if report.lines == 0 {
                add(1, nil, .malformedHeader, "the bundle is empty")
                return
            }
            if report.entries == 0 {
                add(report.lines, nil, .empty, "the bundle holds no entry lines")
            }
            guard let header = report.header else { return }
            func mismatch(_ message: String) { add(1, nil, .headerMismatch, message) }
            if let first = report.firstSeq, first != header.firstSeq {
                mismatch("the header says the bundle starts at seq \(header.firstSeq), but its first entry line is seq \(first)")
            }
            if let last = report.lastSeq, last != header.lastSeq {
                mismatch(
                    "the header says the bundle ends at seq \(header.lastSeq), but its last entry line is seq \(last): lines were removed or added at the end")
            }
            if report.entries != header.entryCount {
                mismatch("the header says \(header.entryCount) entry lines, the bundle holds \(report.entries)")
            }
            if report.matched != header.matchedCount {
                mismatch("the header says \(header.matchedCount) lines matched the export filter, the bundle marks \(report.matched)")
            }
            // The digest covers the lines the header claims: when lines are missing or added, the range and
            // count findings above already say so, and the digest is not comparable.
            let sameLines = report.entries == header.entryCount && report.firstSeq == header.firstSeq && report.lastSeq == header.lastSeq
            if let expected = header.matchedDigest {
                if !sameLines {
                    // Already a header_mismatch; the flags are not authenticated either.
                } else if try matchedDigest.finish() == expected {
                    // Without the key, the digest agrees but the header that holds it is not authenticated.
                    report.matchedAuthenticated = verifier.keyRing != nil
                } else {
                    add(
                        1, nil, .matchedMismatch,
                        "the lines' \"matched\" flags do not give the header's matched_digest: a flag was changed (or lines were edited, moved or removed)")
                }
            } else {
                report.warnings.append(
                    "bundle version 1: the lines' \"matched\" flags are NOT authenticated (the header's MAC does not cover them); "
                        + "they show what the exporter marked but prove nothing. Bundles written by this version carry matched_digest.")
                if flagsAgainstFilter > 0 {
                    report.warnings.append(
                        "\(flagsAgainstFilter) line(s) carry a \"matched\" flag that disagrees with the header's filter (first: line \(firstFlagAgainstFilter ?? 0))"
                    )
                }
            }
            if verifier.keyRing == nil {
                var warning =
                    "no key file: the header (header_mac) is NOT authenticated, so neither are its claims (range, counts, head, filter) "
                    + "nor the lines' matched flags; the inclusion proofs authenticate every entry line against the signed checkpoint"
                if let checkpoint = report.checkpoint, let first = report.firstSeq, let last = report.lastSeq, first != 1 || last != checkpoint.size {
                    warning +=
                        ". Lines cut from the start or the end of the bundle, with the header edited to match, would not be detected "
                        + "(the bundle holds seq \(first)…\(last) of a checkpoint of \(checkpoint.size) entries)"
                }
                report.warnings.append(warning)
            } else if header.checkpoint != nil, verifier.noteKey == nil {
                report.warnings.append(
                    "the checkpoint note's signature was not checked (no --public-key); the entries are authenticated by their HMACs")
            }
            let used = report.keyUsage.map(\.keyID).sorted()
            if report.entries > 0, used != header.keyIDs.sorted() {
                mismatch("the header names keys \(header.keyIDs.joined(separator: ", ")), the entries are signed by \(used.joined(separator: ", "))")
            }
            if header.headSeq < header.lastSeq {
                mismatch("the header's head seq \(header.headSeq) is before its last seq \(header.lastSeq)")
            } else if header.headSeq == header.lastSeq, let lastMac = report.lastMac, report.lastSeq == header.lastSeq,
                lastMac != header.headMac
            {
                mismatch("the bundle ends at the head (seq \(header.headSeq)) but the head mac in the header differs from the last line's mac")
            }
        }
    }
}

/// Why a bundle could not be verified at all.
public enum BundleVerificationError: Error, Equatable, CustomStringConvertible {
    /// Only a public key was given, and the bundle carries no checkpoint and proofs: nothing could
    /// check its entries.
    case noProofs(bundleVersion: Int64)

    public var description: String {
        switch self {
        case let .noProofs(version):
            "this bundle (version \(version)) carries no checkpoint and no inclusion proofs, so a public key can check nothing in it: "
                + "verify it with the HMAC key file (--key-file), or ask for a bundle exported with --sign-key"
        }
    }
}

/// New finding kinds of bundles with proofs.
extension FindingKind {
    /// A line's inclusion proof does not prove its entry in the checkpoint's tree (the line was
    /// edited, its proof is another line's, or it lies beyond the tree), or the line has none.
    public static let inclusionProofInvalid = FindingKind(rawValue: "inclusion_proof_invalid")
    /// The header's checkpoint note cannot be read, or its signature does not verify with the
    /// public key given (signed by another key, or edited).
    public static let bundleCheckpointInvalid = FindingKind(rawValue: "checkpoint_invalid")
}

/// An entry line of a bundle as a chain row: P is the line's `entry` object, re-encoded canonically.
struct BundleLineRow: TextChainRow {
    let entry: [String: JSONValue]
    let mac: String

    var seq: Int64 { entry["seq"]?.integerValue ?? 0 }
    var seqIsInteger: Bool { entry["seq"]?.integerValue != nil }
    var disallowedValueColumn: String? { nil }
    var ledgerIDValue: String? { entry["ledger_id"]?.stringValue }
    var prevMacValue: String? { entry["prev_mac"]?.stringValue }
    var keyIDValue: String? { entry["key_id"]?.stringValue }
    var macValue: String? { mac }
    var kindValue: String? { entry["kind"]?.stringValue }
    var detailsValue: String? { entry["details"]?.stringValue }
    var refSeq: Int64? { entry["ref_seq"]?.integerValue }
    func signedPayload() -> [UInt8] { CanonicalJSON.encode(.object(entry)) }
}
