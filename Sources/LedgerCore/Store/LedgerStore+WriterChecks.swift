import Foundation

/// What every writer checks before appending: the one place for the writers' side of the chain rules.
extension LedgerStore {
    /// What every writer checks before appending (inside the transaction): the newest entry
    /// verifies; every entry since this installation's verified mark verifies; the signing key
    /// is the genesis key or announced by a `key.rotated` entry.
    func checkBeforeAppend(
        keyRing: KeyRing, signingKey: SigningKey, underWriteLock: Bool = true
    ) throws -> (seq: Int64, mac: String)? {
        guard let (tail, chain) = try checkedTail(keyRing: keyRing) else { return nil }  // a new ledger: its first key is the genesis key
        if let markPath = verifiedMarkPath {
            try verifySinceMark(markPath, keyRing: keyRing, head: tail, underWriteLock: underWriteLock)
        }
        // Which keys may sign after the tail: the chain checker's state once it has followed the
        // key lifecycle up to and including the tail.
        guard chain.isAnnounced(signingKey.id) else {
            throw LedgerError.unannouncedSigningKey(keyID: signingKey.id, keyFile: keyRing.path)
        }
        return tail
    }

    /// Verifies every entry after this installation's mark up to `head` with the chain checker.
    func verifySinceMark(
        _ markPath: String, keyRing: KeyRing, head: (seq: Int64, mac: String), underWriteLock: Bool
    ) throws {
        var start: Int64 = 1
        if let mark = VerifiedMark.load(path: markPath), mark.ledgerID == ledgerID {
            // Marks are written after their entry commits. Without the write lock, this read's
            // snapshot may predate a mark another writer just saved: the append, which holds the
            // lock and sees every commit, judges it.
            if !underWriteLock && mark.seq > head.seq { return }
            guard let row = try entry(seq: mark.seq) else {
                throw LedgerError.entryDoesNotVerify(
                    seq: mark.seq,
                    reason: "this installation verified the ledger up to seq \(mark.seq), which it no longer holds (head: seq \(head.seq)): it was cut short")
            }
            guard row.mac == mark.mac else {
                throw LedgerError.entryDoesNotVerify(
                    seq: mark.seq, reason: "its mac changed since this installation verified it: the ledger was rewritten")
            }
            guard mark.seq < head.seq else { return }
            start = mark.seq + 1
        }
        guard start <= head.seq else { return }
        var verifier = Verifier(keyRing: keyRing, findingLimit: 1)
        verifier.range = start...head.seq
        let report = try verifier.verifyInCurrentTransaction(self)
        if let finding = report.findings.first {
            throw LedgerError.entryDoesNotVerify(seq: finding.seq ?? start, reason: "\(finding.kind.rawValue): \(finding.message)")
        }
    }

    /// The newest entry, after checking it with the chain checker: it links to its predecessor, has
    /// the ledger's ledger_id, is signed by a key of the key file that was announced and not retired
    /// before it, and its mac recomputes. Throws `unknownSigningKey` or `tailDoesNotVerify` otherwise.
    /// Returns the checker too, which knows the keys that may sign after the tail.
    func checkedTail(keyRing: KeyRing) throws -> ((seq: Int64, mac: String), ChainChecker)? {
        let rows = try storage.tailRows()
        guard let last = rows.first else { return nil }
        guard last.seqIsInteger, let mac = last.macValue, last.keyIDValue != nil else {
            throw LedgerError.tailDoesNotVerify(seq: last.seq, reason: "its seq, mac or key_id is malformed")
        }
        let seq = last.seq
        var checker: ChainChecker
        if rows.count > 1 {
            let before = rows[1]
            checker = ChainChecker(
                keyRing: keyRing, start: .after(seq: before.seqIsInteger ? before.seq : Int64.min, mac: before.macValue, ledgerID: ledgerID))
            for row in try storage.keyEventRows(before: seq) { checker.followKeys(of: row) }
        } else {
            checker = ChainChecker(keyRing: keyRing, start: .genesis(ledgerID: ledgerID))
        }
        var violations: [ChainViolation] = []
        var macs = InlineMacCheck(keyRing: keyRing)
        try checker.check(last, mac: &macs) { violations.append($0) }
        // The first problem, in the order writers have always reported them.
        func first(_ matching: (ChainViolation) -> Bool) -> ChainViolation? { violations.first(where: matching) }
        if first({ if case .foreignLedgerID = $0 { true } else { false } }) != nil {
            throw LedgerError.tailDoesNotVerify(seq: seq, reason: "its ledger_id differs from the ledger's")
        }
        if case .unknownKeyID(let keyID)? = first({ if case .unknownKeyID = $0 { true } else { false } }) {
            throw LedgerError.unknownSigningKey(keyID: keyID, keyFile: keyRing.path)
        }
        if case .macMismatch(let keyID)? = first({ if case .macMismatch = $0 { true } else { false } }) {
            throw LedgerError.tailDoesNotVerify(seq: seq, reason: "its mac does not recompute with key \(keyID)")
        }
        if first({ if case .gap = $0 { true } else { false } }) != nil {
            throw LedgerError.tailDoesNotVerify(
                seq: seq, reason: rows.count > 1 ? "the entry before it is missing" : "the entries before it are missing")
        }
        if first({ if case .brokenLink = $0 { true } else { false } }) != nil {
            throw LedgerError.tailDoesNotVerify(seq: seq, reason: "its prev_mac does not link to the entry before it")
        }
        if case .retiredKey(let keyID, let retiredAt)? = first({ if case .retiredKey = $0 { true } else { false } }) {
            throw LedgerError.tailDoesNotVerify(seq: seq, reason: "it is signed with key \(keyID), which was retired at seq \(retiredAt)")
        }
        if case .unannouncedKey(let keyID)? = first({ if case .unannouncedKey = $0 { true } else { false } }) {
            throw LedgerError.tailDoesNotVerify(
                seq: seq,
                reason: "it is signed with key \(keyID), which is neither the genesis key nor announced by a key.rotated entry signed by its predecessor")
        }
        if let other = violations.first {
            throw LedgerError.tailDoesNotVerify(seq: seq, reason: Verifier.message(other, seq: seq, keyFile: keyRing.path))
        }
        return ((seq, mac), checker)
    }
}
