import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What tells a file's versions apart without reading it: modification time (ns), size and inode.
/// The service re-reads its users file when this changes (one `stat` per request).
public enum FileSignature {
    /// The signature of the file at `path`, nil when it cannot be examined.
    public static func of(_ path: String) -> [Int64]? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        #if canImport(Glibc)
            return [Int64(st.st_mtim.tv_sec), Int64(st.st_mtim.tv_nsec), Int64(st.st_size), Int64(st.st_ino)]
        #else
            return [Int64(st.st_mtimespec.tv_sec), Int64(st.st_mtimespec.tv_nsec), Int64(st.st_size), Int64(st.st_ino)]
        #endif
    }
}
