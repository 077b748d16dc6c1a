#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

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

    func write(_ bytes: [UInt8]) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= Self.flushThreshold { try flush() }
    }

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

/// Reads a file line by line (split on `\n`) in constant memory.
struct BundleLineReader {
    private let handle: FileHandle
    private let path: String
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false

    init(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file"
            throw LedgerError.io(path: path, reason: "\(reason). Pass the file written by `ledger export --out`.")
        }
        self.handle = handle
        self.path = path
    }

    /// The next line without its `\n` (and without a `\r` before it); nil at the end of the file.
    /// A final line without `\n` is returned too.
    mutating func next() throws -> [UInt8]? {
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                var line = Array(buffer[start..<newline])
                start = newline + 1
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                return line
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                let line = Array(buffer[start...])
                start = buffer.count
                return line
            }
            let chunk: Data?
            do {
                chunk = try handle.read(upToCount: 1 << 20)
            } catch {
                throw LedgerError.io(path: path, reason: "cannot read: \(error.localizedDescription)")
            }
            buffer.removeFirst(start)
            start = 0
            if let chunk, !chunk.isEmpty { buffer.append(contentsOf: chunk) } else { atEnd = true }
        }
    }
}
