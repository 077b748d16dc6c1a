import Foundation

/// Where output goes: results to stdout, diagnostics to stderr; colour only on a TTY and never with NO_COLOR.
///
/// Control characters: ``error(_:)`` and ``note(_:)`` neutralise the whole message with
/// ``DisplayText/terminal(_:)`` (TAB, used as a column separator by a few notes, is kept), so
/// callers pass raw text to them and must not escape it first. ``out(_:)`` writes the line as
/// given, because tables carry intentional colour sequences: callers escape every value that
/// comes from the ledger, the user or a service with ``DisplayText/terminal(_:)`` (or
/// `.displaySafe`) before styling it. JSON output is never escaped this way.
enum Console {
    /// Writes a line to stdout, as given (see the type's note on control characters).
    static func out(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// Writes a diagnostic line to stderr, prefixed with `error:`; control characters in
    /// `message` are shown escaped.
    static func error(_ message: String) {
        FileHandle.standardError.write(Data(("error: " + diagnostic(message) + "\n").utf8))
    }

    /// Writes a note to stderr; control characters in `message` are shown escaped.
    static func note(_ message: String) {
        FileHandle.standardError.write(Data((diagnostic(message) + "\n").utf8))
    }

    /// `message` neutralised for stderr: every TAB-separated part through ``DisplayText/terminal(_:)``.
    static func diagnostic(_ message: String) -> String {
        guard DisplayText.mayNeedEscaping(message) else { return message }
        return message.split(separator: "\t", omittingEmptySubsequences: false)
            .map { DisplayText.terminal(String($0)) }.joined(separator: "\t")
    }

    /// True when stdout is a terminal.
    static var stdoutIsTTY: Bool { isatty(STDOUT_FILENO) == 1 }
    /// True when stderr is a terminal.
    static var stderrIsTTY: Bool { isatty(STDERR_FILENO) == 1 }

    /// Whether to colour stdout.
    static var useColor: Bool {
        let environment = ProcessInfo.processInfo.environment
        // https://no-color.org: any non-empty NO_COLOR turns colour off.
        let noColor = !(environment["NO_COLOR"] ?? "").isEmpty
        return stdoutIsTTY && !noColor && environment["TERM"] != "dumb"
    }

    enum Style: String {
        case green = "32", red = "31", yellow = "33", bold = "1", dim = "2"
    }

    /// `text` in `style` when colour is on.
    static func styled(_ text: String, _ style: Style) -> String {
        useColor ? "\u{1B}[\(style.rawValue)m\(text)\u{1B}[0m" : text
    }

    /// Rewrites a progress line on stderr (only on a TTY).
    static func progress(_ text: String) {
        guard stderrIsTTY else { return }
        FileHandle.standardError.write(Data(("\r\u{1B}[2K" + DisplayText.terminal(text)).utf8))
    }

    /// Clears the progress line.
    static func endProgress() {
        guard stderrIsTTY else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
    }
}
