import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

/// `ledger retrain upload` never stores or prints the presigned upload URL the service hands out.
@Suite("the presigned upload URL is never stored or printed")
struct UploadRedactionTests {
    @Test("after an upload, the issued URL and its token appear in no column, no database or WAL byte, and no output")
    func uploadURLAppearsNowhere() throws {
        let bench = try SwitchBench()
        let data = bench.ledger.directory.file("churn-2026-11.csv")
        try Data("id,label\n1,0\n2,1\n".utf8).write(to: URL(fileURLWithPath: data))

        let json = try bench.run(["retrain", "upload", data, "--model", "churn", "--reason", "CHG-up", "--format", "json"])
        #expect(json.exitCode == 0, "\(json.allOutput)")
        let text = try bench.run(["retrain", "upload", data, "--model", "churn", "--reason", "CHG-up-2"])
        #expect(text.exitCode == 0, "\(text.allOutput)")

        // The URLs the simulator issued: the paths the two PUTs reached.
        let puts = try bench.simulator.requests().filter { $0["method"]?.stringValue == "PUT" }
        let paths = puts.compactMap { $0["path"]?.stringValue }.filter { $0.hasPrefix("/_upload/") }
        try #require(paths.count == 2, "the simulator saw \(puts)")
        let origin = "http://127.0.0.1:\(bench.simulator.port)"
        var needles: [String] = []
        for path in paths {
            let token = String(path.dropFirst("/_upload/".count))
            try #require(token.count >= 16)
            needles += [origin + path, path, token, (origin + path).replacingOccurrences(of: "/", with: "\\/")]
        }

        // The recorded answer keeps everything but the URL, which reads as the marker.
        let uploads = try bench.entries().filter { $0.kind == EntryKind.jobUploaded }
        try #require(uploads.count == 2)
        for entry in uploads {
            let body = try #require(entry.responseBody)
            let answer = try JSONValue(parsing: body)
            #expect(answer["upload_url"]?.stringValue == "[redacted: presigned upload URL]", "\(body)")
            #expect(answer["retrain_job_id"]?.stringValue == entry.retrainJobID)
            #expect(entry.outcome == .succeeded && entry.detailsObject?["upload_url_host"]?.stringValue == "127.0.0.1")
        }

        // Every stored column of every row.
        for entry in try bench.entries() {
            for column in entry.columnValues {
                if case .text(let value) = column.value {
                    for needle in needles { #expect(!value.contains(needle), "seq \(entry.seq) \(column) holds \(needle)") }
                }
            }
        }
        // Every byte of the database and its WAL (text is stored as UTF-8).
        let bytes = bench.databaseBytes()
        for needle in needles { #expect(bytes.range(of: Data(needle.utf8)) == nil, "the database file holds \(needle)") }

        // Every output of the upload path and of what shows it.
        let bundle = bench.ledger.directory.file("bundle.jsonl")
        let reads: [[String]] = [
            ["log", "--limit", "0"], ["log", "--limit", "0", "--format", "json"], ["log", "--limit", "0", "--format", "csv"],
            ["log", "--kind", "job.uploaded", "--format", "json"],
            ["show", String(uploads[0].seq)], ["show", String(uploads[1].seq), "--format", "json"],
            ["report", "--format", "json"], ["report", "--format", "markdown"], ["history", "--model", "churn", "--format", "json"],
            ["export", "--out", bundle],
        ]
        for arguments in reads {
            let result = try bench.run(arguments)
            #expect(result.exitCode == 0, "\(arguments): \(result.allOutput)")
        }
        let bundleText = try String(contentsOfFile: bundle, encoding: .utf8)
        #expect(bundleText.contains("redacted: presigned upload URL"))
        for output in bench.outputs + [bundleText] {
            for needle in needles { #expect(!output.contains(needle), "an output holds \(needle)") }
        }
        #expect(try bench.verifyExitCode() == 0)
    }
}
