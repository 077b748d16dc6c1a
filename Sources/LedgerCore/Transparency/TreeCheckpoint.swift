import Foundation

/// The body of a C2SP `tlog-checkpoint`: origin, tree size, root hash, then extension lines
/// (this project writes `ledger-head <seq> <mac>` and `time <RFC 3339>`).
public struct TreeCheckpoint: Sendable, Equatable {
    /// Identifies the log (default `model-ledger/<ledger_id>`).
    public var origin: String
    /// Leaves in the tree: entries seq 1…size.
    public var size: Int64
    /// The RFC 6962 root hash (32 bytes).
    public var rootHash: TreeHash
    /// Extension lines, in order, without their newlines.
    public var extensions: [String]

    public init(origin: String, size: Int64, rootHash: TreeHash, extensions: [String] = []) {
        self.origin = origin
        self.size = size
        self.rootHash = rootHash
        self.extensions = extensions
    }

    /// The default origin of a ledger.
    public static func defaultOrigin(ledgerID: String) -> String { "model-ledger/\(ledgerID)" }

    /// The note text: every line with its final newline.
    public var body: String {
        ([origin, String(size), Data(rootHash).base64EncodedString()] + extensions).map { $0 + "\n" }.joined()
    }

    /// The `ledger-head` extension's seq and mac, when present.
    public var ledgerHead: (seq: Int64, mac: String)? {
        for line in extensions where line.hasPrefix("ledger-head ") {
            let parts = line.split(separator: " ")
            if parts.count == 3, let seq = Int64(parts[1]), Hex.isLowercaseHex(parts[2], count: 64) { return (seq, String(parts[2])) }
        }
        return nil
    }

    /// The `time` extension, when present.
    public var time: String? {
        extensions.first { $0.hasPrefix("time ") }.map { String($0.dropFirst(5)) }
    }

    /// Parses a note text (as verified by `SignedNote`).
    public init(parsing text: String) throws {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.last == "" else { throw SignedNoteError.malformedNote("the checkpoint does not end with a newline") }
        lines.removeLast()
        guard lines.count >= 3 else { throw SignedNoteError.malformedNote("a checkpoint has an origin, a size and a root hash") }
        guard !lines[0].isEmpty else { throw SignedNoteError.malformedNote("the checkpoint's origin is empty") }
        let sizeText = lines[1]
        guard let size = Int64(sizeText), size >= 0, String(size) == sizeText else {
            throw SignedNoteError.malformedNote("the checkpoint's size is not a decimal number without leading zeros")
        }
        guard let root = Data(base64Encoded: lines[2]).map(Array.init), root.count == 32,
            Data(root).base64EncodedString() == lines[2]
        else {
            throw SignedNoteError.malformedNote("the checkpoint's root hash is not base64 of 32 bytes")
        }
        guard !lines.dropFirst(3).contains(where: \.isEmpty) else {
            throw SignedNoteError.malformedNote("the checkpoint has an empty extension line")
        }
        self.init(origin: lines[0], size: size, rootHash: root, extensions: Array(lines.dropFirst(3)))
    }
}
