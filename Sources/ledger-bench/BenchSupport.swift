import ArgumentParser
import Foundation

/// A failure that ends the benchmark with a message and an exit code.
struct BenchFailure: Error {
    let message: String
    let code: Int32
    init(_ message: String, code: Int32) {
        self.message = message
        self.code = code
    }
}

/// Runs `body`; a failure is printed as `ledger-bench: MESSAGE` on stderr and ends the process with
/// its code (1 for anything but a `BenchFailure`).
func reportingFailures(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let failure as BenchFailure {
        FileHandle.standardError.write(Data("ledger-bench: \(failure.message)\n".utf8))
        throw ExitCode(failure.code)
    } catch {
        FileHandle.standardError.write(Data("ledger-bench: \(error)\n".utf8))
        throw ExitCode(1)
    }
}

/// Markdown tables and the statistics quoted in them.
enum Stats {
    /// One markdown table row.
    static func row(_ fields: [String]) -> String { "| " + fields.joined(separator: " | ") + " |" }

    /// Wall seconds `body` takes.
    static func timed(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// Milliseconds with one decimal.
    static func ms(_ seconds: Double) -> String { String(format: "%.1f", seconds * 1000) }

    /// The median (the mean of the middle two for an even count; 0 for none).
    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }

    /// Nearest-rank percentile of sorted values.
    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((p * Double(sorted.count)).rounded(.up))
        return sorted[min(sorted.count - 1, max(0, rank - 1))]
    }
}
