import Foundation

/// One 32-byte HMAC key and its public id. Its description never shows the key.
public struct SigningKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// First 16 hex digits of SHA-256 of the raw key bytes.
    public let id: String
    /// The raw key (32 bytes).
    public let bytes: [UInt8]

    /// Wraps raw key bytes and derives the key id.
    public init(bytes: [UInt8]) throws {
        self.bytes = bytes
        self.id = String(try Digest.sha256Hex(bytes).prefix(16))
    }

    /// A fresh random key from OpenSSL's CSPRNG.
    public static func generate() throws -> SigningKey {
        try SigningKey(bytes: Digest.randomBytes(32))
    }

    public var description: String { "SigningKey(id: \(id))" }
    public var debugDescription: String { description }
}

/// The keys of a key file: the last is active (signs new entries), earlier ones are retired
/// and kept only to verify older rows.
public struct KeyRing: Sendable {
    /// All keys, oldest first.
    public let keys: [SigningKey]
    /// Where the keys were read from.
    public let path: String

    /// The active signing key (the last line of the key file).
    public var active: SigningKey {
        // A KeyRing is only ever built with at least one key.
        keys[keys.count - 1]
    }

    /// The key with `id`, if present.
    public func key(id: String) -> SigningKey? { keys.first { $0.id == id } }

    /// Builds a ring; `keys` must not be empty.
    public init(keys: [SigningKey], path: String) throws {
        guard !keys.isEmpty else { throw LedgerError.keyFileMalformed(path: path, reason: "it holds no key") }
        self.keys = keys
        self.path = path
    }
}

/// Reading and creating key files (format: one 64-lowercase-hex line per key, last line active).
public enum KeyFile {
    /// Loads `path`, refusing a file that another user could have written or swapped
    /// (see `SecretFile`: owner, mode 0600, no symbolic link in a shared directory).
    public static func load(path: String) throws -> KeyRing {
        var text = try SecretFile.read(path: path, what: "key file")
        defer { Digest.wipe(&text) }
        return try parse(text, path: path)
    }

    /// Parses key-file bytes. Errors name the line, never its content.
    public static func parse(_ text: [UInt8], path: String) throws -> KeyRing {
        var keys: [SigningKey] = []
        var lines = text.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        for (number, rawLine) in lines.enumerated() {
            var line = Array(rawLine)
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            guard line.count == 64, var bytes = Hex.decodeLowercase(String(decoding: line, as: UTF8.self)) else {
                throw LedgerError.keyFileMalformed(path: path, reason: "line \(number + 1) is not 64 lowercase hex digits")
            }
            let key = try SigningKey(bytes: bytes)
            Digest.wipe(&bytes)
            guard !keys.contains(where: { $0.id == key.id }) else {
                throw LedgerError.keyFileMalformed(path: path, reason: "line \(number + 1) repeats an earlier key")
            }
            keys.append(key)
        }
        return try KeyRing(keys: keys, path: path)
    }

    /// Creates a key file with one fresh key, mode 0600 (its directory 0700 when created).
    public static func create(path: String) throws -> KeyRing {
        if FileManager.default.fileExists(atPath: path) { throw LedgerError.keyFileExists(path: path) }
        try ensureParentDirectory(of: path, mode: 0o700)
        let key = try SigningKey.generate()
        var text = lines([key])
        defer { Digest.wipe(&text) }
        try SecretFile.create(path: path, contents: text, what: "key file")
        return try KeyRing(keys: [key], path: path)
    }

    /// Appends a fresh key to an existing key file, making it the active key (rotation).
    public static func appendNewKey(path: String) throws -> (KeyRing, SigningKey) {
        let ring = try load(path: path)
        let key = try SigningKey.generate()
        var text = lines(ring.keys + [key])
        defer { Digest.wipe(&text) }
        try SecretFile.replace(path: path, contents: text, what: "key file", temporarySuffix: ".rotating")
        return (try KeyRing(keys: ring.keys + [key], path: path), key)
    }

    /// The key-file text of `keys`: one 64-lowercase-hex line each (the caller wipes it).
    private static func lines(_ keys: [SigningKey]) -> [UInt8] {
        Array(keys.map { Hex.encode($0.bytes) + "\n" }.joined().utf8)
    }

    /// Creates the directory that will hold `path` (and its parents) when missing.
    public static func ensureParentDirectory(of path: String, mode: Int) throws {
        let dir = (path as NSString).deletingLastPathComponent
        guard !dir.isEmpty, !FileManager.default.fileExists(atPath: dir) else { return }
        do {
            try FileManager.default.createDirectory(
                atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: mode])
        } catch {
            throw LedgerError.io(path: dir, reason: "cannot create the directory: \(error.localizedDescription)")
        }
    }
}
