import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Spawning and timing processes (posix_spawn + wait4, for the peak RSS `Process` does not report).
enum Spawn {
    /// Runs `path arguments` with posix_spawn and waits for it: wall seconds (spawn to reaped),
    /// peak RSS in KiB (wait4) and the exit status (128 + signal when killed).
    ///
    /// `stdout` / `stderr`: a file to write (truncated), or nil to inherit. `environment`: the
    /// complete environment, or nil for this process's.
    static func run(
        _ path: String, _ arguments: [String], stdout: String?, stderr: String?, environment: [String: String]?
    ) throws -> (seconds: Double, peakKiB: Int, status: Int32) {
        var pid: pid_t = 0
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let envp = environment.map { $0.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer { envp?.forEach { free($0) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if let stdout { posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600) }
        if let stderr { posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600) }
        let start = DispatchTime.now().uptimeNanoseconds
        let rc: Int32
        if let envp {
            rc = posix_spawn(&pid, path, &actions, nil, argv, envp)
        } else {
            rc = posix_spawn(&pid, path, &actions, nil, argv, environ)
        }
        guard rc == 0 else { throw BenchFailure("cannot start \(path): \(String(cString: strerror(rc)))", code: 1) }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { throw BenchFailure("wait4 failed for \(path): \(String(cString: strerror(errno)))", code: 1) }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let signal = status & 0x7f
        return (seconds, Int(usage.ru_maxrss), signal == 0 ? (status >> 8) & 0xff : 128 + signal)
    }

    /// Runs a process with stdout discarded and stderr inherited: wall seconds, peak RSS (KiB), exit status.
    static func measured(_ path: String, _ arguments: [String]) throws -> (seconds: Double, peakKiB: Int, status: Int32) {
        try run(path, arguments, stdout: "/dev/null", stderr: nil, environment: nil)
    }

    /// The first executable named `name` on PATH.
    static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
