import ArgumentParser
import Foundation
import LedgerCore
import LedgerWorkflows

extension Ledger.Verify {
    /// `ledger verify --bundle FILE`: verifies an evidence bundle without the database.
    ///
    /// With the key file: every line's mac must recompute with the key its key_id names, each
    /// prev_mac must equal the previous line's mac, seqs must be contiguous with one ledger_id, no
    /// entry may be signed by a key an earlier key.rotated line retired, and the signed header must
    /// agree with the lines.
    ///
    /// With `--public-key` (a vkey or a PEM) and a bundle carrying proofs: the checkpoint note's
    /// signature, and each line's leaf hash and inclusion proof against the note's root, besides the
    /// links, seqs and ledger_id (stored values compared). Without `--key-file` (nor
    /// `LEDGER_KEY_FILE`) no HMAC is recomputed: the header and matched flags are then reported as
    /// not authenticated. A bundle without proofs and no key file is refused (exit 64).
    ///
    /// Exit 0 when intact, 2 with every finding listed (line and seq) otherwise, 78 when the key
    /// file holds none of the keys the bundle names (the wrong key file) or the public key cannot be read.
    func verifyBundle(at path: String) throws {
        let bundlePath = Paths.expand(path)
        var ring: KeyRing?
        let report: BundleVerificationReport
        if let publicKey {
            let keyFile = try PublicKeyFile.load(path: Paths.expand(publicKey))
            let explicitKeyFile = options.keyFile != nil || !(ProcessInfo.processInfo.environment["LEDGER_KEY_FILE"] ?? "").isEmpty
            if explicitKeyFile { ring = try options.loadKeys() }
            do {
                report = try BundleVerifier(keyRing: ring, noteKey: { try keyFile.noteKey(origin: $0) }).verify(path: bundlePath)
            } catch let error as BundleVerificationError {
                throw CLIError(message: "\(path): \(error.description)", exitCode: .usage)
            }
        } else {
            let loaded = try options.loadKeys()
            ring = loaded
            report = try BundleVerifier(keyRing: loaded).verify(path: bundlePath)
        }
        if let ring {
            // Every key the bundle names (its lines' and its header's): when none is in the key file,
            // nothing could be checked, and that is a configuration problem, not tampering.
            var signers = report.keyUsage.map(\.keyID)
            if let headerKey = report.header?.headerKeyID, !signers.contains(headerKey) { signers.append(headerKey) }
            if !signers.isEmpty, !ring.keys.contains(where: { signers.contains($0.id) }) {
                throw WrongKeyFile.error(whose: "the bundle's keys", keyIDs: signers, more: false, keyFile: ring.path)
            }
        }
        switch format {
        case .json:
            Console.out(report.jsonValue.prettyPrinted())
        case .text:
            if report.hasProofs || publicKey != nil {
                BundleProofOutput.printText(report, maxFindings: maxFindings)
            } else {
                printBundleText(report)
            }
        }
        if !report.isIntact { throw ExitCode(LedgerExitCode.tampered.rawValue) }
    }
}
