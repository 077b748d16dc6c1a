import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Appends one JSON line per request to a file, written with a single `write(2)` per line (no buffering).
final class RequestLogFile: Sendable {
    private let descriptor: Int32
    let path: String

    init(path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw SimulatorError.requestLogUnwritable(path: path, reason: String(cString: strerror(errno)))
        }
        self.descriptor = fd
        self.path = path
    }

    deinit {
        close(descriptor)
    }

    /// Writes `line` plus a newline. Errors are ignored: the in-memory log stays authoritative.
    func append(_ line: Data) {
        var bytes = line
        bytes.append(0x0A)
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
                if written <= 0 {
                    if written < 0 && errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }
}
