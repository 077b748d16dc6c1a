import Foundation

/// The rules for recording the outcome of an unresolved switch (`ledger resolve`).
///
/// A `switch.requested` entry is written before the call is sent; its completion is written
/// when the call ends. An operator may record an outcome only for a request whose writer can no
/// longer be running:
/// - on the writer's own host (the request's `host` column), when the writer no longer holds its
///   `InFlightLock` (`details.writer_pid`): the kernel drops it when the process ends, `kill -9`
///   included, so a killed switch can be resolved at once and a running one never;
/// - otherwise after the request's deadline, which the writer records in it
///   (`details.deadline_at`: the call's whole deadline plus `recordingGrace` to write the
///   completion); requests written before deadlines were recorded get `recorded_at` plus the
///   default call deadline plus the grace. The check that the request is still unresolved runs
/// inside the append's transaction, under the write lock, so two resolutions, or a resolution
/// and a late completion written at the same moment, cannot both pass it.
public enum SwitchResolution {
    /// Time allowed after the call's deadline for the writer to record the completion.
    public static let recordingGrace: Double = 30
    /// The call deadline assumed for requests that do not record theirs (the client's default).
    public static let defaultCallDeadline: Double = 60

    /// `deadline_at` for a request whose call may take `callTimeout` seconds, sent now.
    public static func deadline(callTimeout: Double, now: Date = Date()) -> String {
        let seconds = min(max(callTimeout, 0), 86_400) + recordingGrace
        let ms = Int64((now.timeIntervalSince1970 + seconds) * 1000)
        return Timestamp.format(epochMilliseconds: ms)
    }

    /// Until when the writer of `request` may still record its completion (epoch ms).
    public static func deadline(of request: LedgerEntry) -> Int64? {
        if let text = request.detailsObject?["deadline_at"]?.stringValue, let ms = Timestamp.parse(text) { return ms }
        guard let requested = Timestamp.parse(request.recordedAt) else { return nil }
        return requested + Int64((defaultCallDeadline + recordingGrace) * 1000)
    }

    /// Appends `switch.resolved` for request `seq` with `outcome`, after checking (under the
    /// write lock) that it is a `switch.requested`, still unresolved, and past its deadline.
    public static func resolve(
        store: LedgerStore, keyRing: KeyRing, provenance: Provenance, requestSeq seq: Int64, outcome: Outcome,
        reason: String, now: Date = Date(), lockDirectory: (path: String, shared: Bool)? = nil
    ) throws -> (request: LedgerEntry, resolution: LedgerEntry) {
        // Where writers on this host hold their leases (`InFlightLock.directory(database:keyFilePath:ledgerID:)`).
        let locks = lockDirectory ?? (InFlightLock.directory(forDatabase: store.path), true)
        var found: LedgerEntry?
        var draft = EntryDraft(kind: EntryKind.switchResolved)
        draft.refSeq = seq
        draft.outcome = outcome
        draft.reason = reason
        let entry = try store.append(contentsOf: [draft], keyRing: keyRing, provenance: provenance) { store, drafts in
            guard let request = try store.entry(seq: seq), request.kind == EntryKind.switchRequested else {
                throw ResolutionError.notASwitchRequest(seq: seq)
            }
            if let completion = try store.completions(of: seq).first {
                throw ResolutionError.alreadyResolved(seq: seq, by: completion.seq, kind: completion.kind)
            }
            let writer = request.detailsObject?["writer_pid"]?.integerValue.flatMap { pid in
                request.host == Provenance.currentHost() ? (pid, InFlightLock.writerState(directory: locks.path, pid: pid, shared: locks.shared)) : nil
            }
            if let (pid, state) = writer, state != .unknown {
                if state == .running {
                    throw ResolutionError.mayStillBeInFlight(seq: seq, until: "process \(pid) on this host ends")
                }
            } else if let deadline = deadline(of: request), Int64(now.timeIntervalSince1970 * 1000) < deadline {
                throw ResolutionError.mayStillBeInFlight(seq: seq, until: Timestamp.format(epochMilliseconds: deadline))
            }
            found = request
            return drafts.map {
                var d = $0
                d.model = request.model
                d.retrainJobID = request.retrainJobID
                d.apiKeyID = request.apiKeyID
                return d
            }
        }[0]
        guard let request = found else { throw ResolutionError.notASwitchRequest(seq: seq) }
        return (request, entry)
    }
}

/// Why `ledger resolve` refused.
public struct ResolutionError: Error, LocalizedError, Equatable {
    private enum Code: Equatable {
        case notASwitchRequest(Int64)
        case alreadyResolved(Int64, by: Int64, kind: EntryKind)
        case mayStillBeInFlight(Int64, until: String)
    }

    private let code: Code

    /// seq is not a `switch.requested` entry.
    public static func notASwitchRequest(seq: Int64) -> ResolutionError { .init(code: .notASwitchRequest(seq)) }
    /// The request already has a completion or a resolution.
    public static func alreadyResolved(seq: Int64, by: Int64, kind: EntryKind) -> ResolutionError {
        .init(code: .alreadyResolved(seq, by: by, kind: kind))
    }
    /// The request's writer may still be calling the service or recording its completion.
    public static func mayStillBeInFlight(seq: Int64, until: String) -> ResolutionError {
        .init(code: .mayStillBeInFlight(seq, until: until))
    }

    /// True when the caller should try again later (the request may still be in flight).
    public var isTemporary: Bool {
        if case .mayStillBeInFlight = code { return true }
        return false
    }

    public var errorDescription: String? {
        switch code {
        case let .notASwitchRequest(seq):
            return "seq \(seq) is not a switch.requested entry; `ledger log --kind switch.requested` lists them."
        case let .alreadyResolved(seq, by, kind):
            return "switch seq \(seq) is not unresolved: \(kind) seq \(by) already records its outcome."
        case let .mayStillBeInFlight(seq, until):
            return
                "switch seq \(seq) may still be in flight: its writer may call the service and record the outcome until \(until). Resolve it after that time (a process that was killed cannot record anything; one that is still running will)."
        }
    }
}
