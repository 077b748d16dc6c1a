import Foundation
import LedgerCore

/// Copies a ledger into an empty database (`ledger copy --db SRC --to DEST`): SQLite to
/// PostgreSQL, PostgreSQL to SQLite, or the same backend. Every row is copied as it is stored
/// (same columns, same macs), so the copy keeps every mac and the head mac; the destination is
/// then checked against the source through the one chain checker (see
/// `LedgerStore.copy(from:to:progress:progressInterval:)`). No key is needed: nothing is signed.
///
/// Throws `LedgerCopyError` or `LedgerError`; never prints.
public enum CopyService {
    /// Copies the ledger at `source` (a path or a PostgreSQL URL, as `--db` takes) into `destination`.
    /// `progress` is called every `progressInterval` rows with the number copied so far.
    public static func run(
        source: String, destination: String, progress: ((Int64) -> Void)? = nil, progressInterval: Int64 = 100_000
    ) throws -> LedgerCopyResult {
        try LedgerStore.copy(
            from: LedgerDatabase(source), to: LedgerDatabase(destination), progress: progress, progressInterval: progressInterval)
    }
}
