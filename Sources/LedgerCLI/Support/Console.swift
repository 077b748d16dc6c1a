import Foundation

/// Where output goes: results to stdout, diagnostics to stderr; colour only on a TTY and never with NO_COLOR.
enum Console {
    /// Writes a line to stdout.
    static func out(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// Writes a diagnostic line to stderr, prefixed with `error:`.
    static func error(_ message: String) {
        FileHandle.standardError.write(Data(("error: " + message + "\n").utf8))
    }

    /// Writes a note to stderr.
    static func note(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
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
        FileHandle.standardError.write(Data(("\r\u{1B}[2K" + text).utf8))
    }

    /// Clears the progress line.
    static func endProgress() {
        guard stderrIsTTY else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
    }
}
