import ArgumentParser
import Foundation
import LedgerCore
import LedgerWorkflows

extension Ledger {
    /// `ledger verify`: proves the ledger is intact.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
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

                --checkpoint also takes C2SP signed checkpoint notes (`ledger checkpoint --note`;
                told apart from JSON statements by content), checked with --public-key (a vkey
                string or a PEM): each note's signature; the ledger must still hold its ledger-head
                seq and mac; and the RFC 6962 tree of the note's size is recomputed from the rows
                (one streaming pass, constant memory; the stored tree state is not used) and must
                have the note's root. A ledger cut or rewritten below a note's size fails, even when
                re-chained with the HMAC key. Notes whose roots all match were recomputed from the
                same rows, so each later tree extends each earlier one (consistency). With notes only
                and no --key-file (nor LEDGER_KEY_FILE), no HMAC key is needed and none is checked:
                an auditor's check; entries after the newest note are then covered by nothing.

                A key file that holds none of the keys the entries name (another ledger's key
                file) is reported as "wrong key file" with exit 78, not as tampering: no mac could
                be checked. As soon as one entry's key is in the key file, findings are tampering.

                Exit status: 0 intact, 2 tampering found, 74 the database cannot be read,
                78 key-file problem (missing, malformed, loosely permissioned, or the wrong one).

                Examples:
                  ledger verify
                  ledger verify --db ./ledger.sqlite --key-file ./ledger.key --format json
                  ledger verify --checkpoint checkpoints/2026-11-29.json --from 100000
                  ledger verify --db ./ledger.sqlite --public-key ledger.vkey --checkpoint 2026-10.note --checkpoint 2026-11.note
                """)

        @OptionGroup var options: LedgerOptions
        @OptionGroup var remote: RemoteOptions
        @OptionGroup var ca: RemoteCAFileOption
        @Option(help: "Output format: text or json.") var format: TextOrJSON = .text
        @Option(
            help: ArgumentHelp(
                "Verify an evidence bundle written by `ledger export` instead of the database (needs only --key-file).",
                valueName: "bundle.jsonl"))
        var bundle: String?

        @Option(
            name: .customLong("checkpoint"),
            help: ArgumentHelp(
                "A checkpoint file (JSON statement or signed note) the ledger must still match (repeatable): catches a ledger cut short or rewritten.",
                valueName: "file"))
        var checkpoints: [String] = []

        @Option(
            name: .customLong("public-key"),
            help: ArgumentHelp(
                "Ed25519 public key (a C2SP vkey string or a PEM) that checks the --checkpoint files' signatures (without it a statement's signature is reported as not checked; notes need it).",
                valueName: "vkey|pem"))
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
            // A bundle is checked here, without any ledger: remote mode does not apply to it.
            let remoteQuery = RemoteRun.query([
                ("from", from.map(String.init)), ("to", to.map(String.init)), ("max_findings", maxFindings == 50 ? nil : String(maxFindings)),
            ])
            let refused = RemoteRun.localOnly(options) + [("--checkpoint", !checkpoints.isEmpty), ("--public-key", publicKey != nil)]
            if bundle == nil {
                let remoteHandled = try await RemoteRun.ifRemote(remote, caFile: ca.caFile, localOnly: refused) { client in
                    try await RemoteRun.document(client, .get, "/v1/verify", query: remoteQuery) { document in
                        VerifyOutput.print(document: document, format: format, maxFindings: maxFindings)
                    }
                }
                if remoteHandled { return }
            }
            try await runReportingTransparencyErrors {
                if let bundle {
                    try verifyBundle(at: bundle)
                    return
                }
                let plan = try checkpointPlan()
                if plan.publicOnly {
                    try verifyPublicOnly(plan)
                    return
                }
                let report = try verifyDatabase(plan)
                if !report.isIntact { throw ExitCode(LedgerExitCode.tampered.rawValue) }
            }
        }
    }
}
