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
public enum EvidenceBundle {
    /// The value of the header's `bundle` member.
    public static let marker = "model-ledger evidence bundle"
    /// The version of this bundle layout.
    public static let bundleVersion: Int64 = 1

    /// One entry line (without its newline) from the signed payload P, the mac and the match flag.
    public static func entryLine(payload: [UInt8], mac: String, matched: Bool) -> [UInt8] {
        var line: [UInt8] = Array(#"{"entry":"#.utf8)
        line.reserveCapacity(payload.count + 100)
        line.append(contentsOf: payload)
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
    /// The key that signed the header, and the header's signature.
    public var headerKeyID: String
    public var headerMac: String

    public init(
        ledgerID: String, exportedAt: String, firstSeq: Int64, lastSeq: Int64, entryCount: Int64, matchedCount: Int64,
        headSeq: Int64, headMac: String, keyIDs: [String], filterModel: String?, filterSince: String?,
        filterUntil: String?, headerKeyID: String, headerMac: String = ""
    ) {
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
        return [
            "bundle": .string(EvidenceBundle.marker),
            "bundle_version": .integer(EvidenceBundle.bundleVersion),
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
        guard version == EvidenceBundle.bundleVersion else {
            throw BundleHeaderError("bundle_version \(version) is not supported (this ledger reads version \(EvidenceBundle.bundleVersion))")
        }
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
        filterModel = try optional(filter["model"], "model")
        filterSince = try optional(filter["since"], "since")
        filterUntil = try optional(filter["until"], "until")
        headerKeyID = try string("header_key_id")
        headerMac = try string("header_mac")
        let known: Set<String> = Set(unsignedMembers.keys).union(["header_mac"])
        if let extra = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw BundleHeaderError("header member \(extra) is not part of bundle version 1")
        }
    }
}

/// Why a header line could not be read.
public struct BundleHeaderError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
