import Foundation
import LedgerCore

/// What an operator found out about an unresolved switch: the plain input of ``ResolveService``.
public struct ResolveRequest: Sendable {
    /// The seq of the unresolved `switch.requested`.
    public var requestSeq: Int64
    /// What happened.
    public var outcome: Outcome
    /// How the operator found out (e.g. an incident reference).
    public var reason: String
    /// Who records it.
    public var provenance: Provenance

    /// Creates a request.
    public init(requestSeq: Int64, outcome: Outcome, reason: String, provenance: Provenance) {
        self.requestSeq = requestSeq
        self.outcome = outcome
        self.reason = reason
        self.provenance = provenance
    }
}

/// What ``ResolveService`` recorded.
public struct ResolveResult: Sendable {
    /// The `switch.requested` entry that was resolved.
    public var request: LedgerEntry
    /// The new `switch.resolved` entry.
    public var resolution: LedgerEntry
    /// The outcome recorded.
    public var outcome: Outcome
    /// The ledger written to.
    public var ledgerID: String
}

/// Records the outcome of an unresolved switch (`switch.resolved`), by the rule of
/// ``SwitchResolution``: only a `switch.requested` without completion whose writer can no longer
/// be running (its ``InFlightLock`` is gone on this host, or its recorded deadline has passed),
/// checked under the write lock.
///
/// Throws ``ResolutionError`` when the rule refuses (``ResolutionError/isTemporary`` when the
/// switch may still be in flight), ``LedgerError`` otherwise. Never prints.
public struct ResolveService {
    /// The ledger, opened for writing (``LedgerSession/openForWriting(_:)``).
    public let session: LedgerSession

    /// A service writing to `session`.
    public init(session: LedgerSession) { self.session = session }

    /// Appends `switch.resolved` for `request`.
    public func run(_ request: ResolveRequest, now: Date = Date()) throws -> ResolveResult {
        let database = LedgerDatabase(session.location.databasePath)
        let locks = InFlightLock.directory(database: database, keyFilePath: session.location.keyFilePath, ledgerID: session.store.ledgerID)
        let (entry, resolution) = try SwitchResolution.resolve(
            store: session.store, keyRing: session.keyRing, provenance: request.provenance, requestSeq: request.requestSeq,
            outcome: request.outcome, reason: request.reason, now: now, lockDirectory: (locks, !database.isPostgreSQL))
        return ResolveResult(request: entry, resolution: resolution, outcome: request.outcome, ledgerID: session.store.ledgerID)
    }
}
