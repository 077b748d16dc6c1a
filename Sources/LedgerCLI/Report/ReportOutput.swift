import ArgumentParser
import Foundation
import LedgerCore

extension ReportFormat: ExpressibleByArgument {}

/// Where a rendered report goes: stdout, or a file written whole (temporary name, then renamed).
/// The rendering itself is ``LedgerPresentation/ReportRendering`` (shared with the service).
enum ReportOutput {
    /// `report` or `history` in local mode: renders `request` over the ledger of `options`, writes it
    /// to stdout or `out`, says on stderr what the rendering says, and exits 2 (tampered) or 78 (wrong
    /// key file) after writing.
    static func run(_ request: ReportRequest, options: LedgerOptions, out: String?) throws {
        let store = try options.openForReading()
        let rendered = try ReportRendering.render(
            request, store: store, keys: { try options.loadKeys() }, color: Console.useColor,
            progress: { n in Console.progress("verifying… \(n.formatted()) entries") })
        Console.endProgress()
        for note in rendered.notes { Console.note(note) }
        try write(rendered.body, to: out)
        for note in rendered.trailingNotes { Console.note(note) }
        if let failure = rendered.failure { Console.error(failure) }
        if rendered.exitCode != .ok { throw ExitCode(rendered.exitCode.rawValue) }
    }

    /// Writes `text` to stdout, or whole to `path` (a temporary name, then renamed; a note says where).
    static func write(_ text: String, to path: String?) throws {
        guard let path, path != "-" else {
            FileHandle.standardOutput.write(Data(text.utf8))
            return
        }
        let expanded = Paths.expand(path)
        let temporary = expanded + ".partial-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8), attributes: [.posixPermissions: 0o644]) else {
            throw CLIError(message: "cannot write \(expanded): check that its directory exists and is writable.", exitCode: .ledgerError)
        }
        guard rename(temporary, expanded) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw CLIError(message: "cannot write \(expanded): \(reason)", exitCode: .ledgerError)
        }
        Console.note("wrote \(expanded) (\(text.utf8.count.formatted()) bytes)")
    }
}
