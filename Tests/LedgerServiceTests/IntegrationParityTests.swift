import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

/// Remote mode prints what local mode prints and exits with the same code: the built `ledger` against
/// the built `ledger serve`, and the built `ledger` on a local ledger made the same way (init, the same
/// users, so the seqs line up), both switching through the same simulator, in lockstep. Only what must
/// differ is normalised: times, ids, keys, paths, durations, and the request id the remote client adds.
@Suite(.serialized) struct IntegrationParityTests {
    /// A local ledger shaped like the service's: `ledger init` and the same four users, in order.
    final class LocalTwin: @unchecked Sendable {
        let directory = TemporaryDirectory(prefix: "model-ledger-local-twin")
        let dbPath: String
        let keyPath: String
        let simulatorBaseURL: String

        init(simulatorBaseURL: String) throws {
            self.simulatorBaseURL = simulatorBaseURL
            dbPath = directory.file("ledger.sqlite")
            keyPath = directory.file("ledger.key")
            let arguments = ["--db", dbPath, "--key-file", keyPath]
            let created = try Binaries.ledger(["init", "--actor", "service-admin"] + arguments)
            guard created.exitCode == 0 else { throw ServiceStartFailure(step: "local init", output: created.allOutput) }
            for (name, role) in [("switcher", "switcher"), ("approver", "approver"), ("auditor", "auditor"), ("admin", "admin")] {
                let added = try Binaries.ledger(
                    ["users", "add", name, "--role", role, "--users", directory.file("users.json"), "--actor", "service-admin"] + arguments)
                guard added.exitCode == 0 else { throw ServiceStartFailure(step: "local users add", output: added.allOutput) }
            }
        }

        /// `ledger ARGS --db --key-file` as `actor`, with the model's API key and the simulator.
        func run(_ arguments: [String], actor: String, model: String = "churn") throws -> ProcessResult {
            try Binaries.ledger(
                arguments + ["--db", dbPath, "--key-file", keyPath],
                environment: ["EPA_BASE_URL": simulatorBaseURL, "EPA_API_KEY": ServiceSimulatorFixture.apiKeys[model] ?? "", "LEDGER_ACTOR": actor])
        }
    }

    /// Text with what must differ between two ledgers replaced by placeholders.
    static func normalise(_ text: String, paths: [String: String]) -> String {
        var out = text
        for (path, placeholder) in paths.sorted(by: { $0.key.count > $1.key.count }) { out = out.replacingOccurrences(of: path, with: placeholder) }
        let patterns: [(String, String)] = [
            (#"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z"#, "<TIME>"),
            (#"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"#, "<UUID>"),
            (#"\b[0-9a-f]{64}\b"#, "<HEX64>"), (#"\b[0-9a-f]{32}\b"#, "<HEX32>"), (#"\b[0-9a-f]{16}\b"#, "<HEX16>"),
            (#""duration_ms"\s*:\s*\d+"#, "\"duration_ms\": <N>"), (#"\b\d+(\.\d+)? ?ms\b"#, "<N> ms"),
            (#""elapsed_s"\s*:\s*[0-9.]+"#, "\"elapsed_s\": <N>"), (#"\b\d+\.\d+ s\b"#, "<N> s"),
            (#""writer_pid":\s*\d+"#, "\"writer_pid\":<N>"),
            // The remote client's request id, as a member of the details shown in text.
            (#""request_id":\s*"[^"]*",\s*"#, ""), (#",\s*"request_id":\s*"[^"]*""#, ""),
        ]
        for (pattern, replacement) in patterns {
            out = out.replacingOccurrences(of: pattern, with: replacement, options: .regularExpression)
        }
        // The remote client's request id on a line of its own.
        return out.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.lowercased().contains("request id") }
            .joined(separator: "\n")
    }

    /// Members that differ between any two runs: how long something took, which process wrote.
    static let volatileMembers: Set<String> = ["duration_ms", "elapsed_ms", "elapsed_s", "writer_pid"]

    /// A JSON document with what must differ replaced (members named request_id dropped).
    static func normaliseJSON(_ text: String, paths: [String: String]) -> String? {
        guard let value = try? JSONValue(parsing: text) else { return nil }
        func walk(_ value: JSONValue) -> JSONValue {
            switch value {
            case .object(let members):
                var out: [String: JSONValue] = [:]
                for (key, member) in members where key != "request_id" {
                    out[key] = Self.volatileMembers.contains(key) && member != .null ? "<N>" : walk(member)
                }
                return .object(out)
            case .array(let items): return .array(items.map(walk))
            case .string(let s): return .string(normalise(s, paths: paths))
            default: return value
            }
        }
        return normalise(walk(value).prettyPrinted(), paths: paths)
    }

    struct Case {
        let label: String
        let arguments: [String]
        let remoteUser: String
        let localActor: String
        let expectedExit: Int32
        var model = "churn"
    }

    @Test func remoteModePrintsTheSameTextAndJSONAndExitsWithTheSameCodesAsLocalMode() throws {
        try IntegrationSecurityTests.requireBinaries()
        let rig = try ServiceRig()
        defer { rig.stop() }
        let twin = try LocalTwin(simulatorBaseURL: rig.simulator.baseURL)
        let paths = [
            rig.service.dbPath: "<DB>", twin.dbPath: "<DB>", rig.service.keyPath: "<KEY>", twin.keyPath: "<KEY>",
            rig.service.directory.path: "<DIR>", twin.directory.path: "<DIR>", rig.service.baseURL: "<SERVER>",
        ]
        func sw(_ job: String, _ extra: [String] = []) -> [String] { ["switch", job, "--model", "churn", "--reason", "CHG-\(job)"] + extra }
        let cases = [
            Case(label: "a succeeded switch (text)", arguments: sw("churn-ok"), remoteUser: "switcher", localActor: "switcher", expectedExit: 0),
            Case(
                label: "a succeeded switch (json)", arguments: sw("churn-ok-2", ["--format", "json"]), remoteUser: "switcher", localActor: "switcher",
                expectedExit: 0),
            Case(label: "a rejected switch (text)", arguments: sw("churn-rejected"), remoteUser: "switcher", localActor: "switcher", expectedExit: 3),
            Case(
                label: "a rejected switch (json)", arguments: sw("churn-rejected", ["--format", "json"]), remoteUser: "switcher", localActor: "switcher",
                expectedExit: 3),
            Case(label: "a pre-flight refusal (text)", arguments: sw("churn-running"), remoteUser: "switcher", localActor: "switcher", expectedExit: 5),
            Case(
                label: "a pre-flight refusal (json)", arguments: sw("churn-running", ["--format", "json"]), remoteUser: "switcher",
                localActor: "switcher", expectedExit: 5),
            Case(label: "verify (text)", arguments: ["verify"], remoteUser: "auditor", localActor: "auditor", expectedExit: 0),
            Case(label: "verify (json)", arguments: ["verify", "--format", "json"], remoteUser: "auditor", localActor: "auditor", expectedExit: 0),
            Case(label: "report (json)", arguments: ["report", "--format", "json"], remoteUser: "auditor", localActor: "auditor", expectedExit: 0),
            Case(label: "report (text)", arguments: ["report"], remoteUser: "auditor", localActor: "auditor", expectedExit: 0),
            Case(label: "log (json)", arguments: ["log", "--format", "json"], remoteUser: "auditor", localActor: "auditor", expectedExit: 0),
            Case(label: "log (table)", arguments: ["log"], remoteUser: "auditor", localActor: "auditor", expectedExit: 0),
            Case(label: "show (text)", arguments: ["show", "7"], remoteUser: "auditor", localActor: "auditor", expectedExit: 0),
        ]
        var outputs: [(String, String)] = []
        for testCase in cases {
            let remote = try rig.service.remote(testCase.arguments, as: testCase.remoteUser)
            let local = try twin.run(testCase.arguments, actor: testCase.localActor, model: testCase.model)
            outputs += [("remote \(testCase.label)", remote.allOutput), ("local \(testCase.label)", local.allOutput)]
            #expect(local.exitCode == testCase.expectedExit, "\(testCase.label): local exit \(local.exitCode): \(local.stderr)")
            #expect(remote.exitCode == local.exitCode, "\(testCase.label): remote exit \(remote.exitCode), local \(local.exitCode): \(remote.stderr)")
            let isJSON = testCase.arguments.contains("json")
            let remoteOut = isJSON ? Self.normaliseJSON(remote.stdout, paths: paths) : Self.normalise(remote.stdout, paths: paths)
            let localOut = isJSON ? Self.normaliseJSON(local.stdout, paths: paths) : Self.normalise(local.stdout, paths: paths)
            #expect(remoteOut != nil && localOut != nil, "\(testCase.label): JSON on stdout")
            #expect(
                remoteOut == localOut, "\(testCase.label): stdout differs\n--- remote\n\(remoteOut ?? remote.stdout)\n--- local\n\(localOut ?? local.stdout)")
            let remoteErr = Self.normalise(remote.stderr, paths: paths), localErr = Self.normalise(local.stderr, paths: paths)
            #expect(remoteErr == localErr, "\(testCase.label): stderr differs\n--- remote\n\(remoteErr)\n--- local\n\(localErr)")
        }
        let scan = rig.secretScan()
        let hits = try scan.hits(service: rig.service, exchanges: rig.exchanges, extra: outputs.filter { $0.0.hasPrefix("remote") })
        #expect(hits.isEmpty, "secrets found: \(hits)")
    }
}
