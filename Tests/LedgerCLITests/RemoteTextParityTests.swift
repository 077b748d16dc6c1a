import Foundation
import LedgerTestSupport
import Testing

@testable import LedgerCLI

#if canImport(Glibc)  // the stub server (RemoteStubSupportTests.swift) uses Linux sockets

    /// Remote mode prints the same text as local mode: the service's document (here: what local
    /// `--format json` printed, answered by a loopback stub) goes through the renderer local mode uses.
    @Suite("Remote text parity")
    struct RemoteTextParityTests {
        /// A ledger with a few entries, and the token file of a remote client.
        struct Setup {
            let ledger: TestLedger
            let dir = TemporaryDirectory()
            let token: (path: String, token: String)

            init() throws {
                ledger = try TestLedger()
                try ledger.appendSample(count: 6)
                token = try writeTokenFile(in: dir)
            }

            func remote(_ stub: RemoteStubServer) -> [String] { ["--server", stub.url, "--token-file", token.path] }
        }

        @Test func remoteLogTableAndCSVEqualLocalLogFromTheSameDocument() throws {
            let setup = try Setup()
            let json = try Binaries.ledger(["log", "--limit", "0", "--format", "json"] + setup.ledger.arguments)
            #expect(json.exitCode == 0, "\(json.allOutput)")
            let stub = try RemoteStubServer { _ in .document(json.stdout) }
            defer { stub.stop() }
            for format in ["table", "csv", "json"] {
                let local = try Binaries.ledger(["log", "--limit", "0", "--format", format] + setup.ledger.arguments)
                let remote = try Binaries.ledger(["log", "--limit", "0", "--format", format] + setup.remote(stub))
                #expect(local.exitCode == 0 && remote.exitCode == 0, "\(remote.allOutput)")
                #expect(remote.stdout == local.stdout, "\(format): \(remote.stdout)")
            }
            #expect(stub.requests.allSatisfy { $0.path == "/v1/log" })
        }

        @Test func remoteResolveUploadStatusAndCheckpointPrintLocalTextNotJSON() throws {
            let setup = try Setup()
            let resolve = """
                {"request_seq":41,"resolution_seq":57,"outcome":"succeeded","model":"churn","retrain_job_id":"churn-2026-11-a"}
                """
            let upload = """
                {"seq":9,"outcome":"succeeded","model":"churn","retrain_job_id":"churn-2026-12-b",\
                "details":{"file_name":"data.csv","file_size":1234,"file_sha256":"ab12"}}
                """
            let status = """
                {"seq":10,"retrain_job_id":"churn-2026-12-b","model":"churn","status":"running","model_id":7,"checks":1,"elapsed_s":0}
                """
            let checkpoint = #"{"seq":11,"mac":"ff00","path":null,"statement":"{\"statement\":1}\n"}"#
            let stub = try RemoteStubServer { request in
                switch request.path {
                case "/v1/resolutions": .document(resolve)
                case "/v1/uploads": .document(upload)
                case "/v1/checkpoints": .document(checkpoint)
                default: .document(status)
                }
            }
            defer { stub.stop() }
            let data = setup.dir.file("data.csv")
            try Data("a,b\n1,2\n".utf8).write(to: URL(fileURLWithPath: data))

            let resolved = try Binaries.ledger(["resolve", "41", "--outcome", "succeeded", "--reason", "INC-7"] + setup.remote(stub))
            #expect(resolved.exitCode == 0, "\(resolved.allOutput)")
            #expect(resolved.stdout == "resolved switch seq 41 (churn → churn-2026-11-a) as succeeded; ledger seq 57\n")

            let uploaded = try Binaries.ledger(["retrain", "upload", data, "--model", "churn", "--reason", "CHG-1"] + setup.remote(stub))
            #expect(uploaded.exitCode == 0, "\(uploaded.allOutput)")
            #expect(uploaded.stdout.hasPrefix("uploaded data.csv (1,234 bytes, sha256 ab12) for churn: retrain job churn-2026-12-b; ledger seq 9\n"))

            let checked = try Binaries.ledger(["retrain", "status", "churn-2026-12-b", "--model", "churn"] + setup.remote(stub))
            #expect(checked.exitCode == 0, "\(checked.allOutput)")
            #expect(checked.stdout == "churn-2026-12-b: running, model_id 7 after 1 check(s), 0 s; ledger seq 10\n")

            let created = try Binaries.ledger(["checkpoint"] + setup.remote(stub))
            #expect(created.exitCode == 0, "\(created.allOutput)")
            #expect(created.stdout == "{\"statement\":1}\n", "the statement itself, as local mode prints it without --out")
        }

        @Test func remoteExportPrintsLocalExportsSummaryFromTheBundleHeader() throws {
            let setup = try Setup()
            let localPath = setup.dir.file("local.jsonl"), remotePath = setup.dir.file("remote.jsonl")
            let local = try Binaries.ledger(["export", "--out", localPath] + setup.ledger.arguments)
            #expect(local.exitCode == 0, "\(local.allOutput)")
            let bundle = try [UInt8](Data(contentsOf: URL(fileURLWithPath: localPath)))
            let stub = try RemoteStubServer { _ in
                .respond(status: 200, headers: [("Content-Type", "application/x-ndjson"), ("Ledger-Exit-Code", "0")], body: bundle)
            }
            defer { stub.stop() }
            let remote = try Binaries.ledger(["export", "--out", remotePath] + setup.remote(stub))
            #expect(remote.exitCode == 0, "\(remote.allOutput)")
            #expect(remote.stderr == local.stderr.replacingOccurrences(of: localPath, with: remotePath), "\(remote.stderr)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: remotePath)) == Data(bundle))

            let localJSON = try Binaries.ledger(["export", "--out", localPath, "--force", "--format", "json"] + setup.ledger.arguments)
            let remoteJSON = try Binaries.ledger(["export", "--out", remotePath, "--force", "--format", "json"] + setup.remote(stub))
            #expect(remoteJSON.exitCode == 0, "\(remoteJSON.allOutput)")
            var localDocument = try #require(try JSONSerialization.jsonObject(with: Data(localJSON.stdout.utf8)) as? [String: Any])
            let remoteDocument = try #require(try JSONSerialization.jsonObject(with: Data(remoteJSON.stdout.utf8)) as? [String: Any])
            localDocument["path"] = remotePath
            // exported_at and the header's MAC differ between the two local exports; the stub served the first.
            for member in ["exported_at"] { localDocument[member] = remoteDocument[member] }
            #expect(NSDictionary(dictionary: localDocument) == NSDictionary(dictionary: remoteDocument))
        }

        @Test func anExportAnswerThatIsNotABundleExits74AndLeavesNoFile() throws {
            let setup = try Setup()
            let stub = try RemoteStubServer { _ in
                .respond(status: 200, headers: [("Ledger-Exit-Code", "0")], body: Array("hello\u{1B}[31m\nworld\n".utf8))
            }
            defer { stub.stop() }
            let out = setup.dir.file("bundle.jsonl")
            let result = try Binaries.ledger(["export", "--out", out] + setup.remote(stub))
            #expect(result.exitCode == 74, "\(result.allOutput)")
            #expect(result.stderr.contains("not an evidence bundle"))
            #expect(!result.stderr.contains("\u{1B}"))
            #expect(!FileManager.default.fileExists(atPath: out))
            #expect(try FileManager.default.contentsOfDirectory(atPath: setup.dir.path).filter { $0.contains("partial") }.isEmpty)
        }

        @Test func historyNotesFromLedgerNoteHeadersArePrintedAroundTheBodyEscaped() throws {
            let setup = try Setup()
            let leading = "note: this ledger predates the report indexes", trailing = "no switches of chürn\u{1B}[2J 100% in the ledger"
            let stub = try RemoteStubServer { _ in
                .respond(
                    status: 200,
                    headers: [
                        ("Content-Type", "text/plain; charset=utf-8"), ("Ledger-Exit-Code", "0"),
                        (ReportNoteHeader.leading, ReportNoteHeader.encode(leading)),
                        (ReportNoteHeader.trailing, ReportNoteHeader.encode(trailing)), (ReportNoteHeader.trailing, "%zz malformed"),
                    ],
                    body: Array("HISTORY\n".utf8))
            }
            defer { stub.stop() }
            let out = setup.dir.file("history.txt")
            let result = try Binaries.ledger(["history", "--model", "churn", "--out", out] + setup.remote(stub))
            #expect(result.exitCode == 0, "\(result.allOutput)")
            let lines = result.stderr.split(separator: "\n").map(String.init)
            #expect(lines.count == 3, "\(result.stderr)")
            #expect(lines.first == leading)
            #expect(lines.dropFirst().first?.hasPrefix("wrote \(out)") == true)
            #expect(lines.last == DisplayText.terminal(trailing))
            #expect(!result.stderr.contains("\u{1B}"))
            #expect(try String(contentsOfFile: out, encoding: .utf8) == "HISTORY\n")
        }

        @Test func reportNoteHeaderValuesArePrintableASCIIAndDecodeToTheNote() {
            for note in ["plain", "100% sure", "chürn → ok", "a\u{0}b\r\nc\u{1B}[31m", "", String(repeating: "é", count: 2000)] {
                let value = ReportNoteHeader.encode(note)
                #expect(value.utf8.allSatisfy { $0 >= 0x20 && $0 <= 0x7E }, "\(value)")
                #expect(ReportNoteHeader.decode(value) == note)
            }
            for bad in ["%", "%4", "%G1", "tab\there", "ü", String(repeating: "a", count: ReportNoteHeader.maxNoteBytes + 1)] {
                #expect(ReportNoteHeader.decode(bad) == nil, "\(bad)")
            }
        }
    }

#endif
