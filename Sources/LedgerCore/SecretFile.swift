import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reading files that hold secrets (HMAC key files, private keys, API key files) the way
/// OpenSSH reads its private keys: refuse anything another user could have written or swapped.
///
/// A secret file is accepted only when
/// - it is a regular file owned by the user running `ledger` (root's files for root),
/// - group and others have no permission on it (mode 0600 or stricter),
/// - no symbolic link on the way to it sits in a directory that group or others may write
///   (there, anyone could have planted or replaced the link), and
/// - every directory above the file itself is owned by that user or root and is not writable
///   by group or others, unless it has the sticky bit (as /tmp does: others cannot rename or
///   remove entries they do not own).
///
/// The checks run on the opened file descriptor where possible (no window between check and read).
/// Errors name the path and the rule, never the content.
public enum SecretFile {
    /// The bytes of the secret file at `path`; the caller wipes them when done.
    public static func read(path: String, what: String = "key file") throws -> [UInt8] {
        try checkPath(path, what: what)
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else {
            if errno == ENOENT { throw LedgerError.keyFileMissing(path: path) }
            throw LedgerError.io(path: path, reason: "cannot open the \(what): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            throw LedgerError.io(path: path, reason: "cannot stat the \(what): \(String(cString: strerror(errno)))")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw LedgerError.keyFileMalformed(path: path, reason: "it is not a regular file")
        }
        guard st.st_uid == geteuid() else {
            throw LedgerError.unsafeSecretFile(
                path: path,
                reason: "it is owned by uid \(st.st_uid), not by you (uid \(geteuid())); it must belong to the user who runs ledger")
        }
        let mode = UInt16(st.st_mode & 0o7777)
        guard mode & 0o077 == 0 else { throw LedgerError.keyFilePermissions(path: path, mode: mode) }
        // Secret files are small; refuse anything absurd rather than reading it all.
        guard st.st_size <= 1 << 20 else {
            throw LedgerError.keyFileMalformed(path: path, reason: "it is larger than 1 MiB")
        }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        defer { Digest.wipe(&buffer) }
        while true {
            let n = buffer.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                Digest.wipe(&bytes)
                throw LedgerError.io(path: path, reason: "cannot read the \(what): \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            bytes.append(contentsOf: buffer[0..<n])
            if bytes.count > 1 << 20 {
                Digest.wipe(&bytes)
                throw LedgerError.keyFileMalformed(path: path, reason: "it is larger than 1 MiB")
            }
        }
        return bytes
    }

    /// Checks the directories on the way to `path` (see the type's rules).
    static func checkPath(_ path: String, what: String) throws {
        let absolute: String
        if path.hasPrefix("/") {
            absolute = path
        } else {
            absolute = FileManager.default.currentDirectoryPath + "/" + path
        }
        // 1. Symbolic links on the path as given: each must sit in a directory only its owner writes.
        var prefix = ""
        var parent = "/"
        for component in absolute.split(separator: "/", omittingEmptySubsequences: true) {
            prefix += "/" + component
            var st = stat()
            guard lstat(prefix, &st) == 0 else { break }  // missing: open reports it
            if (st.st_mode & S_IFMT) == S_IFLNK {
                var dir = stat()
                if stat(parent, &dir) == 0, dir.st_mode & 0o022 != 0 {
                    throw LedgerError.unsafeSecretFile(
                        path: path,
                        reason:
                            "it is reached through the symbolic link \(prefix) in \(parent), a directory that group or others may write; anyone could have replaced the link"
                    )
                }
            }
            parent = prefix
        }
        // 2. The directories above the real file.
        guard let resolved = realpath(absolute, nil) else { return }  // missing: open reports it
        let real = String(cString: resolved)
        free(resolved)
        var dir = (real as NSString).deletingLastPathComponent
        let uid = geteuid()
        while true {
            var st = stat()
            if stat(dir, &st) == 0 {
                if st.st_uid != uid && st.st_uid != 0 {
                    throw LedgerError.unsafeSecretFile(
                        path: path, reason: "the directory \(dir) above it is owned by uid \(st.st_uid), neither you nor root")
                }
                if st.st_mode & 0o022 != 0 && st.st_mode & UInt32(S_ISVTX) == 0 {
                    throw LedgerError.unsafeSecretFile(
                        path: path,
                        reason:
                            "the directory \(dir) above it may be written by group or others (mode \(String(format: "%04o", st.st_mode & 0o7777))), so the \(what) could be swapped"
                    )
                }
            }
            if dir == "/" || dir.isEmpty { break }
            dir = (dir as NSString).deletingLastPathComponent
        }
    }
}

extension SecretFile {
    /// Creates the secret file `path` holding `contents`: exclusively (`O_CREAT | O_EXCL`, so an
    /// existing file or a planted symbolic link is never followed or overwritten), mode 0600,
    /// flushed to disk (`fsync`) before it returns. A file that could not be written in full is
    /// removed again. Errors name the path and `what`, never the content; the caller wipes `contents`.
    public static func create(path: String, contents: [UInt8], what: String = "key file") throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0o600)
        guard fd >= 0 else {
            throw LedgerError.io(path: path, reason: "cannot create the \(what): \(String(cString: strerror(errno)))")
        }
        var failure: Int32 = 0
        var offset = 0
        contents.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            while offset < buffer.count {
                let n = systemWrite(fd, base + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                offset += n
            }
        }
        // fchmod: exactly 0600 whatever the umask left.
        if failure == 0, fsync(fd) != 0 || fchmod(fd, 0o600) != 0 { failure = errno }
        close(fd)
        guard failure == 0 else {
            unlink(path)
            throw LedgerError.io(path: path, reason: "cannot write the \(what): \(String(cString: strerror(failure)))")
        }
    }

    /// Replaces the secret file `path` with `contents` atomically: they are written in full to
    /// `path` + `temporarySuffix` (as ``create(path:contents:what:)`` does, after removing a leftover
    /// of an interrupted run), then renamed over `path`, so a reader sees the old file or the new
    /// one, never a part.
    public static func replace(path: String, contents: [UInt8], what: String = "key file", temporarySuffix: String) throws {
        let temporary = path + temporarySuffix
        try? FileManager.default.removeItem(atPath: temporary)
        try create(path: temporary, contents: contents, what: what)
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw LedgerError.io(path: path, reason: "cannot replace the \(what): \(reason)")
        }
    }
}

/// `write(2)`, named apart from the type's own members.
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}

/// `read(2)` (the name is taken by `SecretFile.read` inside the type).
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(fd, buffer, count)
}
