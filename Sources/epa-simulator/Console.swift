import Foundation

/// Unbuffered stdout/stderr writes (each call is one write, so lines are visible at once).
enum Console {
    static func out(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static func error(_ error: any Error) {
        let message = (error as? any LocalizedError)?.errorDescription ?? "\(error)"
        let oneLine = message.split(whereSeparator: \.isNewline).joined(separator: " ")
        FileHandle.standardError.write(Data("epa-simulator: \(oneLine)\n".utf8))
    }
}
