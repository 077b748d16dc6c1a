import ArgumentParser
import Foundation
import LedgerCore

extension Ledger.Checkpoint {
    /// `ledger checkpoint [create]`: records a checkpoint entry and writes the statement.
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Record a checkpoint entry and write a statement of it (the default subcommand).",
            discussion: """
                Appends a `checkpoint` entry, then writes a statement certifying that entry's seq
                and mac to --out (or stdout) and keeps a copy beside the key file
                (<key dir>/checkpoints/<ledger_id>.json), so that every later write first checks
                the ledger still holds it (exit 6 otherwise).

                Exit status: 0 written, 6 the ledger does not verify, 64 usage, 74 ledger error,
                78 key error.

                Example:
                  ledger checkpoint --out checkpoints/2026-11-29.json --sign-key ed25519.pem
                """)

        @Option(help: ArgumentHelp("Write the statement here (default: stdout).", valueName: "file")) var out: String?
        @Option(name: .customLong("sign-key"), help: ArgumentHelp("Also sign with this Ed25519 private key (PEM, mode 0600).", valueName: "pem"))
        var signKey: String?
        @Option(name: .customLong("reason"), help: ArgumentHelp("Why (recorded in the entry).", valueName: "text")) var reason: String?
        @Option(help: ArgumentHelp(
            "Output format: text or json. With --out, json prints one object (seq, mac, path, local_copy, signed); without it the statement (JSON) is the output in both formats."))
        var format: TextOrJSON = .text
        @OptionGroup var who: ActorOptions
        @OptionGroup var options: LedgerOptions

        func run() async throws {
            try await runReportingErrors {
                let (store, ring) = try options.openForWriting()
                var signing: (privatePEM: String, publicPEM: String?)?
                if let signKey {
                    let pem = try readPrivateKey(signKey)
                    let publicPath = Self.publicKeyPath(forPrivate: signKey)
                    let publicPEM = FileManager.default.contents(atPath: publicPath).map { String(decoding: $0, as: UTF8.self) }
                    signing = (pem, publicPEM)
                }
                let head = try store.head()
                var draft = EntryDraft(kind: EntryKind.checkpoint)
                draft.reason = reason
                draft.details = ["entries_before": .integer(head?.seq ?? 0), "signed": .bool(signing != nil)]
                let entry = try store.append(draft, keyRing: ring, provenance: who.provenance)
                let checkpoint = try LedgerCore.Checkpoint(
                    entry: entry, keyRing: ring, signingKeyPEM: signing?.privatePEM, publicKeyPEM: signing?.publicPEM)
                let text = checkpoint.jsonValue.prettyPrinted() + "\n"
                let local = options.localCheckpointPath(ledgerID: store.ledgerID)
                try KeyFile.ensureParentDirectory(of: local, mode: 0o700)
                try write(text, to: local)
                if let out {
                    try write(text, to: out)
                    if format == .json {
                        Console.out(JSONValue.object([
                            "ledger_id": .string(entry.ledgerID), "seq": .integer(entry.seq), "mac": .string(entry.mac),
                            "path": .string(out), "local_copy": .string(local), "signed": .bool(signing != nil),
                        ]).prettyPrinted())
                        return
                    }
                    Console.out("checkpoint of seq \(entry.seq) (mac \(entry.mac)) written to \(DisplayText.terminal(out))\(signing == nil ? "" : ", Ed25519-signed")")
                    Console.note("Keep it outside the database; check with: ledger verify --checkpoint \(out)")
                } else {
                    FileHandle.standardOutput.write(Data(text.utf8))
                }
            }
        }

        private func write(_ text: String, to path: String) throws {
            do {
                try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            } catch {
                throw LedgerError.io(path: path, reason: "cannot write the checkpoint: \(error.localizedDescription)")
            }
        }

        /// `key.pem` → `key.pub.pem` (as `ledger keys ed25519-generate` names them).
        static func publicKeyPath(forPrivate path: String) -> String {
            path.hasSuffix(".pem") ? String(path.dropLast(4)) + ".pub.pem" : path + ".pub"
        }
    }
}

/// Reads a private key file, refusing one that group or others may read.
func readPrivateKey(_ path: String) throws -> String {
    // The same rules as every secret file: owner, mode 0600, no swappable path.
    var bytes = try SecretFile.read(path: path, what: "private key")
    defer { Digest.wipe(&bytes) }
    return String(decoding: bytes, as: UTF8.self)
}
