import UnixSignals

/// Traps SIGTERM and SIGINT from the moment it is created, so a signal that arrives early is not lost.
public struct TerminationSignals: Sendable {
    private let signals: UnixSignalsSequence

    /// Installs the handlers (the default action of those signals is suppressed from now on).
    public init() async {
        self.signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
    }

    /// Returns when SIGTERM or SIGINT arrives.
    public func wait() async {
        for await _ in signals {
            return
        }
    }
}
