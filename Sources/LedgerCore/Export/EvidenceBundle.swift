import CLedgerCrypto
import Foundation

/// The evidence bundle written by `ledger export` and checked by `ledger verify --bundle`: a JSON Lines
/// file that proves a contiguous range of a ledger's entries without the database.
///
/// Line 1 is the header, every other line one entry, each line RFC 8785 canonical JSON followed by `\n`:
///
///     {"bundle":"model-ledger evidence bundle","bundle_version":1,…,"header_mac":"…"}
///     {"entry":<P>,"mac":"<64 hex>","matched":true}
///
/// where `<P>` is byte for byte the entry's signed payload (the canonical JSON of every non-NULL column
/// except `mac`), so that `mac` = HMAC-SHA256(key, P) can be checked with `openssl dgst`.
/// `matched` says whether the entry matched the export's filter; the others are there so that every
/// `prev_mac` links to the line before it. See docs/reports.md.
///
/// Version 2 (written since the matched flags are authenticated) adds the header member `matched_digest`
/// (see `MatchedDigest`), covered by `header_mac`. Version 1 bundles, without it, are still read; their
/// matched flags are reported as not authenticated.
///
/// A version-2 bundle may also carry proofs (`ledger export --sign-key` or `--checkpoint`): the header
/// member `checkpoint` (a C2SP signed checkpoint note, transparency.md) and, on every entry line,
/// `leaf_index` (seq − 1) and `inclusion_proof` (the RFC 6962 audit path against that note), so that
/// anyone with the note's public key verifies the entries without the HMAC key:
///
///     {"entry":<P>,"inclusion_proof":["<base64>",…],"leaf_index":20,"mac":"<64 hex>","matched":true}
public enum EvidenceBundle {
    /// The value of the header's `bundle` member.
    public static let marker = "model-ledger evidence bundle"
    /// The version of the bundle layout written.
    public static let bundleVersion: Int64 = 2
    /// The versions read: 1 (no `matched_digest`: flags not authenticated) and 2.
    public static let readableVersions: ClosedRange<Int64> = 1...2
    /// The longest line (without its newline) a bundle may hold: 8 MiB. A reader stops at a longer line
    /// (a `line_too_long` finding) instead of buffering it; an export refuses an entry that long. No entry the
    /// `ledger` command writes comes near it (service bodies are kept to 16 KiB, a command-line argument
    /// is at most 128 KiB on Linux).
    public static let maxLineBytes = 8 << 20

    /// One entry line (without its newline) from the signed payload P, the mac and the match flag.
    public static func entryLine(payload: [UInt8], mac: String, matched: Bool) -> [UInt8] {
        entryLine(payload: payload, proof: nil, mac: mac, matched: matched)
    }

    /// One entry line with its inclusion proof (`leafIndex` = seq − 1, `path` from the leaf's sibling
    /// upwards), or without one when `proof` is nil. Members in RFC 8785 order.
    public static func entryLine(payload: [UInt8], proof: (leafIndex: Int64, path: [TreeHash])?, mac: String, matched: Bool) -> [UInt8] {
        var line: [UInt8] = Array(#"{"entry":"#.utf8)
        line.reserveCapacity(payload.count + 100 + (proof?.path.count ?? 0) * 47)
        line.append(contentsOf: payload)
        if let proof {
            line.append(contentsOf: #","inclusion_proof":["#.utf8)
            for (index, hash) in proof.path.enumerated() {
                if index > 0 { line.append(UInt8(ascii: ",")) }
                line.append(UInt8(ascii: "\""))
                line.append(contentsOf: Data(hash).base64EncodedString().utf8)
                line.append(UInt8(ascii: "\""))
            }
            line.append(contentsOf: #"],"leaf_index":"#.utf8)
            line.append(contentsOf: String(proof.leafIndex).utf8)
        }
        line.append(contentsOf: #","mac":"#.utf8)
        CanonicalJSON.appendString(mac, to: &line)
        line.append(contentsOf: #","matched":"#.utf8)
        line.append(contentsOf: (matched ? "true" : "false").utf8)
        line.append(UInt8(ascii: "}"))
        return line
    }
}

/// Line 1 of an evidence bundle: what the bundle holds, and the ledger's head when it was exported.
///
/// The header is signed like an entry: `header_mac` = HMAC-SHA256 of the canonical JSON of every other
/// header member, with the key named by `header_key_id`, so that its claims (range, counts, head) cannot be
/// edited to hide removed lines.
public struct BundleHeader: Sendable, Equatable {
    /// The bundle layout version (2 when written now; 1 for bundles written before `matched_digest`).
    public var bundleVersion: Int64 = EvidenceBundle.bundleVersion
    /// The ledger format version of the entries (1).
    public var formatVersion: Int64 = LedgerStore.formatVersion
    public var ledgerID: String
    /// When the bundle was written.
    public var exportedAt: String
    /// The first and last seq in the bundle: a contiguous range, every entry of it present.
    public var firstSeq: Int64
    public var lastSeq: Int64
    /// Entry lines (lastSeq − firstSeq + 1).
    public var entryCount: Int64
    /// Entry lines that matched the export's filter (`"matched":true`).
    public var matchedCount: Int64
    /// The ledger's newest entry when the bundle was written.
    public var headSeq: Int64
    public var headMac: String
    /// The key ids that signed the bundle's entries, sorted.
    public var keyIDs: [String]
    /// The export's filter: model, since, until (null when absent).
    public var filterModel: String?
    public var filterSince: String?
    public var filterUntil: String?
    /// SHA-256 (lowercase hex) over the entry lines' seq and matched flag (see `MatchedDigest`); nil in
    /// version 1 bundles, required in version 2. Covered by `header_mac`, so the flags cannot be edited.
    public var matchedDigest: String?
    /// Version 2 with proofs: the C2SP signed checkpoint note (its exact text) the lines' inclusion
    /// proofs are against; nil without proofs (and always in version 1). Covered by `header_mac`.
    public var checkpoint: String?
    /// The key that signed the header, and the header's signature.
    public var headerKeyID: String
    public var headerMac: String

    public init(
        ledgerID: String, exportedAt: String, firstSeq: Int64, lastSeq: Int64, entryCount: Int64, matchedCount: Int64,
        headSeq: Int64, headMac: String, keyIDs: [String], filterModel: String?, filterSince: String?,
        filterUntil: String?, matchedDigest: String? = nil, checkpoint: String? = nil, headerKeyID: String, headerMac: String = ""
    ) {
        self.checkpoint = checkpoint
        self.matchedDigest = matchedDigest
        if matchedDigest == nil { bundleVersion = 1 }
        self.ledgerID = ledgerID
        self.exportedAt = exportedAt
        self.firstSeq = firstSeq
        self.lastSeq = lastSeq
        self.entryCount = entryCount
        self.matchedCount = matchedCount
        self.headSeq = headSeq
        self.headMac = headMac
        self.keyIDs = keyIDs
        self.filterModel = filterModel
        self.filterSince = filterSince
        self.filterUntil = filterUntil
        self.headerKeyID = headerKeyID
        self.headerMac = headerMac
    }

    /// Every member except `header_mac`: what `header_mac` signs.
    public var unsignedMembers: [String: JSONValue] {
        func text(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }
        var members: [String: JSONValue] = [
            "bundle": .string(EvidenceBundle.marker),
            "bundle_version": .integer(bundleVersion),
            "format_version": .integer(formatVersion),
            "ledger_id": .string(ledgerID),
            "exported_at": .string(exportedAt),
            "first_seq": .integer(firstSeq),
            "last_seq": .integer(lastSeq),
            "entry_count": .integer(entryCount),
            "matched_count": .integer(matchedCount),
            "head_seq": .integer(headSeq),
            "head_mac": .string(headMac),
            "key_ids": .array(keyIDs.map { .string($0) }),
            "filter": .object(["model": text(filterModel), "since": text(filterSince), "until": text(filterUntil)]),
            "header_key_id": .string(headerKeyID),
        ]
        if let matchedDigest { members["matched_digest"] = .string(matchedDigest) }
        if let checkpoint { members["checkpoint"] = .string(checkpoint) }
        return members
    }

    /// The bytes `header_mac` signs.
    public var signedBytes: [UInt8] { CanonicalJSON.encode(.object(unsignedMembers)) }

    /// Signs the header with `key` (sets `header_key_id` and `header_mac`).
    public mutating func sign(with key: SigningKey) throws {
        headerKeyID = key.id
        headerMac = try HMACSHA256(key: key.bytes).authenticateHex(signedBytes)
    }

    /// The header line (canonical JSON, without its newline).
    public var line: [UInt8] {
        var members = unsignedMembers
        members["header_mac"] = .string(headerMac)
        return CanonicalJSON.encode(.object(members))
    }

    /// Reads a parsed header line; throws a sentence naming what is wrong.
    public init(json: JSONValue) throws {
        guard let object = json.objectValue else { throw BundleHeaderError("line 1 is not a JSON object") }
        func string(_ name: String) throws -> String {
            guard let value = object[name]?.stringValue else { throw BundleHeaderError("header member \(name) is missing or not a string") }
            return value
        }
        func integer(_ name: String) throws -> Int64 {
            guard let value = object[name]?.integerValue else { throw BundleHeaderError("header member \(name) is missing or not an integer") }
            return value
        }
        func optional(_ value: JSONValue?, _ name: String) throws -> String? {
            switch value {
            case nil, .null?: return nil
            case .string(let s)?: return s
            default: throw BundleHeaderError("header member filter.\(name) is not a string or null")
            }
        }
        guard try string("bundle") == EvidenceBundle.marker else {
            throw BundleHeaderError("line 1 is not an evidence bundle header (its \"bundle\" member is not \"\(EvidenceBundle.marker)\")")
        }
        let version = try integer("bundle_version")
        guard EvidenceBundle.readableVersions.contains(version) else {
            throw BundleHeaderError(
                "bundle_version \(version) is not supported (this ledger reads versions \(EvidenceBundle.readableVersions.lowerBound)…\(EvidenceBundle.readableVersions.upperBound))"
            )
        }
        bundleVersion = version
        formatVersion = try integer("format_version")
        guard formatVersion == LedgerStore.formatVersion else {
            throw BundleHeaderError("format_version \(formatVersion) is not supported (this ledger reads version \(LedgerStore.formatVersion))")
        }
        ledgerID = try string("ledger_id")
        exportedAt = try string("exported_at")
        firstSeq = try integer("first_seq")
        lastSeq = try integer("last_seq")
        entryCount = try integer("entry_count")
        matchedCount = try integer("matched_count")
        headSeq = try integer("head_seq")
        headMac = try string("head_mac")
        guard case .array(let ids)? = object["key_ids"], ids.allSatisfy({ $0.stringValue != nil }) else {
            throw BundleHeaderError("header member key_ids is missing or not an array of strings")
        }
        keyIDs = ids.compactMap(\.stringValue)
        guard let filter = object["filter"]?.objectValue else { throw BundleHeaderError("header member filter is missing or not an object") }
        // Only signed members: header_mac covers filter.model/since/until, nothing else inside filter.
        if let extra = filter.keys.sorted().first(where: { !["model", "since", "until"].contains($0) }) {
            throw BundleHeaderError("header member filter.\(extra) is not part of the bundle format (filter holds model, since, until)")
        }
        filterModel = try optional(filter["model"], "model")
        filterSince = try optional(filter["since"], "since")
        filterUntil = try optional(filter["until"], "until")
        headerKeyID = try string("header_key_id")
        headerMac = try string("header_mac")
        if version >= 2 {
            let digest = try string("matched_digest")
            guard Hex.isLowercaseHex(digest, count: 64) else { throw BundleHeaderError("header member matched_digest is not 64 lowercase hex digits") }
            matchedDigest = digest
            switch object["checkpoint"] {
            case nil: checkpoint = nil
            case .string(let note)?: checkpoint = note
            default: throw BundleHeaderError("header member checkpoint is not a string (a signed checkpoint note)")
            }
        } else {
            matchedDigest = nil
            checkpoint = nil
        }
        let known: Set<String> = Set(unsignedMembers.keys).union(["header_mac"])
        if let extra = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw BundleHeaderError("header member \(extra) is not part of bundle version \(version)")
        }
    }
}

/// Why a header line could not be read.
public struct BundleHeaderError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// The digest that authenticates an evidence bundle's `matched` flags (header member `matched_digest`,
/// bundle version 2): SHA-256, lowercase hex, of one text line per entry line, in bundle order,
///
///     <seq> <true|false>\n
///
/// (the entry's seq in decimal, a space, its `matched` value). By hand:
/// `tail -n +2 bundle.jsonl | jq -r '"\(.entry.seq) \(.matched)"' | sha256sum`.
public final class MatchedDigest {
    private let context: OpaquePointer
    private var pending: [UInt8] = []
    private var result: String?

    /// An empty digest (no entry lines yet).
    public init() throws {
        guard let context = mlc_sha256_new() else {
            throw CryptoError.openSSL(operation: "SHA-256", detail: CryptoError.lastOpenSSLError())
        }
        self.context = context
        pending.reserveCapacity(1 << 16)
    }

    deinit {
        if result == nil {
            var sink = [UInt8](repeating: 0, count: 32)
            _ = mlc_sha256_finish(context, &sink)
        }
    }

    /// Adds one entry line's seq and matched flag.
    public func add(seq: Int64, matched: Bool) throws {
        pending.append(contentsOf: "\(seq) \(matched ? "true" : "false")\n".utf8)
        if pending.count >= 1 << 16 { try flush() }
    }

    private func flush() throws {
        let ok = pending.withUnsafeBufferPointer { mlc_sha256_update(context, $0.baseAddress, $0.count) }
        guard ok == 1 else { throw CryptoError.openSSL(operation: "SHA-256", detail: CryptoError.lastOpenSSLError()) }
        pending.removeAll(keepingCapacity: true)
    }

    /// The digest (lowercase hex); the first call finishes it, later calls return the same value.
    public func finish() throws -> String {
        if let result { return result }
        try flush()
        var out = [UInt8](repeating: 0, count: 32)
        guard mlc_sha256_finish(context, &out) == 1 else {
            throw CryptoError.openSSL(operation: "SHA-256", detail: CryptoError.lastOpenSSLError())
        }
        let hex = Hex.encode(out)
        result = hex
        return hex
    }
}
