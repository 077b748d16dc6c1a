import Foundation

/// What every writer checks before appending: the one place for the writers' side of the chain rules.
extension LedgerStore {
    /// What every writer checks before appending (inside the transaction): the newest entry
    /// verifies; every entry since this installation's verified mark verifies; the signing key
    /// is the genesis key or announced by a `key.rotated` entry.
    func checkBeforeAppend(
        keyRing: KeyRing, signingKey: SigningKey, underWriteLock: Bool = true
    ) throws -> (seq: Int64, mac: String)? {
        let tail = try checkedTail(keyRing: keyRing)
        guard let tail else { return nil }  // a new ledger: its first key is the genesis key
        if let markPath = verifiedMarkPath {
            try verifySinceMark(markPath, keyRing: keyRing, head: tail, underWriteLock: underWriteLock)
        }
        let announced = try KeyAnnouncements.announced(in: self)
        guard announced.contains(signingKey.id) else {
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
            throw LedgerError.entryDoesNotVerify(seq: finding.seq, reason: "\(finding.kind.rawValue): \(finding.message)")
        }
    }

    /// The newest entry, after checking it is signed by a known key, its mac recomputes and it
    /// links to its predecessor. Throws `tailDoesNotVerify` otherwise.
    func checkedTail(keyRing: KeyRing) throws -> (seq: Int64, mac: String)? {
        let rows = try connection.rows("SELECT * FROM entries ORDER BY seq DESC LIMIT 2", context: "reading the ledger's tail")
        guard let last = rows.first else { return nil }
        guard let seq = last["seq"]?.integer, let mac = last["mac"]?.text, let keyID = last["key_id"]?.text else {
            throw LedgerError.tailDoesNotVerify(seq: last["seq"]?.integer ?? 0, reason: "its seq, mac or key_id is malformed")
        }
        guard last["ledger_id"]?.text == ledgerID else {
            throw LedgerError.tailDoesNotVerify(seq: seq, reason: "its ledger_id differs from the ledger's")
        }
        guard let key = keyRing.key(id: keyID) else {
            throw LedgerError.unknownSigningKey(keyID: keyID, keyFile: keyRing.path)
        }
        let payload = SignedPayload.bytes(of: last.map { (name: $0.key, value: $0.value) })
        guard try HMACSHA256(key: key.bytes).authenticateHex(payload) == mac else {
            throw LedgerError.tailDoesNotVerify(seq: seq, reason: "its mac does not recompute with key \(keyID)")
        }
        let expectedPrev: String
        if rows.count > 1 {
            guard seq > Int64.min, rows[1]["seq"]?.integer == seq - 1, let prevMac = rows[1]["mac"]?.text else {
                throw LedgerError.tailDoesNotVerify(seq: seq, reason: "the entry before it is missing")
            }
            expectedPrev = prevMac
        } else {
            guard seq == 1 else { throw LedgerError.tailDoesNotVerify(seq: seq, reason: "the entries before it are missing") }
            expectedPrev = LedgerStore.zeroMac
        }
        guard last["prev_mac"]?.text == expectedPrev else {
            throw LedgerError.tailDoesNotVerify(seq: seq, reason: "its prev_mac does not link to the entry before it")
        }
        return (seq, mac)
    }
}
