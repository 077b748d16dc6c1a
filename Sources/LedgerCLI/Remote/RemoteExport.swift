import ArgumentParser
import Foundation
import LedgerCore
import LedgerPresentation
import NIOCore

/// `ledger export` in remote mode: `GET /v1/export?…` streamed into the file (`--out`), written beside it
/// first and renamed when complete, so a broken transfer leaves no partial bundle under the name.
enum RemoteExport {
    /// Streams the bundle to `out` (`-`: standard output) and prints the summary as local mode does
    /// (``ExportOutput/print(document:format:)``: a line on stderr, or JSON on stdout).
    static func run(_ client: RemoteLedgerClient, query: [(String, String)], out: String, force: Bool, json: Bool) async throws {
        if out != "-", !force, FileManager.default.fileExists(atPath: out) {
            throw CLIError(message: "\(out) already exists; pass --force to replace it", exitCode: .usage)
        }
        let temporary = out == "-" ? nil : out + ".partial-\(getpid())"
        let sink: FileHandle
        if let temporary {
            guard FileManager.default.createFile(atPath: temporary, contents: nil, attributes: [.posixPermissions: 0o644]),
                let handle = FileHandle(forWritingAtPath: temporary)
            else {
                throw CLIError(message: "cannot write \(out): check that its directory exists and is writable.", exitCode: .ledgerError)
            }
            sink = handle
        } else {
            sink = FileHandle.standardOutput
        }
        let writer = BundleSink(handle: sink)
        do {
            try await RemoteLedgerClient.with(client) { client in
                let exitCode: LedgerExitCode
                do throws(RemoteCallError) {
                    let (response, streamed) = try await client.stream("/v1/export", query: query, timeout: RemoteRun.uploadTimeout) { chunk in
                        try writer.write(chunk)
                    }
                    exitCode = try RemoteAnswer.successExitCode(response)
                    guard streamed else { throw RemoteAnswer.failure(response) }
                } catch {
                    throw error.cliError
                }
                // The summary comes from the bundle's header line, checked before the bundle takes its name.
                let header = try writer.header()
                if let temporary {
                    try? sink.close()
                    guard rename(temporary, out) == 0 else {
                        throw CLIError(message: "cannot write \(out): \(String(cString: strerror(errno)))", exitCode: .ledgerError)
                    }
                }
                ExportOutput.print(
                    document: ExportPresentation.document(header: header, path: out, bytes: Int64(writer.bytes)), format: json ? .json : .text)
                if exitCode != .ok { throw ExitCode(exitCode.rawValue) }
            }
        } catch {
            if let temporary {
                try? sink.close()
                unlink(temporary)
            }
            throw error
        }
    }

    /// Counts and writes the streamed bytes, and keeps the first line (the bundle's header).
    final class BundleSink: @unchecked Sendable {  // written from one task at a time (the response body's reader)
        let handle: FileHandle
        private(set) var bytes = 0
        /// The bytes of line 1 seen so far (at most ``headerLimit``), and whether its newline came.
        private var firstLine: [UInt8] = []
        private var firstLineEnded = false

        /// A header line longer than this is not one ledger writes (a checkpoint note is at most a few KiB).
        static let headerLimit = 1 << 20

        init(handle: FileHandle) { self.handle = handle }

        func write(_ chunk: ByteBuffer) throws {
            let data = Data(chunk.readableBytesView)
            if !firstLineEnded, firstLine.count <= Self.headerLimit {
                let head = data.prefix(while: { $0 != UInt8(ascii: "\n") })
                firstLine += head.prefix(Self.headerLimit + 1 - firstLine.count)
                firstLineEnded = head.count < data.count
            }
            do {
                try handle.write(contentsOf: data)
            } catch {
                throw CLIError(message: "cannot write the bundle: \(error.localizedDescription)", exitCode: .ledgerError)
            }
            bytes += data.count
        }

        /// The bundle's header, read from its first line (exit 74 when the service sent something else).
        func header() throws -> BundleHeader {
            guard firstLineEnded, firstLine.count <= Self.headerLimit, let json = try? JSONValue(parsing: firstLine) else {
                throw CLIError(message: "the ledger service's answer is not an evidence bundle: its first line is not a bundle header", exitCode: .ledgerError)
            }
            do {
                return try BundleHeader(json: json)
            } catch {
                throw CLIError(
                    message: "the ledger service's answer is not an evidence bundle: \(DisplayText.terminal(String(describing: error)))", exitCode: .ledgerError
                )
            }
        }
    }
}
