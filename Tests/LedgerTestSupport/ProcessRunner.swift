import BinaryRunner
import Foundation

/// What a finished process printed and how it exited.
public struct ProcessResult: Sendable {
    public let exitCode: Int32
    public let stdout: String
    public let stderr: String
    /// stdout and stderr together, for "the secret appears nowhere" checks.
    public var allOutput: String { stdout + stderr }
}

/// Finds and runs the package's built executables (`ledger`, `epa-simulator`).
public enum Binaries {
    /// The build products directory: `$LEDGER_BIN_DIR`, else the directory of the running test bundle
    /// (`BinaryRunner.BuiltProducts`, shared with `ledger-bench`).
    public static var directory: String { BuiltProducts.directory }

    /// Absolute path of the executable `name`.
    public static func path(_ name: String) -> String { directory + "/" + name }

    /// Runs `name` with `arguments`, waiting at most `timeout` seconds (then kills it).
    ///
    /// `environment` is added to a minimal environment (PATH, HOME of a temp dir, NO_COLOR),
    /// so the developer's own `LEDGER_*` variables never leak into tests.
    @discardableResult
    public static func run(
        _ name: String, _ arguments: [String], environment: [String: String] = [:],
        stdin: String? = nil, timeout: TimeInterval = 60
    ) throws -> ProcessResult {
        let scratch = TemporaryDirectory(prefix: "model-ledger-run")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path(name))
        process.arguments = arguments
        var env = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "HOME": scratch.path, "NO_COLOR": "1", "LANG": "C.UTF-8",
        ]
        env.merge(environment) { _, new in new }
        process.environment = env
        let outPath = scratch.file("stdout"), errPath = scratch.file("stderr")
        FileManager.default.createFile(atPath: outPath, contents: nil)
        FileManager.default.createFile(atPath: errPath, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        if let stdin {
            let inPath = scratch.file("stdin")
            FileManager.default.createFile(atPath: inPath, contents: Data(stdin.utf8))
            process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: inPath))
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(5_000) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            throw ProcessTimeout(name: name, arguments: arguments, seconds: timeout)
        }
        process.waitUntilExit()
        let out = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return ProcessResult(exitCode: process.terminationStatus, stdout: out, stderr: err)
    }

    /// Runs the built `ledger`.
    @discardableResult
    public static func ledger(_ arguments: [String], environment: [String: String] = [:], timeout: TimeInterval = 60) throws -> ProcessResult {
        try run("ledger", arguments, environment: environment, timeout: timeout)
    }
}

/// A process did not finish in time.
public struct ProcessTimeout: Error, CustomStringConvertible {
    public let name: String
    public let arguments: [String]
    public let seconds: TimeInterval
    public var description: String { "\(name) \(arguments.joined(separator: " ")) did not finish within \(seconds) s" }
}

/// Runs a system tool (sqlite3, openssl, python3) found on PATH.
public enum SystemTool {
    /// Runs `/usr/bin/env tool args…` and returns its result.
    @discardableResult
    public static func run(_ tool: String, _ arguments: [String], stdin: Data? = nil) throws -> ProcessResult {
        let scratch = TemporaryDirectory(prefix: "model-ledger-tool")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        let outPath = scratch.file("stdout"), errPath = scratch.file("stderr"), inPath = scratch.file("stdin")
        FileManager.default.createFile(atPath: outPath, contents: nil)
        FileManager.default.createFile(atPath: errPath, contents: nil)
        FileManager.default.createFile(atPath: inPath, contents: stdin ?? Data())
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: inPath))
        try process.run()
        process.waitUntilExit()
        return ProcessResult(
            exitCode: process.terminationStatus,
            stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }

    /// True when `tool` is on PATH.
    public static func exists(_ tool: String) -> Bool {
        (try? run("sh", ["-c", "command -v \(tool)"]).exitCode) == 0
    }
}
