import Foundation
import Logging

/// Logs at most one line per second per reason (the lines in between are counted and reported
/// with the next one), so a flood of bad requests cannot flood the log. Lines name the token id
/// at most, never a token.
final class RateLimitedLog: @unchecked Sendable {
    private let logger: Logger
    private let lock = NSLock()
    private var last: [String: (time: ContinuousClock.Instant, suppressed: Int)] = [:]
    private let interval: Duration

    init(logger: Logger, interval: Duration = .seconds(1)) {
        self.logger = logger
        self.interval = interval
    }

    /// Logs `message` with `metadata` under `reason` unless a line of that reason went out less than a second ago.
    func warning(reason: String, _ message: String, metadata: Logger.Metadata = [:]) {
        let now = ContinuousClock.now
        lock.lock()
        let previous = last[reason]
        if let previous, now - previous.time < interval {
            last[reason] = (previous.time, previous.suppressed + 1)
            lock.unlock()
            return
        }
        last[reason] = (now, 0)
        lock.unlock()
        var metadata = metadata
        metadata["reason"] = .string(reason)
        if let suppressed = previous?.suppressed, suppressed > 0 { metadata["suppressed"] = .string(String(suppressed)) }
        logger.warning(Logger.Message(stringLiteral: message), metadata: metadata)
    }
}
