import ArgumentParser
import Foundation
import LedgerCore

extension Ledger.Checkpoint {
    /// `ledger checkpoint verify FILE`: checks a checkpoint's own authenticity.
    struct VerifyFile: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Check a checkpoint file's signatures: Ed25519 (public key) and/or HMAC (key file).",
            discussion: """
                Every signature the file carries is checked when the means to check it are given,
                and one that fails makes the checkpoint NOT AUTHENTIC:
                  --public-key PEM   checks the Ed25519 signature (an auditor needs nothing else; the
                                     same check by hand: see docs/ledger-format.md). The HMAC is then
                                     checked only when --key-file (or LEDGER_KEY_FILE) is given too,
                                     and the output says "HMAC not checked (no key file)" otherwise.
                  without it         checks the HMAC with the key file; an Ed25519 signature in the
                                     file is reported as not checked.
                The first word of the result says what was proven: AUTHENTIC (every signature present
                was checked and verifies), SIGNATURE VALID (the Ed25519 signature verifies, the HMAC
                was not checked), HMAC VALID (the HMAC verifies, the Ed25519 signature was not
                checked), NOT AUTHENTIC (a signature does not verify).
                To check the ledger against the checkpoint, use `ledger verify --checkpoint FILE`.

                Exit status: 0 no signature failed, 2 not authentic, 64 usage, 74 unreadable, 78 key error.

                Examples:
                  ledger checkpoint verify cp.json --public-key ed25519.pub.pem
                  ledger checkpoint verify cp.json --public-key ed25519.pub.pem --key-file ledger.key
                """)

        @Argument(help: ArgumentHelp("The checkpoint file.", valueName: "file")) var file: String
        @Option(name: .customLong("public-key"), help: ArgumentHelp("Ed25519 public key (PEM).", valueName: "pem"))
        var publicKey: String?
        @Option(
            name: .customLong("key-file"),
            help: ArgumentHelp(
                "The ledger's HMAC key file (default without --public-key: LEDGER_KEY_FILE or the default key file).",
                valueName: "path"))
        var keyFile: String?
        @Option(help: "Output format: text or json (one object: verdict, authentic, hmac, ed25519, failure and the checkpoint's ledger_id, seq, mac).")
        var format: TextOrJSON = .text

        func run() async throws {
            try await runReportingErrors {
                let checkpoint = try LedgerCore.Checkpoint.load(path: file)
                var publicPEM: String?
                if let publicKey {
                    guard let pem = FileManager.default.contents(atPath: publicKey) else {
                        throw LedgerError.io(path: publicKey, reason: "cannot read the public key")
                    }
                    guard checkpoint.ed25519Signature != nil else {
                        throw CLIError(message: "\(file) has no Ed25519 signature; check its HMAC with --key-file instead.", exitCode: .usage)
                    }
                    publicPEM = String(decoding: pem, as: UTF8.self)
                }
                // The HMAC needs the secret key: with --public-key it is checked only when a key file is named.
                let explicitKeyFile = keyFile != nil || !(ProcessInfo.processInfo.environment["LEDGER_KEY_FILE"] ?? "").isEmpty
                var ring: KeyRing?
                if publicKey == nil || explicitKeyFile {
                    var options = LedgerOptions()
                    options.keyFile = keyFile
                    ring = try options.loadKeys()
                }
                let result = try checkpoint.authenticity(keyRing: ring, publicKeyPEM: publicPEM)
                var how = result.summary
                if result.hmac == .valid { how = how.replacingOccurrences(of: "HMAC valid", with: "HMAC valid (key \(checkpoint.keyID))") }
                let subject = "ledger \(checkpoint.ledgerID) seq \(checkpoint.seq) mac \(checkpoint.mac) at \(checkpoint.recordedAt)"
                let verdict: String
                if result.failure != nil {
                    verdict = "NOT AUTHENTIC"
                } else if result.isFullyChecked {
                    verdict = "AUTHENTIC"
                } else if result.ed25519 == .valid {
                    verdict = "SIGNATURE VALID"
                } else {
                    verdict = "HMAC VALID"
                }
                if format == .json {
                    Console.out(JSONValue.object([
                        "verdict": .string(verdict), "authentic": .bool(result.failure == nil),
                        "hmac": Self.json(result.hmac), "ed25519": Self.json(result.ed25519),
                        "failure": result.failure.map { .string($0) } ?? .null, "summary": .string(result.summary),
                        "file": .string(file), "ledger_id": .string(checkpoint.ledgerID), "seq": .integer(checkpoint.seq),
                        "mac": .string(checkpoint.mac), "recorded_at": .string(checkpoint.recordedAt), "key_id": .string(checkpoint.keyID),
                    ]).prettyPrinted())
                } else if let failure = result.failure {
                    Console.out(Console.styled("NOT AUTHENTIC", .red) + ": \(how) — \(failure); for \(subject)")
                } else {
                    Console.out(Console.styled(verdict, .green) + ": \(how), for \(subject)")
                }
                if result.failure != nil { throw ExitCode(LedgerExitCode.tampered.rawValue) }
            }
        }

        /// One signature check as JSON: `{"result": "valid"|"invalid"|"not_checked"|"absent", "reason": …}`.
        static func json(_ check: CheckpointAuthenticity.Check) -> JSONValue {
            switch check {
            case .valid: .object(["result": .string("valid"), "reason": .null])
            case .invalid(let why): .object(["result": .string("invalid"), "reason": .string(why)])
            case .notChecked(let why): .object(["result": .string("not_checked"), "reason": .string(why)])
            case .absent: .object(["result": .string("absent"), "reason": .null])
            }
        }
    }
}
