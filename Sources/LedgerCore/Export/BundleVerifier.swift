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

    public init(path: String) { self.path = path }

    /// True when nothing was found.
    public var isIntact: Bool { findingCount == 0 }

    /// The report as JSON.
    public var jsonValue: JSONValue {
        func int(_ i: Int64?) -> JSONValue { i.map { .integer($0) } ?? .null }
        return .object([
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
        ])
    }
}

/// Verifies an evidence bundle without the database: every line's mac recomputes (key by `key_id`),
/// each `prev_mac` links to the line before, seqs are contiguous, one ledger_id throughout, no entry is
/// signed by a key retired earlier in the bundle, and the signed header agrees with the lines (range,
/// counts, key ids, the matched flags' digest, and the head when the bundle ends at it). Every finding is
/// reported, with its line and seq. A line longer than `EvidenceBundle.maxLineBytes` is a `line_too_long`
/// finding, and reading stops there.
public struct BundleVerifier {
    public var keyRing: KeyRing
    /// Keep at most this many findings (the count stays exact).
    public var findingLimit: Int

    public init(keyRing: KeyRing, findingLimit: Int = 1000) {
        self.keyRing = keyRing
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
            state.add(long.line, nil, .lineTooLong,
                "line \(long.line) is longer than \(long.limit) bytes, the most a bundle line may hold: reading stopped there, the rest of the bundle was not checked")
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
                state.add(index + 1, nil, .lineTooLong,
                    "line \(index + 1) is longer than \(EvidenceBundle.maxLineBytes) bytes, the most a bundle line may hold: reading stopped there, the rest of the bundle was not checked")
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
        var macs: InlineMacCheck
        var headerLineSeen = false
        /// The digest of the lines' seq and matched flags, compared with the header's `matched_digest`.
        let matchedDigest: MatchedDigest
        /// Version-1 bundles: lines whose flag disagrees with the header's filter, and the first one.
        var flagsAgainstFilter = 0
        var firstFlagAgainstFilter: Int?

        init(verifier: BundleVerifier, report: BundleVerificationReport) throws {
            self.verifier = verifier
            self.report = report
            macs = InlineMacCheck(keyRing: verifier.keyRing)
            matchedDigest = try MatchedDigest()
        }

        mutating func add(_ line: Int, _ seq: Int64?, _ kind: FindingKind, _ message: String) {
            report.findingCount += 1
            if report.findings.count < verifier.findingLimit {
                report.findings.append(Finding(line: line, seq: seq, kind: kind, message: message))
            }
        }

        mutating func signer(for keyID: String) throws -> HMACSHA256? {
            if let known = signers[keyID] { return known }
            let signer = try verifier.keyRing.key(id: keyID).map { try HMACSHA256(key: $0.bytes) }
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
            guard let object = parsed.objectValue, Set(object.keys) == ["entry", "mac", "matched"],
                let entry = object["entry"]?.objectValue, let mac = object["mac"]?.stringValue,
                case .bool(let matched)? = object["matched"]
            else {
                add(number, expected, .malformedLine,
                    "line \(number)\(expected.map { " (expected seq \($0))" } ?? "") is not an entry line {\"entry\":{…},\"mac\":\"…\",\"matched\":true|false}")
                return
            }
            guard case .integer(let seq)? = entry["seq"], let ledgerID = entry["ledger_id"]?.stringValue,
                entry["key_id"]?.stringValue != nil, entry["prev_mac"]?.stringValue != nil,
                entry["mac"] == nil,
                entry.values.allSatisfy({ if case .integer = $0 { true } else if case .string = $0 { true } else { false } })
            else {
                add(number, expected, .malformedLine,
                    "line \(number)\(expected.map { " (expected seq \($0))" } ?? ""): the entry must hold seq, ledger_id, key_id and prev_mac, no mac, and only integers and strings")
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

            // The chain rules: order, links, ledger_id, keys, the signature.
            var checker = chain ?? ChainChecker(
                keyRing: verifier.keyRing, start: .detached(expectedSeq: report.header?.firstSeq, ledgerID: report.ledgerID),
                unknownKeyLimit: Int.max)
            var violations: [ChainViolation] = []
            try checker.check(BundleLineRow(entry: entry, mac: mac), mac: &macs) { violations.append($0) }
            chain = checker
            for violation in violations {
                add(number, seq, violation.kind, Self.message(violation, seq: seq, line: number, keyFile: verifier.keyRing.path))
            }
            report.lastSeq = seq
            report.lastMac = mac
        }

        /// A chain rule broken on bundle line `line`, in words.
        static func message(_ violation: ChainViolation, seq: Int64, line: Int, keyFile: String) -> String {
            switch violation {
            case let .gap(previous, expected):
                guard let expected else {
                    return "seq \(seq) on line \(line) follows seq \(previous ?? seq): seq runs backwards: lines were reordered or repeated"
                }
                let what = expected < Int64.max && seq == expected + 1 ? "entry \(expected) is missing"
                    : seq > expected ? "entries \(expected)…\(seq - 1) are missing"
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
                return "seq \(seq): signed with key \(keyID), which is neither the key of the bundle's first line nor announced by a key.rotated line signed by its predecessor"
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
            if let signer = try signer(for: header.headerKeyID) {
                if try signer.authenticateHex(header.signedBytes) != header.headerMac {
                    add(1, nil, .headerMacMismatch, "the header's header_mac does not recompute with key \(header.headerKeyID): the header was edited")
                }
            } else {
                add(1, nil, .unknownKeyID, "header_key_id \(header.headerKeyID) is not in the key file \(verifier.keyRing.path)")
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
                mismatch("the header says the bundle ends at seq \(header.lastSeq), but its last entry line is seq \(last): lines were removed or added at the end")
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
                    report.matchedAuthenticated = true
                } else {
                    add(1, nil, .matchedMismatch,
                        "the lines' \"matched\" flags do not give the header's matched_digest: a flag was changed (or lines were edited, moved or removed)")
                }
            } else {
                report.warnings.append(
                    "bundle version 1: the lines' \"matched\" flags are NOT authenticated (the header's MAC does not cover them); "
                        + "they show what the exporter marked but prove nothing. Bundles written by this version carry matched_digest.")
                if flagsAgainstFilter > 0 {
                    report.warnings.append(
                        "\(flagsAgainstFilter) line(s) carry a \"matched\" flag that disagrees with the header's filter (first: line \(firstFlagAgainstFilter ?? 0))")
                }
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
