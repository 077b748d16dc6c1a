import Foundation
import LedgerCore
import LedgerTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A `/bin/sh -c SCRIPT` child process (a loop of binary runs): the harness for the
/// concurrency test, cheaper on 2 cores than spawning every binary run from Swift.
final class ShellLoop: @unchecked Sendable {
    let process = Process()
    /// The shell's own stderr (a missing tool, a syntax error).
    let stderrPath: String

    init(_ script: String, environment: [String: String], stderrPath: String) throws {
        self.stderrPath = stderrPath
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        var env = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "NO_COLOR": "1", "LANG": "C.UTF-8",
        ]
        env.merge(environment) { _, new in new }
        process.environment = env
        FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        try process.run()
    }

    /// Waits until the loop exits or `deadline` passes; returns whether it exited. Sleeps with
    /// `Task.sleep`, so a long wait never holds one of the few cooperative threads that the other
    /// suites' async tests run on.
    @discardableResult
    func wait(until deadline: Date) async -> Bool {
        while process.isRunning && Date() < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning { return false }
        process.waitUntilExit()
        return true
    }

    /// Stops the shell (SIGKILL, by its pid) if it is still running. Its current child is
    /// bounded by `timeout` in the scripts.
    func terminate() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit { terminate() }
}

/// Small file helpers for the reliability tests.
enum Files {
    /// Lines of a text file (no empty trailing line); empty when the file is missing.
    static func lines(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n", omittingEmptySubsequences: false)
            .map(String.init).filter { !$0.isEmpty }
    }

    static func text(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    /// The database and its WAL, byte for byte: nil for a file that does not exist.
    /// An empty WAL and an absent one are the same state for SQLite, so both read as nil.
    static func ledgerBytes(_ dbPath: String) -> [String: Data?] {
        let wal = FileManager.default.contents(atPath: dbPath + "-wal")
        return ["db": FileManager.default.contents(atPath: dbPath), "wal": wal?.isEmpty == true ? nil : wal]
    }

    /// Every regular file below `directory`, recursively.
    static func all(under directory: String) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else { return [] }
        var files: [String] = []
        while let relative = enumerator.nextObject() as? String {
            let path = directory + "/" + relative
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                files.append(path)
            }
        }
        return files
    }

    /// Copies every file of `source` (not recursive) into the new directory `destination`.
    static func copyDirectory(_ source: String, to destination: String) throws {
        try FileManager.default.createDirectory(atPath: destination, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        for name in try FileManager.default.contentsOfDirectory(atPath: source) {
            try FileManager.default.copyItem(atPath: source + "/" + name, toPath: destination + "/" + name)
        }
    }
}

/// Looks for secrets (API keys, HMAC keys as hex and as raw bytes) in files and captured output.
struct SecretScan {
    /// name → bytes to look for.
    private(set) var secrets: [(name: String, bytes: Data)] = []

    /// Adds the fixture's API keys.
    mutating func addAPIKeys(_ keys: [String]) {
        for key in keys { secrets.append(("API key \(key.prefix(8))…", Data(key.utf8))) }
    }

    /// Adds every key of a key file: its 64-hex line and its 32 raw bytes.
    mutating func addKeyFile(_ path: String) throws {
        for line in Files.lines(path) {
            let hex = line.trimmingCharacters(in: .whitespacesAndNewlines)
            guard hex.count == 64, let raw = Hex.decodeLowercase(hex) else { continue }
            secrets.append(("HMAC key \(path) (hex)", Data(hex.utf8)))
            secrets.append(("HMAC key \(path) (raw bytes)", Data(raw)))
        }
    }

    /// "<secret> in <where>" for every hit, scanning `files` (key files themselves excluded by the
    /// caller) and `outputs` (name → captured text).
    func hits(files: [String], outputs: [(String, String)] = []) -> [String] {
        var haystacks: [(String, Data)] = files.compactMap { path in FileManager.default.contents(atPath: path).map { (path, $0) } }
        haystacks += outputs.map { ($0.0, Data($0.1.utf8)) }
        var found: [String] = []
        for (place, bytes) in haystacks {
            for secret in secrets where bytes.range(of: secret.bytes) != nil {
                found.append("\(secret.name) in \(place)")
            }
        }
        return found
    }
}
