import Foundation
import Testing

/// The one rule for tests that need something from outside the package (a system tool such as
/// `python3`, `openssl` or `sqlite3`, or a built binary):
///
/// - present: the test runs;
/// - missing while the environment variable `CI` is set (to anything but `""`, `0` or `false`):
///   the test FAILS with a message naming what is missing — an independent check that did not run
///   must never look like one that passed;
/// - missing on a developer machine: the test is reported as skipped (cancelled) with a warning
///   naming what is missing, and a line on stderr says so.
public enum RequiredTool {
    /// True when `CI` is set in the environment (CI=true in CI).
    public static var inCI: Bool {
        guard let value = ProcessInfo.processInfo.environment["CI"] else { return false }
        return !["", "0", "false", "no"].contains(value.lowercased())
    }

    /// The tools among `tools` that are not on PATH.
    public static func missing(_ tools: [String]) -> [String] {
        tools.filter { !SystemTool.exists($0) }
    }

    /// Call first in a test that cannot run without `tools`: returns when all are on PATH; otherwise
    /// throws `MissingTool` under CI (the test fails) or cancels the test (a loud skip) elsewhere.
    ///
    /// - Parameter purpose: what the tools are for, shown in the message.
    public static func require(_ tools: String..., for purpose: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let absent = missing(tools)
        guard !absent.isEmpty else { return }
        try unavailable(absent.joined(separator: ", ") + " (not on PATH)", purpose: purpose, sourceLocation: sourceLocation)
    }

    /// Call first in a test that cannot run without the executable at `path` (nil: not found).
    public static func requireExecutable(
        _ path: String?, named name: String, for purpose: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        if let path, FileManager.default.isExecutableFile(atPath: path) { return }
        try unavailable(
            "the built `\(name)` binary (\(path ?? "not found next to the test bundle"))", purpose: purpose,
            sourceLocation: sourceLocation)
    }

    /// For an extra check inside a larger test: true when all `tools` are on PATH. When one is
    /// missing, records a failure naming it under CI, or a warning (and a line on stderr) elsewhere,
    /// and returns false so the caller leaves the extra check out.
    public static func available(_ tools: String..., for purpose: String, sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        let absent = missing(tools)
        guard !absent.isEmpty else { return true }
        let message = message(absent.joined(separator: ", ") + " (not on PATH)", purpose: purpose)
        if inCI {
            Issue.record(Comment(rawValue: message), severity: .error, sourceLocation: sourceLocation)
        } else {
            Issue.record(Comment(rawValue: message), severity: .warning, sourceLocation: sourceLocation)
            FileHandle.standardError.write(Data("\(message)\n".utf8))
        }
        return false
    }

    private static func message(_ what: String, purpose: String) -> String {
        inCI
            ? "MISSING in CI: \(what) is required for \(purpose); install it (scripts/install-deps.sh)"
            : "SKIPPED: \(what) is missing, so \(purpose) was NOT checked (this fails under CI=true)"
    }

    private static func unavailable(_ what: String, purpose: String, sourceLocation: SourceLocation) throws -> Never {
        let message = message(what, purpose: purpose)
        if inCI { throw MissingTool(message: message) }
        FileHandle.standardError.write(Data("\(message)\n".utf8))
        Issue.record(Comment(rawValue: message), severity: .warning, sourceLocation: sourceLocation)
        try Test.cancel(Comment(rawValue: message), sourceLocation: sourceLocation)
    }
}

/// A tool or binary a test needs is missing while running under CI.
public struct MissingTool: Error, CustomStringConvertible {
    /// Names what is missing and what for.
    public let message: String
    public var description: String { message }
}
