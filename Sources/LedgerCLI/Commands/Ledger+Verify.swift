import ArgumentParser
import Foundation
import LedgerCore

extension Ledger {
    /// `ledger verify`: proves the ledger is intact.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prove that no entry was altered, inserted, removed or reordered.",
            discussion: """
                Streams every entry once (constant memory) and checks: seq runs 1..n with no
                gap; every row has the ledger's ledger_id; every prev_mac equals the previous
                row's mac; every mac recomputes with the key its key_id names; no row is signed
                by a key retired before it. Every broken row is reported with its seq and why.
                Switches whose outcome is unknown (a switch.requested with no completion) are
                listed as unresolved; they are not tampering.

                With --checkpoint FILE (repeatable), the ledger must still hold each checkpoint's
                seq with its mac: a ledger cut short, or cut and re-chained with the key, fails.
                --from/--to verify a range (the link into the range is still checked).

                A key file that holds none of the keys the entries name (another ledger's key
                file) is reported as "wrong key file" with exit 78, not as tampering: no mac could
                be checked. As soon as one entry's key is in the key file, findings are tampering.

                Exit status: 0 intact, 2 tampering found, 74 the database cannot be read,
                78 key-file problem (missing, malformed, loosely permissioned, or the wrong one).

                Examples:
                  ledger verify
                  ledger verify --db ./ledger.sqlite --key-file ./ledger.key --format json
                  ledger verify --checkpoint checkpoints/2026-11-29.json --from 100000
                """)

        @OptionGroup var options: LedgerOptions
        @Option(help: "Output format: text or json.") var format: TextOrJSON = .text
        @Option(
            help: ArgumentHelp(
                "Verify an evidence bundle written by `ledger export` instead of the database (needs only --key-file).",
                valueName: "bundle.jsonl"))
        var bundle: String?

        @Option(
            name: .customLong("checkpoint"),
            help: ArgumentHelp(
                "A checkpoint file the ledger must still match (repeatable): catches a ledger cut short or rewritten.",
                valueName: "file"))
        var checkpoints: [String] = []

        @Option(
            name: .customLong("public-key"),
            help: ArgumentHelp(
                "Ed25519 public key (PEM) that checks the --checkpoint files' signatures (without it a signature is reported as not checked).",
                valueName: "pem"))
        var publicKey: String?

        @Option(help: ArgumentHelp("Verify from this seq (the link to the entry before it is still checked).", valueName: "seq"))
        var from: Int64?

        @Option(help: ArgumentHelp("Verify up to this seq.", valueName: "seq"))
        var to: Int64?

        @Option(help: "Show at most this many findings in text output; json lists at least 1000, or this many if larger. The count is always exact.")
        var maxFindings: Int = 50

        func validate() throws {
            if maxFindings < 0 { throw ValidationError("--max-findings must be 0 or more") }
            if let from, from < 1 { throw ValidationError("--from must be 1 or more") }
            if let to, to < (from ?? 1) { throw ValidationError("--to must not be below --from") }
        }

        func run() async throws {
            try await runReportingErrors {
                if let bundle {
                    try verifyBundle(at: bundle)
                    return
                }
                let ring = try options.loadKeys()
                let store = try options.openForReading()
                let report = try makeVerifier(keyRing: ring).verify(store)
                Console.endProgress()
                if report.isWrongKeyFile {
                    throw WrongKeyFile.error(
                        whose: "the ledger's keys", keyIDs: report.unknownKeyUsage.map(\.keyID),
                        more: report.unknownKeyUsage.count >= VerificationReport.unknownKeyLimit, keyFile: ring.path)
                }
                switch format {
                case .json:
                    var json = report.jsonValue.objectValue ?? [:]
                    json["db"] = .string(store.path)
                    Console.out(JSONValue.object(json).prettyPrinted())
                case .text:
                    printText(report, path: store.path)
                }
                if !report.isIntact { throw ExitCode(LedgerExitCode.tampered.rawValue) }
            }
        }
    }
}

/// The "wrong key file" diagnosis shared by `verify`, `verify --bundle`, `report` and `history`.
enum WrongKeyFile {
    /// At most this many key ids are named in the message.
    static let shownKeys = 5

    /// "wrong key file: none of WHOSE (k1, k2) is in KEYFILE. …": the message for a key file that
    /// holds none of the keys that signed what was checked. Key ids come from the data (escaped
    /// by `Console.error` when printed).
    static func message(whose: String, keyIDs: [String], more: Bool, keyFile: String) -> String {
        var names = keyIDs.prefix(shownKeys).joined(separator: ", ")
        if keyIDs.count > shownKeys || more { names += ", …" }
        return "wrong key file: none of \(whose) (\(names)) is in \(keyFile). "
            + "Use the key file this ledger was written with (--key-file or LEDGER_KEY_FILE); "
            + "if this is that key file, every entry's key_id was changed: treat the ledger as tampered."
    }

    /// The message as a configuration error (exit 78).
    static func error(whose: String, keyIDs: [String], more: Bool, keyFile: String) -> CLIError {
        CLIError(message: message(whose: whose, keyIDs: keyIDs, more: more, keyFile: keyFile), exitCode: .configError)
    }
}
