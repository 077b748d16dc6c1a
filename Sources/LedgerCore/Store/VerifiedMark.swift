import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How far this installation has verified a ledger: the seq and mac of the newest entry it
/// checked. Writers keep it beside the key file (which the platform owner protects), so each
/// append verifies only the entries written since, yet every entry has been verified by this
/// installation before the ledger is extended past it.
///
/// Kept as one JSON line, `{"ledger_id":…,"mac":…,"seq":…}`, mode 0600. A missing or unreadable
/// mark means "verify from the first entry". The mark is a cache of a check already made, not
/// evidence: `ledger verify` never reads it.
public struct VerifiedMark: Sendable, Equatable {
    public let ledgerID: String
    public let seq: Int64
    public let mac: String

    public init(ledgerID: String, seq: Int64, mac: String) {
        self.ledgerID = ledgerID
        self.seq = seq
        self.mac = mac
    }

    /// The mark at `path`, or nil when there is none or it is malformed.
    public static func load(path: String) -> VerifiedMark? {
        guard let data = FileManager.default.contents(atPath: path), data.count < 4096,
            let json = try? JSONValue(parsing: String(decoding: data, as: UTF8.self)),
            let ledgerID = json["ledger_id"]?.stringValue, let seq = json["seq"]?.integerValue, seq >= 1,
            let mac = json["mac"]?.stringValue
        else { return nil }
        return VerifiedMark(ledgerID: ledgerID, seq: seq, mac: mac)
    }

    /// Writes the mark atomically (a temporary file renamed over it). Failures are ignored: the
    /// next writer then verifies from an older mark, which costs time, never safety.
    public func save(path: String) {
        let json = JSONValue.object(["ledger_id": .string(ledgerID), "seq": .integer(seq), "mac": .string(mac)])
        let bytes = Array((CanonicalJSON.string(json) + "\n").utf8)
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty && !FileManager.default.fileExists(atPath: directory) {
            try? FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        let temporary = path + ".\(getpid()).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        if written == bytes.count {
            if rename(temporary, path) != 0 { unlink(temporary) }
        } else {
            unlink(temporary)
        }
    }
}
