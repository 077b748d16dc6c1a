import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A lease held by a `ledger switch` process from before it records `switch.requested` until it
/// has recorded the completion: an exclusive `flock` on `<database>.locks/switch-<pid>.lock`.
///
/// The kernel drops the lock when the process ends, however it ends (`kill -9` included), so on
/// the same host `ledger resolve` can tell at once whether the writer of a request is still
/// running. Requests name their writer's pid and host in `details`; on another host the
/// request's recorded deadline decides instead (see `SwitchResolution`).
public final class InFlightLock: @unchecked Sendable {
    private let fd: Int32
    /// The lock file.
    public let path: String

    private init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    deinit { release() }

    /// The lock directory for the ledger at `databasePath`.
    public static func directory(forDatabase databasePath: String) -> String { databasePath + ".locks" }

    static func lockPath(forDatabase databasePath: String, pid: Int64) -> String {
        directory(forDatabase: databasePath) + "/switch-\(pid).lock"
    }

    /// Takes this process's lease for the ledger at `databasePath`.
    public static func acquire(databasePath: String) throws -> InFlightLock {
        let directory = directory(forDatabase: databasePath)
        if mkdir(directory, 0o700) != 0 && errno != EEXIST {
            throw LedgerError.io(path: directory, reason: "cannot create the lock directory: \(String(cString: strerror(errno)))")
        }
        let path = lockPath(forDatabase: databasePath, pid: Int64(getpid()))
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw LedgerError.io(path: path, reason: "cannot create the lock file: \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw LedgerError.io(path: path, reason: "cannot lock: \(reason)")
        }
        return InFlightLock(fd: fd, path: path)
    }

    private var released = false

    /// Ends the lease (also done when the value is released or the process ends).
    public func release() {
        guard !released else { return }
        released = true
        unlink(path)
        close(fd)
    }

    /// True when process `pid` on this host holds its lease for the ledger at `databasePath`.
    public static func isHeld(databasePath: String, pid: Int64) -> Bool {
        let fd = open(lockPath(forDatabase: databasePath, pid: pid), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return false
        }
        return errno == EWOULDBLOCK
    }
}
