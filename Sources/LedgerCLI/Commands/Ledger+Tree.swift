import ArgumentParser
import Foundation
import LedgerCore
import LedgerWorkflows

extension Ledger {
    /// `ledger tree`: the public Merkle tree (RFC 6962) over the entries: proofs and its derived state.
    struct Tree: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "tree",
            abstract: "The public Merkle tree over the entries: inclusion and consistency proofs, rebuild.",
            discussion: """
                Entry seq s is leaf s-1 of an RFC 6962 tree; a leaf is the canonical JSON of the
                whole row, mac included (docs: transparency). Signed checkpoint notes
                (`ledger checkpoint --note`) sign its root; these commands give auditors the proofs.
                The tree's state kept in the database is derived data: `ledger checkpoint` brings it
                up to date, `ledger tree rebuild` recomputes it, and `ledger verify` never trusts it.

                Examples:
                  ledger tree proof --seq 1234 --format json
                  ledger tree consistency --from old.note --to new.note --public-key ledger.vkey
                  ledger tree rebuild
                """,
            subcommands: [Proof.self, Consistency.self, Rebuild.self]
        )
    }
}

extension Ledger.Tree {
    /// `ledger tree proof --seq S`: an inclusion proof.
    struct Proof: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "proof",
            abstract: "Print the inclusion proof of one entry (RFC 6962 audit path, base64 hashes).",
            discussion: """
                Writes no entry. Prints the entry's leaf index (seq - 1), its leaf hash
                SHA-256(0x00 || leaf input), the audit path from the leaf's sibling upwards, the
                tree size and the root. The proof is checked with the RFC 9162 algorithm before it
                is printed. --size picks an older tree (e.g. a note's tree size); default: the head.
                Hashes come from the stored tree state (derived data), first brought up to the head
                when this user may write the database; otherwise, when it is behind, the tree is
                computed from the rows (slower on a large ledger).

                Exit status: 0 printed, 2 the proof does not verify (damaged tree state: ledger tree
                rebuild), 64 usage, 74 ledger error.

                Examples:
                  ledger tree proof --seq 1234
                  ledger tree proof --seq 1234 --size 5000 --format json
                  ledger tree proof --all --size 5000 > proofs.jsonl
                """)

        @Option(help: ArgumentHelp("The entry to prove.", valueName: "seq")) var seq: Int64?
        @Flag(help: "Prove every entry of the tree instead: one JSON object per line (as --format json, compact).") var all = false
        @Option(help: ArgumentHelp("The tree size (default: the ledger's head).", valueName: "n")) var size: Int64?
        @Option(help: "Output format: text or json (seq, leaf_index, tree_size, leaf_hash, inclusion_proof, root_hash, verifies).")
        var format: TextOrJSON = .text
        @OptionGroup var options: DatabaseOption

        func validate() throws {
            guard (seq == nil) != !all else { throw ValidationError("give --seq S or --all") }
            if let seq, seq < 1 { throw ValidationError("--seq must be 1 or more") }
            if let size, size < (seq ?? 0) { throw ValidationError("--size must not be below --seq") }
            if let size, size < 0 { throw ValidationError("--size must be 0 or more") }
        }

        func run() async throws {
            try await runReportingTransparencyErrors {
                let (store, catchUp) = try TreeService.openForProofs(path: options.databasePath)
                if all {
                    var failed = false
                    try TreeService.allInclusionProofs(store, size: size, catchUp: catchUp) { proof in
                        failed = failed || !proof.verifies
                        Console.out(String(decoding: CanonicalJSON.encode(TransparencyOutput.json(proof)), as: UTF8.self))
                    }
                    if failed { throw ExitCode(LedgerExitCode.tampered.rawValue) }
                    return
                }
                let proof = try TreeService.inclusionProof(store, seq: seq ?? 0, size: size, catchUp: catchUp)
                TransparencyOutput.print(proof, format: format)
                if !proof.verifies { throw ExitCode(LedgerExitCode.tampered.rawValue) }
            }
        }
    }

    /// `ledger tree consistency --from OLD --to NEW`: the newer note's tree extends the older one's.
    struct Consistency: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "consistency",
            abstract: "Prove with a consistency proof that one signed note's tree extends an older one's.",
            discussion: """
                Checks both notes' signatures with --public-key (a vkey string or a PEM, no key
                file), takes the consistency proof (RFC 6962 §2.1.2) from the older note's tree size
                to the newer one's from this ledger, and verifies it against the two signed roots
                with the RFC 9162 algorithm. Where the proof came from does not matter: it verifies
                only if the newer tree extends the older one. A ledger rewritten below the older
                note's size cannot produce one. The proof is printed (base64) for auditors.

                Exit status: 0 consistent, 2 not consistent or a note not authentic, 64 usage,
                74 ledger error, 78 unusable public key.

                Example:
                  ledger tree consistency --from 2026-10.note --to 2026-11.note --public-key ledger.vkey
                """)

        @Option(help: ArgumentHelp("The older signed note.", valueName: "note")) var from: String
        @Option(help: ArgumentHelp("The newer signed note.", valueName: "note")) var to: String
        @Option(name: .customLong("public-key"), help: ArgumentHelp("The notes' Ed25519 key: a C2SP vkey string or a PEM file.", valueName: "vkey|pem"))
        var publicKey: String
        @Option(help: "Output format: text or json (consistent, sizes, roots, consistency_proof, failure).") var format: TextOrJSON = .text
        @OptionGroup var options: DatabaseOption

        func run() async throws {
            try await runReportingTransparencyErrors {
                let key = try PublicKeyFile.load(path: Paths.expand(publicKey))
                let (store, catchUp) = try TreeService.openForProofs(path: options.databasePath)
                let result = try NoteService.consistency(store, from: Paths.expand(from), to: Paths.expand(to), key: key, catchUp: catchUp)
                TransparencyOutput.print(result, format: format)
                if !result.isConsistent { throw ExitCode(LedgerExitCode.tampered.rawValue) }
            }
        }
    }

    /// `ledger tree rebuild`: drop and recompute the derived tree state.
    struct Rebuild: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rebuild",
            abstract: "Drop the stored tree state and recompute it from the entries (progress on stderr).",
            discussion: """
                The stored tree state (leaf hashes and tile roots) is derived data that only speeds
                up checkpoints and proofs; it is never trusted by `ledger verify`. Rebuild it after
                restoring a database, or when a proof does not verify. No key is needed; no entry
                is written.

                Exit status: 0 rebuilt, 74 ledger error.

                Example:
                  ledger tree rebuild --db ./ledger.sqlite
                """)

        @Option(help: "Output format: text or json (tree_size, root_hash).") var format: TextOrJSON = .text
        @OptionGroup var options: DatabaseOption

        func run() async throws {
            try await runReportingTransparencyErrors {
                let location = LedgerLocation(databasePath: options.databasePath, keyFilePath: "")
                let (size, root) = try TreeService.rebuild(location) { Console.progress("hashing the tree… \($0.formatted()) entries") }
                Console.endProgress()
                if format == .json {
                    Console.out(JSONValue.object(["tree_size": .integer(size), "root_hash": .string(TransparencyOutput.base64(root))]).prettyPrinted())
                } else {
                    Console.out("tree rebuilt: \(size.formatted()) entries, root \(TransparencyOutput.base64(root))")
                }
            }
        }
    }
}

/// `--db` alone, for commands that need no key file.
struct DatabaseOption: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The ledger database (default: $LEDGER_DB, else $XDG_DATA_HOME/model-ledger/ledger.sqlite).",
            valueName: "path"))
    var db: String?

    func validate() throws {
        if db?.isEmpty == true { throw ValidationError("--db must not be empty") }
    }

    /// The database path in force.
    var databasePath: String {
        var options = LedgerOptions()
        options.db = db
        return options.databasePath
    }
}
