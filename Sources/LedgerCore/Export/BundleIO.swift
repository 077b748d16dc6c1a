import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `write(2)` (a name the writer's own methods would otherwise shadow).
private func systemWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, bytes, count)
}

/// A buffered writer to a new file (mode 0644, refused when it exists) or to an open descriptor.
final class BundleFileWriter {
    let path: String
    private let fd: Int32
    private let ownsDescriptor: Bool
    private var buffer: [UInt8] = []
    private static let flushThreshold = 1 << 20

    /// Creates `path` exclusively.
    init(creating path: String) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw LedgerError.io(path: path, reason: "cannot create the file: \(String(cString: strerror(errno)))")
        }
        ownsDescriptor = true
        buffer.reserveCapacity(Self.flushThreshold + 65_536)
    }

    /// Writes to an already open descriptor (e.g. standard output), which stays open.
    init(descriptor: Int32, name: String) {
        path = name
        fd = descriptor
        ownsDescriptor = false
    }

    deinit { if ownsDescriptor { close(fd) } }

    func writeLine(_ bytes: [UInt8]) throws {
        buffer.append(contentsOf: bytes)
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count >= Self.flushThreshold { try flush() }
    }

    func flush() throws {
        var offset = 0
        while offset < buffer.count {
            let n = buffer.withUnsafeBytes { bytes -> Int in
                guard let base = bytes.baseAddress else { return 0 }
                return systemWrite(fd, base + offset, bytes.count - offset)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw LedgerError.io(path: path, reason: "cannot write: \(String(cString: strerror(errno)))")
            }
            offset += n
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes and forces the bytes to disk (files only).
    func sync() throws {
        try flush()
        if ownsDescriptor, fsync(fd) != 0 {
            throw LedgerError.io(path: path, reason: "cannot sync: \(String(cString: strerror(errno)))")
        }
    }
}

/// A line longer than the reader's cap: the reader stops there (it never buffers more than the cap
/// and one read chunk).
struct BundleLineTooLong: Error {
    /// The 1-based number of the line.
    let line: Int
    /// The cap, in bytes.
    let limit: Int
}

/// Reads a file line by line (split on `\n`) in linear time and bounded memory: one buffer, each byte
/// scanned for the newline once (`memchr`), the unread rest moved to the front at most once per read,
/// bytes copied with `memcpy`/`read(2)` only.
struct BundleLineReader {
    /// The open file and the read buffer, released when the last copy of the reader goes.
    private final class Storage {
        let fd: Int32
        var bytes: UnsafeMutableRawPointer
        var capacity: Int
        init(fd: Int32, capacity: Int) {
            self.fd = fd
            self.capacity = capacity
            bytes = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 1)
        }
        /// Makes room for `needed` bytes, keeping the first `used`.
        func reserve(_ needed: Int, keeping used: Int) {
            guard needed > capacity else { return }
            let grown = max(needed, capacity * 2)
            let fresh = UnsafeMutableRawPointer.allocate(byteCount: grown, alignment: 1)
            fresh.copyMemory(from: bytes, byteCount: used)
            bytes.deallocate()
            bytes = fresh
            capacity = grown
        }
        deinit {
            bytes.deallocate()
            close(fd)
        }
    }
    private let storage: Storage
    private let path: String
    private let maxLineBytes: Int?
    /// Bytes held; where the current line starts; how far it has been searched for a newline.
    private var count = 0
    private var start = 0
    private var scanned = 0
    private var atEnd = false
    /// Lines returned so far.
    private(set) var lineNumber = 0
    private static let chunk = 1 << 20

    /// Opens `path`. With `maxLineBytes`, a longer line makes `next()` throw `BundleLineTooLong`.
    init(path: String, maxLineBytes: Int? = nil) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let reason = errno == ENOENT ? "no such file" : "cannot be read (\(String(cString: strerror(errno))))"
            throw LedgerError.io(path: path, reason: "\(reason). Pass the file written by `ledger export --out`.")
        }
        storage = Storage(fd: fd, capacity: 2 * Self.chunk)
        self.path = path
        self.maxLineBytes = maxLineBytes
    }

    /// The next line without its `\n` (and without a `\r` before it); nil at the end of the file.
    /// A final line without `\n` is returned too.
    mutating func next() throws -> [UInt8]? {
        while true {
            if scanned < count, let hit = memchr(storage.bytes + scanned, Int32(UInt8(ascii: "\n")), count - scanned) {
                return try take(upTo: storage.bytes.distance(to: hit), skip: 1)
            }
            scanned = count
            if let maxLineBytes, count - start > maxLineBytes {
                throw BundleLineTooLong(line: lineNumber + 1, limit: maxLineBytes)
            }
            if atEnd {
                guard start < count else { return nil }
                return try take(upTo: count, skip: 0)
            }
            if start > 0 {
                // Keep only the unread part (less than one chunk unless the line is long, and then start is 0).
                (storage.bytes).copyMemory(from: storage.bytes + start, byteCount: count - start)
                count -= start
                scanned -= start
                start = 0
            }
            storage.reserve(count + Self.chunk, keeping: count)
            var n = 0
            repeat {
                n = read(storage.fd, storage.bytes + count, Self.chunk)
            } while n < 0 && errno == EINTR
            if n < 0 { throw LedgerError.io(path: path, reason: "cannot read: \(String(cString: strerror(errno)))") }
            if n == 0 { atEnd = true }
            count += n
        }
    }

    private mutating func take(upTo end: Int, skip: Int) throws -> [UInt8] {
        var stop = end
        if stop > start, storage.bytes.load(fromByteOffset: stop - 1, as: UInt8.self) == UInt8(ascii: "\r") { stop -= 1 }
        lineNumber += 1
        if let maxLineBytes, stop - start > maxLineBytes {
            throw BundleLineTooLong(line: lineNumber, limit: maxLineBytes)
        }
        let length = stop - start
        let source = storage.bytes + start
        let line = [UInt8](unsafeUninitializedCapacity: length) { buffer, initialized in
            if let base = buffer.baseAddress, length > 0 { UnsafeMutableRawPointer(base).copyMemory(from: source, byteCount: length) }
            initialized = length
        }
        start = end + skip
        scanned = start
        return line
    }
}
