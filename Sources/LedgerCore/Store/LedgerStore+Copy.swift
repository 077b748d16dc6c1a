import Foundation

/// What `LedgerStore.copy` did: the rows it copied and the head both ledgers now share.
public struct LedgerCopyResult: Sendable, Equatable {
    /// The ledger's id (the same in both: rows are copied as they are).
    public var ledgerID: String
    /// Where the rows came from (password-free).
    public var source: String
    /// Where they went (password-free).
    public var destination: String
    /// Rows copied (every row of the source, seq 1 through `headSeq`).
    public var rows: Int64
    /// The newest seq, in both.
    public var headSeq: Int64
    /// The newest mac, in both.
    public var headMac: String
    /// Wall-clock seconds of the copy and the checks after it.
    public var seconds: Double
}

/// Why `ledger copy` refused or failed. Nothing is written when the destination is refused.
public struct LedgerCopyError: Error, LocalizedError, Equatable {
    /// What went wrong, in kind.
    public enum Reason: Sendable, Equatable {
        /// The destination already holds a ledger, a file or entries: nothing was written.
        case destinationNotEmpty
        /// The source and the destination are the same database.
        case sameDatabase
        /// A source row breaks a chain rule (compared as stored): nothing was committed.
        case sourceDoesNotVerify
        /// After the copy, the destination does not hold what the source holds.
        case destinationDiffers
    }

    /// What went wrong, in kind.
    public let reason: Reason
    /// One line for the user.
    public let message: String

    public var errorDescription: String? { message }
}

extension LedgerStore {
    /// Copies every row of this ledger, in seq order, into `destination`, an EMPTY backend the
    /// caller has just created, inserting each row as it is stored (same columns, same macs: a copy
    /// signs nothing and needs no key). The rows are read in one read transaction of the source (a
    /// consistent snapshot, even while others append) and written in one write transaction of the
    /// destination, so a failure leaves no rows behind. Each source row goes through the one chain
    /// checker (stored values: seq, ledger_id, links, key lifecycle) before it is written; a broken
    /// source is not copied.
    ///
    /// Afterwards the destination is read back through the chain checker, and its row count, head
    /// seq, head mac and the digest of every row's leaf input (every non-NULL column, mac included:
    /// the public tree's leaf) must equal the source's.
    /// Rows handed to the destination at once.
    static let copyBatchSize = 1000

    func copyRows(into destination: any LedgerBackend, progress: ((Int64) -> Void)?, progressInterval: Int64) throws -> LedgerCopyResult {
        let started = Date()
        let source = storage
        var digest = RowDigest()
        let (rows, head) = try source.readTransaction(context: "reading the source ledger") { () throws -> (Int64, (seq: Int64, mac: String)?) in
            guard let head = try source.headSeqAndMac() else { return (0, nil) }
            var count: Int64 = 0
            try destination.writeTransaction(context: "copying rows into \(destination.location)") {
                // Under the destination's write lock: still empty (another copy may have won the race).
                // State starts here, since a backend may run this body again after a transient failure.
                if try destination.headSeqAndMac() != nil {
                    throw LedgerCopyError(
                        reason: .destinationNotEmpty,
                        message: "\(destination.location) already holds entries; `ledger copy` writes only into an empty database: nothing was written")
                }
                var checker = ChainChecker(storedMacsOnly: .genesis())
                var macs = StoredMacsOnly()
                digest = RowDigest()
                count = 0
                // Rows go in batches (one multi-row INSERT each on PostgreSQL: a round trip per row made
                // a 1 M-row copy ten times slower).
                var batch: [LedgerEntry] = []
                batch.reserveCapacity(Self.copyBatchSize)
                try source.forEachRow(in: 1...head.seq, context: "reading the source ledger") { row in
                    var broken: ChainViolation?
                    try checker.check(row, mac: &macs) { violation in if broken == nil { broken = violation } }
                    if let broken {
                        throw LedgerCopyError(
                            reason: .sourceDoesNotVerify,
                            message: "the source \(source.location) does not verify at seq \(row.seq): "
                                + Verifier.message(broken, seq: row.seq, keyFile: "(no key: stored values compared)")
                                + "; nothing was copied. Run `ledger verify` on it.")
                    }
                    batch.append(try LedgerEntry(row: row.columns))
                    if batch.count == Self.copyBatchSize {
                        try destination.insert(contentsOf: batch)
                        batch.removeAll(keepingCapacity: true)
                    }
                    digest.add(row)
                    count += 1
                    if count % progressInterval == 0 { progress?(count) }
                }
                if !batch.isEmpty { try destination.insert(contentsOf: batch) }
            }
            return (count, head)
        }
        guard let head else {
            throw LedgerCopyError(reason: .sourceDoesNotVerify, message: "the source \(source.location) holds no entries to copy")
        }
        guard rows == head.seq else {
            throw LedgerCopyError(
                reason: .sourceDoesNotVerify, message: "the source \(source.location) holds \(rows) rows up to seq \(head.seq): nothing was copied")
        }

        // Read the destination back: the same chain, the same rows.
        let check = try destination.readTransaction(context: "checking the copy") {
            () throws -> (rows: Int64, head: (seq: Int64, mac: String)?, digest: RowDigest, finding: String?) in
            var copied = RowDigest()
            var checker = ChainChecker(storedMacsOnly: .genesis())
            var macs = StoredMacsOnly()
            var finding: String?
            var count: Int64 = 0
            guard let copiedHead = try destination.headSeqAndMac() else { return (0, nil, copied, nil) }
            try destination.forEachRow(in: 1...copiedHead.seq, context: "checking the copy") { row in
                try checker.check(row, mac: &macs) { violation in
                    if finding == nil { finding = Verifier.message(violation, seq: row.seq, keyFile: "(no key: stored values compared)") }
                }
                copied.add(row)
                count += 1
            }
            if finding == nil, try !destination.hasAppendOnlyTriggers() { finding = "the append-only triggers on entries are missing" }
            return (count, copiedHead, copied, finding)
        }
        let differs: String? =
            if let finding = check.finding {
                finding
            } else if check.rows != rows {
                "it holds \(check.rows) rows, the source \(rows)"
            } else if check.head?.seq != head.seq || check.head?.mac != head.mac {
                "its head (seq \(check.head?.seq ?? 0), mac \(check.head?.mac ?? "none")) is not the source's (seq \(head.seq), mac \(head.mac))"
            } else if check.digest != digest {
                "its rows are not byte for byte the source's (the digest of the rows' leaf inputs differs)"
            } else {
                nil
            }
        if let differs {
            throw LedgerCopyError(reason: .destinationDiffers, message: "the copy in \(destination.location) does not match the source: \(differs)")
        }
        return LedgerCopyResult(
            ledgerID: ledgerID, source: source.location, destination: destination.location, rows: rows, headSeq: head.seq, headMac: head.mac,
            seconds: Date().timeIntervalSince(started))
    }
}

/// A running SHA-256 over rows' leaf inputs (every non-NULL column, mac included), in order: two
/// ledgers with equal digests hold the same rows, byte for byte.
struct RowDigest: Equatable {
    private(set) var value = MerkleHash.emptyRoot

    /// Folds in `row`: value = node(value, leaf(row)).
    mutating func add(_ row: ColumnRow) {
        let leaf = MerkleHash.leaf(SignedPayload.leafInput(of: row.columns.map { (name: $0.key, value: $0.value) }))
        value = MerkleHash.node(value, leaf)
    }
}

extension LedgerStore {
    /// Copies the ledger in `source` into `destination`, which must be empty: a SQLite path where no
    /// file exists (created, mode 0600), or a PostgreSQL database that holds no ledger (the schema
    /// is created in it). Every row is inserted as it is stored — same columns, same macs, the same
    /// `db_role` — so the copy keeps every mac and the head mac; no key is needed and nothing is
    /// signed. Either direction. Afterwards the destination is checked against the source (see
    /// `copyRows(into:progress:progressInterval:)`).
    ///
    /// Throws `LedgerCopyError` (`.destinationNotEmpty` with nothing written, `.sourceDoesNotVerify`
    /// with nothing committed, `.destinationDiffers`) or `LedgerError`. On a failure before the
    /// commit, a SQLite destination file created here is removed again.
    public static func copy(
        from source: LedgerDatabase, to destination: LedgerDatabase, progress: ((Int64) -> Void)? = nil, progressInterval: Int64 = 100_000
    ) throws -> LedgerCopyResult {
        if source == destination {
            throw LedgerCopyError(reason: .sameDatabase, message: "--to names the source itself (\(source)); copy into an empty database")
        }
        let from = try openSource(source)
        switch destination {
        case .sqlite(let path):
            try claimEmptyFile(path)
            var committed = false
            defer {
                if !committed { for suffix in ["", "-wal", "-shm", "-journal"] { unlink(path + suffix) } }
            }
            let result: LedgerCopyResult
            do {
                let storage = try SQLiteLedgerStorage.create(path: path)
                result = try from.copyRows(into: storage, progress: progress, progressInterval: progressInterval)
            } catch let error as LedgerCopyError where error.reason == .destinationDiffers {
                committed = true  // the rows are committed: keep them for inspection
                throw error
            } catch let error as LedgerCopyError {
                throw error
            } catch {
                throw LedgerError.wrap(error)
            }
            committed = true
            return result
        case .postgresql(let url):
            // The schema is created in the existing database; one that holds entries is refused untouched.
            let storage: PostgreSQLLedgerStorage
            do {
                storage = try PostgreSQLLedgerStorage.create(url: url)
            } catch LedgerError.ledgerExists {
                throw LedgerCopyError(
                    reason: .destinationNotEmpty,
                    message: "\(destination) already holds a ledger; `ledger copy` writes only into an empty database: nothing was written")
            } catch {
                throw LedgerError.wrap(error)
            }
            do {
                return try from.copyRows(into: storage, progress: progress, progressInterval: progressInterval)
            } catch let error as LedgerCopyError {
                throw error
            } catch {
                throw LedgerError.wrap(error)
            }
        }
    }

    /// Opens the source read-only.
    private static func openSource(_ source: LedgerDatabase) throws -> LedgerStore {
        try open(database: source, writable: false)
    }

    /// Creates `path` exclusively (mode 0600, parents 0700): a destination file that already exists
    /// is refused, whatever it holds.
    private static func claimEmptyFile(_ path: String) throws {
        func refuse() -> LedgerCopyError {
            LedgerCopyError(
                reason: .destinationNotEmpty,
                message: "\(path) already exists; `ledger copy` writes only into a new file (or an empty PostgreSQL database): nothing was written")
        }
        if FileManager.default.fileExists(atPath: path) { throw refuse() }
        try KeyFile.ensureParentDirectory(of: path, mode: 0o700)
        #if canImport(Glibc)
            let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        #else
            let fd = Darwin.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        #endif
        guard fd >= 0 else {
            if errno == EEXIST { throw refuse() }
            throw LedgerError.io(path: path, reason: "cannot create the database file: \(String(cString: strerror(errno)))")
        }
        close(fd)
    }
}
