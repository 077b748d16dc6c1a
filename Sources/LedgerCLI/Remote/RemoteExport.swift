import ArgumentParser
import Foundation
import LedgerCore
import LedgerPresentation
import NIOCore

/// `ledger export` in remote mode: `GET /v1/export?…` streamed into the file (`--out`), written beside it
/// first and renamed when complete, so a broken transfer leaves no partial bundle under the name.
enum RemoteExport {
    /// Streams the bundle to `out` (`-`: standard output) and prints a summary (stderr, or JSON on stdout).
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
                if let temporary {
                    try? sink.close()
                    guard rename(temporary, out) == 0 else {
                        throw CLIError(message: "cannot write \(out): \(String(cString: strerror(errno)))", exitCode: .ledgerError)
                    }
                    summarize(path: out, bytes: writer.bytes, json: json)
                }
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

    /// The summary: the bundle's header line (its first line) with the path and size.
    static func summarize(path: String, bytes: Int, json: Bool) {
        var header: JSONValue = .null
        if let handle = FileHandle(forReadingAtPath: path) {
            defer { try? handle.close() }
            let head = (try? handle.read(upToCount: 1 << 20)) ?? Data()
            let line = head.prefix(while: { $0 != UInt8(ascii: "\n") })
            header = (try? JSONValue(parsing: Array(line))) ?? .null
        }
        if json {
            Console.out(JSONValue.object(["path": .string(path), "bytes": .integer(Int64(bytes)), "header": header]).prettyPrinted())
        } else {
            let range = header["header"] ?? header
            let first = range["first_seq"]?.integerValue.map(String.init) ?? "?", last = range["last_seq"]?.integerValue.map(String.init) ?? "?"
            Console.note("exported seq \(first)…\(last) from the ledger service to \(path), \(bytes.formatted()) bytes")
        }
    }

    /// Counts and writes the streamed bytes.
    final class BundleSink: @unchecked Sendable {  // written from one task at a time (the response body's reader)
        let handle: FileHandle
        private(set) var bytes = 0

        init(handle: FileHandle) { self.handle = handle }

        func write(_ chunk: ByteBuffer) throws {
            let data = Data(chunk.readableBytesView)
            do {
                try handle.write(contentsOf: data)
            } catch {
                throw CLIError(message: "cannot write the bundle: \(error.localizedDescription)", exitCode: .ledgerError)
            }
            bytes += data.count
        }
    }
}
