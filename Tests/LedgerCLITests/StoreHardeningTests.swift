import Foundation
import LedgerTestSupport
import Testing

@_spi(Testing) @testable import LedgerCore

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 9 (hardening), the storage and writer items: NUL bytes, read-only copies, file modes,
/// secret files, unannounced keys, what writers check, empty ranges, resolve while in flight.
@Suite("Store hardening")
struct StoreHardeningTests {
    /// Runs as another user only where we are root (CI is); elsewhere such a test cannot set itself up.
    static let canSwitchUsers = geteuid() == 0

    private func newestSeq(_ ledger: TestLedger) throws -> Int64 {
        try #require(try ledger.open().head()).seq
    }

    // MARK: NUL bytes

    @Test("a service answer with a NUL byte is stored whole, read back exactly and verifies (writers keep appending)")
    func nulInTextRoundTripsAndVerifies() throws {
        let ledger = try TestLedger()
        var draft = EntryDraft(kind: EntryKind.switchCompleted)
        draft.responseBody = "{\"message\":\"ok\u{0}mallory\"}"
        draft.errorMessage = "raw\u{0}byte"
        draft.reason = "\u{0}"
        let written = try ledger.open().append(draft, keyRing: ledger.keyRing, provenance: ledger.provenance)
        let read = try #require(try ledger.open().entry(seq: written.seq))
        #expect(read.responseBody == "{\"message\":\"ok\u{0}mallory\"}")
        #expect(read.errorMessage == "raw\u{0}byte")
        #expect(read.reason == "\u{0}")
        #expect(read.mac == written.mac)
        let verify = try Binaries.ledger(["verify"] + ledger.arguments)
        #expect(verify.exitCode == 0, "\(verify.allOutput)")
        // A later write is not refused as "tampered".
        let next = try Binaries.ledger(["checkpoint"] + ledger.arguments)
        #expect(next.exitCode == 0, "\(next.allOutput)")
    }

    @Test("text with NUL appended to the newest row (char(0) || 'mallory') is caught by writers and verify")
    func nulAppendedToTailIsRefused() throws {
        let ledger = try TestLedger()
        try ledger.appendSample(count: 5)
        let head = try newestSeq(ledger)
        try ledger.tamper("UPDATE entries SET reason = coalesce(reason, '') || char(0) || 'mallory' WHERE seq = \(head)")
        let write = try Binaries.ledger(["checkpoint"] + ledger.arguments)
        #expect(write.exitCode == 6, "\(write.allOutput)")
        let verify = try Binaries.ledger(["verify"] + ledger.arguments)
        #expect(verify.exitCode == 2)
        #expect(try newestSeq(ledger) == head, "nothing was appended")
    }

    @Test("extreme seqs in a tampered database (Int64.max, Int64.min) are findings, never a crash")
    func extremeSeqsAreFindings() throws {
        for seq in ["9223372036854775807", "-9223372036854775808"] {
            let ledger = try TestLedger()
            try ledger.appendSample(count: 4)
            try ledger.tamper("UPDATE entries SET seq = \(seq) WHERE seq = 3")
            let verify = try Binaries.ledger(["verify"] + ledger.arguments)
            #expect(verify.exitCode == 2, "seq \(seq): \(verify.allOutput)")
            let write = try Binaries.ledger(["checkpoint"] + ledger.arguments)
            #expect(write.exitCode == 6, "seq \(seq): \(write.allOutput)")
        }
    }

    // MARK: Files

    @Test("a new ledger's database is created with mode 0600")
    func databaseIsOwnerOnly() throws {
        let dir = TemporaryDirectory()
        let db = dir.file("new.sqlite")
        let result = try Binaries.ledger(["init", "--db", db, "--key-file", dir.file("new.key")])
        #expect(result.exitCode == 0, "\(result.allOutput)")
        for path in [db, db + "-wal"] where FileManager.default.fileExists(atPath: path) {
            // FileManager rather than stat(2): in this test target stat's type is owned by CDispatch.
            let mode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
            #expect(mode & 0o777 == 0o600, "\(path) has mode \(String(mode & 0o777, radix: 8))")
        }
    }

    @Test(
        "an auditor's read-only copy (read-only file in a read-only directory, another user) is read by verify, log, show and report",
        .enabled(if: canSwitchUsers || ProcessInfo.processInfo.environment["CI"] != nil))
    func readOnlyCopyIsReadable() throws {
        try #require(Self.canSwitchUsers, "this test runs the binary as user nobody and needs root (CI runs as root)")
        let ledger = try TestLedger()
        try ledger.appendSample(count: 20)
        // Merge the WAL so the copy is one file, as an auditor receives it.
        _ = try SystemTool.run("sqlite3", [ledger.dbPath, "PRAGMA wal_checkpoint(TRUNCATE);"])
        let outer = TemporaryDirectory()
        chmod(outer.path, 0o755)
        let copy = outer.file("ro")
        try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: false)
        let db = copy + "/ledger.sqlite", key = copy + "/ledger.key"
        try FileManager.default.copyItem(atPath: ledger.dbPath, toPath: db)
        try FileManager.default.copyItem(atPath: ledger.keyPath, toPath: key)
        chmod(db, 0o444)
        chown(key, 65534, 65534)
        chmod(key, 0o600)
        chmod(copy, 0o555)
        defer { chmod(copy, 0o755) }
        // A copy the other user can run whatever the permissions of the checkout it was built in.
        let ledgerBinary = outer.file("ledger")
        try FileManager.default.copyItem(atPath: Binaries.path("ledger"), toPath: ledgerBinary)
        chmod(ledgerBinary, 0o755)
        for command in [["verify"], ["log", "--limit", "3"], ["show", "2"], ["report", "--format", "json"]] {
            let result = try SystemTool.run(
                "runuser",
                ["-u", "nobody", "--", "env", "HOME=/nonexistent", "NO_COLOR=1", ledgerBinary]
                    + command + ["--db", db, "--key-file", key])
            #expect(result.exitCode == 0, "ledger \(command.joined(separator: " ")): \(result.allOutput)")
            #expect(!result.allOutput.contains("readonly database"))
        }
        #expect(!FileManager.default.fileExists(atPath: db + "-shm"))
    }

    @Test(
        "a read-only copy with an unmerged -wal beside it is refused with the reason (exit 74), never read as an older state",
        .enabled(if: canSwitchUsers || ProcessInfo.processInfo.environment["CI"] != nil))
    func readOnlyCopyWithUnmergedWalSaysSo() throws {
        try #require(Self.canSwitchUsers, "this test runs the binary as user nobody and needs root (CI runs as root)")
        let ledger = try TestLedger()
        // An open connection keeps the -wal file when `ledger` (not the last connection) closes.
        let holder = try SQLiteConnection(path: ledger.dbPath, mode: .readOnly)
        _ = try holder.scalar("SELECT count(*) FROM entries")
        #expect(try Binaries.ledger(["checkpoint"] + ledger.arguments).exitCode == 0)
        let walSize = try FileManager.default.attributesOfItem(atPath: ledger.dbPath + "-wal")[.size] as? Int ?? 0
        try #require(walSize > 0, "the -wal file holds the checkpoint entry")
        let outer = TemporaryDirectory()
        chmod(outer.path, 0o755)
        let copy = outer.file("ro")
        try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: false)
        let db = copy + "/ledger.sqlite", key = copy + "/ledger.key"
        try FileManager.default.copyItem(atPath: ledger.dbPath, toPath: db)
        try FileManager.default.copyItem(atPath: ledger.dbPath + "-wal", toPath: db + "-wal")
        try FileManager.default.copyItem(atPath: ledger.keyPath, toPath: key)
        chmod(db, 0o444)
        chmod(db + "-wal", 0o444)
        chown(key, 65534, 65534)
        chmod(copy, 0o555)
        defer { chmod(copy, 0o755) }
        let ledgerBinary = outer.file("ledger")
        try FileManager.default.copyItem(atPath: Binaries.path("ledger"), toPath: ledgerBinary)
        chmod(ledgerBinary, 0o755)
        let result = try SystemTool.run(
            "runuser", ["-u", "nobody", "--", "env", "HOME=/nonexistent", "NO_COLOR=1", ledgerBinary, "verify", "--db", db, "--key-file", key])
        #expect(result.exitCode == 74, "\(result.allOutput)")
        #expect(result.stderr.contains("holds entries not yet merged"))
        #expect(!result.stdout.contains("INTACT"))
    }

    @Test("a key file in a directory others may write is refused (exit 78); in a sticky directory it is accepted")
    func keyFileInSharedDirectoryIsRefused() throws {
        let ledger = try TestLedger()
        for (mode, expected) in [(mode_t(0o777), Int32(78)), (mode_t(0o1777), Int32(0))] {
            let shared = TemporaryDirectory()
            let key = shared.file("ledger.key")
            try FileManager.default.copyItem(atPath: ledger.keyPath, toPath: key)
            chmod(shared.path, mode)
            let result = try Binaries.ledger(["verify", "--db", ledger.dbPath, "--key-file", key])
            #expect(result.exitCode == expected, "mode \(String(mode, radix: 8)): \(result.allOutput)")
            if expected == 78 { #expect(result.stderr.contains("may be written by group or others")) }
        }
    }

    @Test(
        "a key file owned by another user is refused (exit 78)",
        .enabled(if: canSwitchUsers || ProcessInfo.processInfo.environment["CI"] != nil))
    func keyFileOwnedByAnotherUserIsRefused() throws {
        try #require(Self.canSwitchUsers, "chown to another user needs root (CI runs as root)")
        let ledger = try TestLedger()
        chown(ledger.keyPath, 65534, 65534)
        let result = try Binaries.ledger(["verify"] + ledger.arguments)
        #expect(result.exitCode == 78, "\(result.allOutput)")
        #expect(result.stderr.contains("owned by uid 65534"))
    }

    @Test("a key file reached through a symlink in a directory others may write is refused (exit 78), also in sticky /tmp")
    func keyFileThroughSharedSymlinkIsRefused() throws {
        let ledger = try TestLedger()
        let shared = TemporaryDirectory()
        chmod(shared.path, 0o777)
        let link = shared.file("ledger.key")
        #expect(symlink(ledger.keyPath, link) == 0)
        let result = try Binaries.ledger(["verify", "--db", ledger.dbPath, "--key-file", link])
        #expect(result.exitCode == 78, "\(result.allOutput)")
        #expect(result.stderr.contains("symbolic link"))

        let tmpLink = "/tmp/model-ledger-test-link-\(UUID().uuidString)"
        #expect(symlink(ledger.keyPath, tmpLink) == 0)
        defer { unlink(tmpLink) }
        let sticky = try Binaries.ledger(["verify", "--db", ledger.dbPath, "--key-file", tmpLink])
        #expect(sticky.exitCode == 78, "\(sticky.allOutput)")

        // The same file through a symlink in a private directory is fine.
        let privateLink = ledger.directory.file("alias.key")
        #expect(symlink(ledger.keyPath, privateLink) == 0)
        #expect(try Binaries.ledger(["verify", "--db", ledger.dbPath, "--key-file", privateLink]).exitCode == 0)
    }

    @Test("an API key file reached through a symlink in a shared directory is refused (exit 78) before anything is sent")
    func apiKeyFileThroughSharedSymlinkIsRefused() throws {
        let bench = try SwitchBench()
        let keyFile = bench.ledger.directory.file("churn.apikey")
        FileManager.default.createFile(atPath: keyFile, contents: Data(SwitchFixture.churnKey.utf8), attributes: [.posixPermissions: 0o600])
        let shared = TemporaryDirectory()
        chmod(shared.path, 0o777)
        let link = shared.file("churn.apikey")
        #expect(symlink(keyFile, link) == 0)
        let result = try bench.switchModel("job-ok", apiKey: nil, extra: ["--api-key-file", link])
        #expect(result.exitCode == 78, "\(result.allOutput)")
        #expect(result.stderr.contains("symbolic link"))
        #expect(try bench.simulator.requests().isEmpty)
        // The real file itself is accepted.
        #expect(try bench.switchModel("job-ok", apiKey: nil, extra: ["--api-key-file", keyFile]).exitCode == 0)
    }

    // MARK: Keys

    @Test("a line appended to the key file is never used to sign: writers refuse (exit 78), nothing is written")
    func unannouncedKeyRefusedByWriters() throws {
        let ledger = try TestLedger()
        try ledger.appendSample(count: 3)
        let head = try newestSeq(ledger)
        let extra = try SigningKey.generate()
        let handle = try #require(FileHandle(forWritingAtPath: ledger.keyPath))
        handle.seekToEndOfFile()
        handle.write(Data((Hex.encode(extra.bytes) + "\n").utf8))
        try handle.close()
        let write = try Binaries.ledger(["checkpoint"] + ledger.arguments)
        #expect(write.exitCode == 78, "\(write.allOutput)")
        #expect(write.stderr.contains("never announced"))
        #expect(try newestSeq(ledger) == head)
        // The original rows still verify with the edited file.
        #expect(try Binaries.ledger(["verify"] + ledger.arguments).exitCode == 0)
    }

    @Test("rows signed by a key no key.rotated entry announced are reported as unannounced_key by verify")
    func unannouncedKeyFoundByVerify() throws {
        let ledger = try TestLedger()
        try ledger.appendSample(count: 3)
        // What the old writers did: sign with a key that was merely appended to the key file.
        let extra = try SigningKey.generate()
        let ring = try KeyRing(keys: ledger.keyRing.keys + [extra], path: ledger.keyPath)
        let store = try ledger.open()
        let head = try #require(try store.head())
        var entry = LedgerEntry(
            draft: EntryDraft(kind: EntryKind.checkpoint), seq: head.seq + 1, ledgerID: store.ledgerID,
            recordedAt: Timestamp.now(), provenance: ledger.provenance, keyID: extra.id, prevMac: head.mac)
        entry.mac = try HMACSHA256(key: extra.bytes).authenticateHex(SignedPayload.bytes(of: entry.columnValues))
        let names = LedgerEntry.columns.joined(separator: ", ")
        let params = (1...LedgerEntry.columns.count).map { "?\($0)" }.joined(separator: ", ")
        try #require(store.connection).prepare("INSERT INTO entries (\(names)) VALUES (\(params))").run(entry.columnValues.map(\.value))
        let keyFile = ledger.directory.file("with-extra.key")
        let fd = open(keyFile, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        close(fd)
        try Data(ring.keys.map { Hex.encode($0.bytes) + "\n" }.joined().utf8).write(to: URL(fileURLWithPath: keyFile))
        let verify = try Binaries.ledger(["verify", "--format", "json", "--db", ledger.dbPath, "--key-file", keyFile])
        #expect(verify.exitCode == 2, "\(verify.allOutput)")
        let json = try JSONValue(parsing: verify.stdout)
        let kinds = json["findings"]?.arrayValue?.compactMap { $0["kind"]?.stringValue } ?? []
        #expect(kinds == ["unannounced_key"])
    }

    @Test("a rotation announces the new key: after `keys rotate` writers sign with it and verify stays intact")
    func rotatedKeyIsAnnounced() throws {
        let ledger = try TestLedger()
        let args = ledger.arguments
        #expect(try Binaries.ledger(["keys", "rotate"] + args).exitCode == 0)
        #expect(try Binaries.ledger(["checkpoint"] + args).exitCode == 0)
        let verify = try Binaries.ledger(["verify"] + args)
        #expect(verify.exitCode == 0, "\(verify.allOutput)")
    }

    @Test("`keys rotate` refuses a key file whose last key was never announced (exit 78); after removing it, rotation works")
    func rotateRefusesUnannouncedLastKey() throws {
        let ledger = try TestLedger()
        let args = ledger.arguments
        let original = try #require(FileManager.default.contents(atPath: ledger.keyPath))
        let extra = try SigningKey.generate()
        var edited = original
        edited.append(Data((Hex.encode(extra.bytes) + "\n").utf8))
        try edited.write(to: URL(fileURLWithPath: ledger.keyPath))
        let head = try newestSeq(ledger)
        let refused = try Binaries.ledger(["keys", "rotate"] + args)
        #expect(refused.exitCode == 78, "\(refused.allOutput)")
        #expect(try newestSeq(ledger) == head)
        #expect(FileManager.default.contents(atPath: ledger.keyPath) == edited, "the key file is left as it was")
        try original.write(to: URL(fileURLWithPath: ledger.keyPath))
        #expect(try Binaries.ledger(["keys", "rotate"] + args).exitCode == 0)
        #expect(try Binaries.ledger(["verify"] + args).exitCode == 0)
    }

    // MARK: What writers check

    @Test("an edit in the middle (seq 3 of 10) stops writers of an installation that has not verified it yet (exit 6)")
    func middleEditStopsWriters() throws {
        let ledger = try TestLedger()
        try ledger.appendSample(count: 9)
        try ledger.tamper("UPDATE entries SET reason = 'edited' WHERE seq = 3")
        let write = try Binaries.ledger(["checkpoint"] + ledger.arguments)
        #expect(write.exitCode == 6, "\(write.allOutput)")
        #expect(write.stderr.contains("seq 3"))
        #expect(try newestSeq(ledger) == 10)
    }

    @Test("entries written since this installation's last check are all verified before the next append")
    func entriesSinceTheMarkAreVerified() throws {
        let ledger = try TestLedger()
        let args = ledger.arguments
        #expect(try Binaries.ledger(["checkpoint"] + args).exitCode == 0)  // mark: seq 2
        try ledger.appendSample(count: 8)  // seq 3…10, written elsewhere
        try ledger.tamper("UPDATE entries SET actor = 'mallory' WHERE seq = 6")
        let write = try Binaries.ledger(["checkpoint"] + args)
        #expect(write.exitCode == 6, "\(write.allOutput)")
        #expect(write.stderr.contains("seq 6"))
    }

    @Test("a ledger rewritten below this installation's mark is refused even when re-chained with the key")
    func rewrittenBelowMarkIsRefused() throws {
        let ledger = try TestLedger()
        let args = ledger.arguments
        try ledger.appendSample(count: 4)
        #expect(try Binaries.ledger(["checkpoint"] + args).exitCode == 0)  // mark at seq 6
        // Cut to seq 3 and re-chain new rows with the key: a valid chain, but not the one verified.
        try ledger.tamper("DELETE FROM entries WHERE seq > 3")
        try ledger.appendSample(count: 3)
        try FileManager.default.removeItem(atPath: ledger.directory.file("checkpoints"))
        let write = try Binaries.ledger(["checkpoint"] + args)
        #expect(write.exitCode == 6, "\(write.allOutput)")
    }

    @Test("verify --from beyond the head checks nothing and says so (exit 64), never INTACT")
    func verifyFromBeyondHead() throws {
        let ledger = try TestLedger()
        let result = try Binaries.ledger(["verify", "--from", "500"] + ledger.arguments)
        #expect(result.exitCode == 64, "\(result.allOutput)")
        #expect(!result.stdout.contains("INTACT"))
        #expect(result.stderr.contains("nothing to verify"))
    }

    // MARK: resolve

    @Test("resolve of a switch whose writer on another host may still run waits for the recorded deadline")
    func resolveWaitsForDeadlineElsewhere() throws {
        let ledger = try TestLedger()
        let store = try ledger.open()
        var request = EntryDraft(kind: EntryKind.switchRequested)
        request.model = "churn"
        request.retrainJobID = "job-1"
        let deadline = Date().addingTimeInterval(120)
        request.details = ["deadline_at": .string(Timestamp.format(epochMilliseconds: Int64(deadline.timeIntervalSince1970 * 1000)))]
        let elsewhere = Provenance(actor: "ci", osUser: "ci", host: "another-host")
        let requested = try store.append(request, keyRing: ledger.keyRing, provenance: elsewhere)
        #expect(throws: ResolutionError.self) {
            _ = try SwitchResolution.resolve(
                store: store, keyRing: ledger.keyRing, provenance: ledger.provenance, requestSeq: requested.seq,
                outcome: .failed, reason: "too early")
        }
        let resolved = try SwitchResolution.resolve(
            store: store, keyRing: ledger.keyRing, provenance: ledger.provenance, requestSeq: requested.seq,
            outcome: .failed, reason: "after the deadline", now: deadline.addingTimeInterval(1))
        #expect(resolved.resolution.refSeq == requested.seq && resolved.resolution.model == "churn")
        // Resolved once: a second resolution is refused under the write lock.
        #expect(throws: ResolutionError.self) {
            _ = try SwitchResolution.resolve(
                store: store, keyRing: ledger.keyRing, provenance: ledger.provenance, requestSeq: requested.seq,
                outcome: .succeeded, reason: "again", now: deadline.addingTimeInterval(2))
        }
    }

    @Test("a request that recorded no deadline (older ledgers) from another host may be resolved 90 s after it was recorded")
    func resolveOfOldRequestUsesDefaultDeadline() throws {
        let ledger = try TestLedger()
        let store = try ledger.open()
        var request = EntryDraft(kind: EntryKind.switchRequested)
        request.model = "churn"
        let requested = try store.append(request, keyRing: ledger.keyRing, provenance: Provenance(actor: "ci", osUser: "ci", host: "elsewhere"))
        let recorded = Double(try #require(Timestamp.parse(requested.recordedAt))) / 1000
        #expect(throws: ResolutionError.self) {
            _ = try SwitchResolution.resolve(
                store: store, keyRing: ledger.keyRing, provenance: ledger.provenance, requestSeq: requested.seq, outcome: .failed,
                reason: "at 89 s", now: Date(timeIntervalSince1970: recorded + 89))
        }
        let resolved = try SwitchResolution.resolve(
            store: store, keyRing: ledger.keyRing, provenance: ledger.provenance, requestSeq: requested.seq, outcome: .failed,
            reason: "at 91 s", now: Date(timeIntervalSince1970: recorded + 91))
        #expect(resolved.resolution.refSeq == requested.seq)
    }

    @Test("resolve while the switch is still in flight on this host is refused (exit 75); the switch then completes alone")
    func resolveRefusedWhileInFlight() throws {
        let bench = try SwitchBench()
        // The request is on disk; the simulator holds the PUT for 4 s, so the writer is still running.
        let (process, request) = try bench.startSwitch("job-delay", reason: "CHG-inflight")
        let requested = try #require(request)
        let early = try bench.run(["resolve", String(requested.seq), "--outcome", "failed", "--reason", "too early"])
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(early.exitCode == 75, "\(early.allOutput)")
        #expect(early.stderr.contains("may still be in flight"))
        let completions = try bench.entries().filter { $0.refSeq == requested.seq }
        #expect(completions.map(\.kind) == [EntryKind.switchCompleted])
        #expect(completions.first?.outcome == .succeeded)
    }

    @Test("two completions that disagree are shown as a conflict in verify, report and as-of, not silently merged")
    func conflictingCompletionsAreShown() throws {
        let ledger = try TestLedger()
        let store = try ledger.open()
        var request = EntryDraft(kind: EntryKind.switchRequested)
        request.model = "churn"
        request.retrainJobID = "job-1"
        let requested = try store.append(request, keyRing: ledger.keyRing, provenance: ledger.provenance)
        var resolved = EntryDraft(kind: EntryKind.switchResolved)
        resolved.refSeq = requested.seq
        resolved.model = "churn"
        resolved.retrainJobID = "job-1"
        resolved.outcome = .failed
        _ = try store.append(resolved, keyRing: ledger.keyRing, provenance: ledger.provenance)
        var completed = resolved
        completed.kind = EntryKind.switchCompleted
        completed.outcome = .succeeded
        _ = try store.append(completed, keyRing: ledger.keyRing, provenance: ledger.provenance)
        let args = ledger.arguments

        let verify = try Binaries.ledger(["verify", "--format", "json"] + args)
        #expect(verify.exitCode == 0)
        let warnings = try JSONValue(parsing: verify.stdout)["warnings"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(warnings.contains { $0.contains("switch seq \(requested.seq) has conflicting completions") })

        let report = try JSONValue(parsing: try Binaries.ledger(["report", "--format", "json"] + args).stdout)
        let conflicts = report["conflicts"]?.arrayValue ?? []
        #expect(conflicts.count == 1)
        #expect(conflicts.first?["conflicting_completions"]?.arrayValue?.count == 2)

        let asOf = try Binaries.ledger(["report", "--as-of", Timestamp.now(), "--format", "json"] + args)
        #expect(asOf.stdout.contains("conflicting_completions"), "\(asOf.allOutput)")
        #expect(asOf.stdout.contains("\"outcome\": \"failed\"") || asOf.stdout.contains("\"outcome\":\"failed\""))
        let asOfConflicts = try JSONValue(parsing: asOf.stdout)["models"]?.arrayValue?.first?["conflicts"]?.arrayValue ?? []
        #expect(asOfConflicts.count == 1)

        // The human formats say so too, wherever the switch is listed.
        let table = try Binaries.ledger(["report"] + args)
        #expect(table.stdout.contains("Conflicting completions") && table.stdout.contains("CONFLICTING COMPLETIONS"), "\(table.stdout)")
        let history = try Binaries.ledger(["history", "--model", "churn", "--format", "markdown"] + args)
        #expect(history.stdout.contains("CONFLICTING COMPLETIONS"))
        let asOfTable = try Binaries.ledger(["report", "--as-of", Timestamp.now()] + args)
        #expect(asOfTable.stdout.contains("Conflicting completions") && asOfTable.stdout.contains("CONFLICTING COMPLETIONS"), "\(asOfTable.stdout)")
        let asOfMarkdown = try Binaries.ledger(["report", "--as-of", Timestamp.now(), "--format", "markdown"] + args)
        #expect(asOfMarkdown.stdout.contains("1 switch(es) with conflicting completions: uncertain"))
        let csv = try Binaries.ledger(["report", "--format", "csv"] + args)
        #expect(csv.stdout.split(separator: "\n").contains { $0.hasPrefix("conflict,") })
    }
}

extension JSONValue {
    fileprivate var arrayValue: [JSONValue]? { if case let .array(a) = self { a } else { nil } }
}
