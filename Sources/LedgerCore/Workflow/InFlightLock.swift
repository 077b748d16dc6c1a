import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A lease held by a `ledger switch` process from before it records `switch.requested` until it
/// has recorded the completion: an exclusive `flock` on `switch-<pid>.lock` in the ledger's lock
/// directory (`directory(database:keyFilePath:ledgerID:)`): `<database>.locks/` beside a SQLite
/// file; `<key file's directory>/locks/<ledger_id>/` for a database that is not a file (PostgreSQL).
///
/// The kernel drops the lock when the process ends, however it ends (`kill -9` included), so on
/// the same host `ledger resolve` can tell at once whether the writer of a request is still
/// running. Requests name their writer's pid and host in `details`; on another host the
/// request's recorded deadline decides instead (see `SwitchResolution`). The check is per host:
/// for PostgreSQL, per host and key directory (`writerState` says `.unknown` when the writer may
/// hold its lease in another installation's directory, and the deadline decides).
///
/// The lease is the process's: concurrent switches in one process (the ledger service) share it.
/// The first `acquire` takes the `flock`, each one counts, and the last `release` drops it (a second
/// `flock` from the same process would wait for the first forever).
public final class InFlightLock: @unchecked Sendable {
    /// The lock file.
    public let path: String

    private init(path: String) {
        self.path = path
    }

    /// This process's leases: lock file → (descriptor holding the flock, holders).
    private final class Leases: @unchecked Sendable {
        let lock = NSLock()
        var held: [String: (fd: Int32, holders: Int)] = [:]
    }
    private static let leases = Leases()

    deinit { release() }

    /// The lock directory for the SQLite ledger at `databasePath`: `<databasePath>.locks`.
    public static func directory(forDatabase databasePath: String) -> String { databasePath + ".locks" }

    /// The lock directory of ledger `ledgerID` in `database`: beside a SQLite file
    /// (`<path>.locks`, shared by every installation that opens the file); for a database that is
    /// not a file, beside the key file: `<key file's directory>/locks/<ledgerID>` (`.` for a bare
    /// key file name).
    public static func directory(database: LedgerDatabase, keyFilePath: String, ledgerID: String) -> String {
        switch database {
        case .sqlite(let path):
            return directory(forDatabase: path)
        case .postgresql:
            let parent = (keyFilePath as NSString).deletingLastPathComponent
            // A ledger id is a UUID; anything else is kept out of the path.
            let safeID = String(ledgerID.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) || $0 == "-" }.prefix(64))
            return (parent.isEmpty ? "." : parent) + "/locks/" + (safeID.isEmpty ? "ledger" : safeID)
        }
    }

    static func lockPath(inDirectory directory: String, pid: Int64) -> String {
        directory + "/switch-\(pid).lock"
    }

    /// Takes this process's lease for the SQLite ledger at `databasePath`.
    public static func acquire(databasePath: String) throws -> InFlightLock {
        try acquire(directory: directory(forDatabase: databasePath))
    }

    /// Takes this process's lease in the lock directory `directory` (created, mode 0700, with its
    /// parents when missing).
    public static func acquire(directory: String) throws -> InFlightLock {
        try makeDirectory(directory)
        let path = lockPath(inDirectory: directory, pid: Int64(getpid()))
        leases.lock.lock()
        defer { leases.lock.unlock() }
        if let lease = leases.held[path] {
            leases.held[path] = (lease.fd, lease.holders + 1)
            return InFlightLock(path: path)
        }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw LedgerError.io(path: path, reason: "cannot create the lock file: \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw LedgerError.io(path: path, reason: "cannot lock: \(reason)")
        }
        leases.held[path] = (fd, 1)
        return InFlightLock(path: path)
    }

    private var released = false

    /// Ends the lease (also done when the value is released or the process ends).
    public func release() {
        Self.leases.lock.lock()
        defer { Self.leases.lock.unlock() }
        guard !released else { return }
        released = true
        guard let lease = Self.leases.held[path] else { return }
        guard lease.holders <= 1 else {
            Self.leases.held[path] = (lease.fd, lease.holders - 1)
            return
        }
        Self.leases.held[path] = nil
        unlink(path)
        close(lease.fd)
    }

    /// True when process `pid` on this host holds its lease for the SQLite ledger at `databasePath`.
    public static func isHeld(databasePath: String, pid: Int64) -> Bool {
        isHeld(directory: directory(forDatabase: databasePath), pid: pid)
    }

    /// True when process `pid` on this host holds its lease in `directory`.
    public static func isHeld(directory: String, pid: Int64) -> Bool {
        let fd = open(lockPath(inDirectory: directory, pid: pid), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return false
        }
        return errno == EWOULDBLOCK
    }

    /// What this host can tell about the writer `pid` of a request, from the lock directory `directory`.
    public enum WriterState: Sendable, Equatable {
        /// It holds its lease: it may still record the completion.
        case running
        /// It can no longer be running.
        case gone
        /// It may hold its lease elsewhere (another key directory on this host): the deadline decides.
        case unknown
    }

    /// Whether writer `pid` on this host may still be running. `shared`: the directory is shared by
    /// every writer of the ledger on this host (beside a SQLite file), so no lease there means no
    /// writer; otherwise (beside a key file) a missing lease of a process that still exists is
    /// `.unknown`.
    public static func writerState(directory: String, pid: Int64, shared: Bool) -> WriterState {
        if isHeld(directory: directory, pid: pid) { return .running }
        if shared || pid <= 0 || pid > Int64(Int32.max) { return .gone }
        if FileManager.default.fileExists(atPath: lockPath(inDirectory: directory, pid: pid)) { return .gone }
        // No lease file here: gone when no such process exists.
        if kill(pid_t(pid), 0) != 0 && errno == ESRCH { return .gone }
        return .unknown
    }

    /// Creates `directory` and its missing parents, mode 0700.
    private static func makeDirectory(_ directory: String) throws {
        if mkdir(directory, 0o700) == 0 || errno == EEXIST { return }
        if errno == ENOENT {
            let parent = (directory as NSString).deletingLastPathComponent
            if !parent.isEmpty && parent != directory {
                try makeDirectory(parent)
                if mkdir(directory, 0o700) == 0 || errno == EEXIST { return }
            }
        }
        throw LedgerError.io(path: directory, reason: "cannot create the lock directory: \(String(cString: strerror(errno)))")
    }
}
