import Foundation
import LedgerCore

/// Why the approval rules refused a write or a switch: what is missing, in words. Nothing was
/// written and nothing was sent when this is thrown.
public struct ApprovalRefusal: Error, Sendable, Equatable, LocalizedError {
    /// What is missing, one sentence each.
    public var missing: [String]

    /// A refusal for `missing`.
    public init(_ missing: [String]) { self.missing = missing }
    /// A refusal for one reason.
    public init(_ reason: String) { self.missing = [reason] }

    public var errorDescription: String? { missing.joined(separator: "; ") }
}

/// The approval policy in force for a write: the policy and the seq of the `policy.set` that records it.
public struct PolicyInForce: Sendable, Equatable {
    /// The policy; nil when none is in force (no file given and none recorded: no approval needed).
    public var policy: ApprovalPolicy?
    /// The `policy.set` that records it (nil when none is in force).
    public var seq: Int64?

    /// The rules for `model` (``ApprovalPolicy/Rules/noPolicy`` when no policy is in force).
    public func rules(for model: String) -> ApprovalPolicy.Rules { policy?.rules(for: model) ?? .noPolicy }
}

/// The approval workflow's reads of the ledger (through the store's streaming reads) and the one
/// way its writes record the policy in force. Used by the services and by the switch gate, inside
/// the append's `prepare` (under the write lock) for decisions that must not race.
public enum ApprovalLedger {
    /// The newest `policy.set` entry, if any.
    public static func newestPolicySet(in store: LedgerStore) throws -> LedgerEntry? {
        var filter = EntryFilter()
        filter.kind = EntryKind.policySet
        filter.lastN = 1
        var newest: LedgerEntry?
        try store.forEachEntry(matching: filter) { newest = $0 }
        return newest
    }

    /// The policy in force for a write, and the `policy.set` draft to write first when the file's
    /// policy differs from the newest recorded one.
    ///
    /// - A policy file given (`file`): it is in force; recorded unless the newest `policy.set` has its sha256.
    /// - No file: the newest recorded policy is in force (a writer without the file cannot drop the
    ///   rules); none recorded: no policy (no approval needed, as before approvals existed).
    ///
    /// Inside an append's `prepare`, the seq of a new `policy.set` is the head's seq + 1 (it is
    /// written first).
    public static func policyInForce(file: LoadedPolicy?, store: LedgerStore) throws -> (PolicyInForce, EntryDraft?) {
        let newest = try newestPolicySet(in: store)
        if let file {
            if let newest, newest.detailsObject?["sha256"]?.stringValue == file.policy.sha256 {
                return (PolicyInForce(policy: file.policy, seq: newest.seq), nil)
            }
            var draft = EntryDraft(kind: EntryKind.policySet)
            draft.reason = "approval policy from \(file.source)"
            draft.details = [
                "policy": (try? JSONValue(parsing: file.policy.canonicalJSON)) ?? file.policy.jsonValue,
                "sha256": .string(file.policy.sha256),
                "source": .string(file.source),
            ]
            let next = (try store.head()?.seq ?? 0) + 1
            return (PolicyInForce(policy: file.policy, seq: next), draft)
        }
        guard let newest else { return (PolicyInForce(policy: nil, seq: nil), nil) }
        do {
            return (PolicyInForce(policy: try ApprovalPolicy(recorded: newest), seq: newest.seq), nil)
        } catch {
            throw ApprovalRefusal(
                "the policy recorded at seq \(newest.seq) cannot be read (\(error.description)); give the policy file with --policy")
        }
    }

    /// Appends the drafts `build` returns, inside one write transaction, after the `policy.set`
    /// the policy in force needs (``policyInForce(file:store:)``). `build` runs under the write lock
    /// and may refuse by throwing (nothing is written). Returns the entries written (a `policy.set`
    /// first when one was needed).
    public static func append(
        session: LedgerSession, policy file: LoadedPolicy?, provenance: Provenance,
        build: @escaping (PolicyInForce, LedgerStore) throws -> [EntryDraft]
    ) throws -> [LedgerEntry] {
        try session.store.append(contentsOf: [EntryDraft(kind: EntryKind.policySet)], keyRing: session.keyRing, provenance: provenance) {
            store, _ in
            let (inForce, policyDraft) = try policyInForce(file: file, store: store)
            return (policyDraft.map { [$0] } ?? []) + (try build(inForce, store))
        }
    }

    /// The entry at `seq` when it is a `switch.proposed`; refuses otherwise.
    public static func proposal(seq: Int64, in store: LedgerStore) throws -> LedgerEntry {
        guard let entry = try store.entry(seq: seq) else { throw ApprovalRefusal("there is no entry with seq \(seq)") }
        guard entry.kind == EntryKind.switchProposed else {
            throw ApprovalRefusal("seq \(seq) is a \(entry.kind.rawValue) entry, not a proposal (switch.proposed)")
        }
        return entry
    }

    /// Entries of `kind` about `model` whose `ref_seq` is `seq`, oldest first.
    public static func referring(to seq: Int64, kind: EntryKind, model: String?, in store: LedgerStore) throws -> [LedgerEntry] {
        var filter = EntryFilter()
        filter.kind = kind
        filter.model = model
        var found: [LedgerEntry] = []
        try store.forEachEntry(matching: filter) { if $0.refSeq == seq { found.append($0) } }
        return found
    }

    /// The seq of the `switch.requested` that used proposal `proposal` (`details.proposal_seq`), if any.
    public static func usedBy(_ proposal: LedgerEntry, in store: LedgerStore) throws -> Int64? {
        var filter = EntryFilter()
        filter.kind = EntryKind.switchRequested
        filter.model = proposal.model
        var used: Int64?
        try store.forEachEntry(matching: filter) { entry in
            if used == nil, entry.detailsObject?["proposal_seq"]?.integerValue == proposal.seq { used = entry.seq }
        }
        return used
    }

    /// ``ApprovalRules/evaluate(proposal:approvals:declines:usedBy:policy:now:)`` for `proposal` with what the ledger holds.
    public static func evaluate(_ proposal: LedgerEntry, rules: ApprovalPolicy.Rules, in store: LedgerStore, now: Date) throws -> ApprovalDecision {
        ApprovalRules.evaluate(
            proposal: proposal,
            approvals: try referring(to: proposal.seq, kind: EntryKind.switchApproved, model: proposal.model, in: store),
            declines: try referring(to: proposal.seq, kind: EntryKind.switchDeclined, model: proposal.model, in: store),
            usedBy: try usedBy(proposal, in: store), policy: rules, now: now)
    }

    /// Proposals for `model` → `retrainJobID` that are neither used nor declined, oldest first.
    public static func openProposals(model: String, retrainJobID: String, in store: LedgerStore) throws -> [LedgerEntry] {
        var filter = EntryFilter()
        filter.kind = EntryKind.switchProposed
        filter.model = model
        var candidates: [LedgerEntry] = []
        try store.forEachEntry(matching: filter) { if $0.retrainJobID == retrainJobID { candidates.append($0) } }
        return try candidates.filter { proposal in
            try usedBy(proposal, in: store) == nil
                && referring(to: proposal.seq, kind: EntryKind.switchDeclined, model: model, in: store).isEmpty
        }
    }

    /// Emergency `switch.requested` entries (`details.emergency` true) without a `switch.reviewed`, oldest first.
    public static func pendingReviews(in store: LedgerStore) throws -> [LedgerEntry] {
        var filter = EntryFilter()
        filter.kind = EntryKind.switchRequested
        var emergencies: [LedgerEntry] = []
        try store.forEachEntry(matching: filter) { if $0.detailsObject?["emergency"] == .bool(true) { emergencies.append($0) } }
        filter.kind = EntryKind.switchReviewed
        var reviewed = Set<Int64>()
        try store.forEachEntry(matching: filter) { if let ref = $0.refSeq { reviewed.insert(ref) } }
        return emergencies.filter { !reviewed.contains($0.seq) }
    }
}
