import Foundation

/// Where the package's built executables (`ledger`, `epa-simulator`, `ledger-bench`) are.
public enum BuiltProducts {
    /// The build products directory: `$LEDGER_BIN_DIR` when set, else the nearest directory at or
    /// above the running executable that holds a `ledger` binary (the executable's own directory
    /// for `ledger-bench`; on Linux the test runner sits in the products directory, on macOS inside
    /// a bundle there).
    public static var directory: String {
        if let dir = ProcessInfo.processInfo.environment["LEDGER_BIN_DIR"], !dir.isEmpty { return dir }
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("ledger").path), dir.path != "/" {
            dir = dir.deletingLastPathComponent()
        }
        return dir.path
    }
}
