import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

/// The OpenAPI document (docs/openapi.json) is a valid OpenAPI 3.1 document, the service serves it,
/// and every endpoint's answers — exercised over raw HTTP against the built `ledger serve` — match it
/// (scripts/check-openapi.py: status, content type, body schema, Ledger-Exit-Code); every endpoint
/// also works through the built `ledger` CLI in remote mode.
@Suite(.serialized) struct OpenAPIConformanceTests {
    @Test func theDocumentIsAValidOpenAPI31Document() throws {
        #expect(FileManager.default.fileExists(atPath: ServiceExchanges.documentPath), "docs/openapi.json exists")
        guard let result = try ServiceExchanges.runChecker([]) else { return }
        #expect(result.exitCode == 0, "check-openapi.py: \(result.allOutput)")
    }

    @Test func theCheckerRejectsAnswersThatDoNotMatchTheDocument() throws {
        // The checker itself: a document with one operation, answers that break it in each way.
        let directory = TemporaryDirectory(prefix: "model-ledger-openapi-self")
        let document = #"""
            {"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
             "paths": {"/v1/entries/{seq}": {"get": {
               "parameters": [{"name": "seq", "in": "path", "required": true, "schema": {"type": "integer"}}],
               "responses": {
               "200": {"description": "entry", "headers": {"Ledger-Exit-Code": {"required": true, "schema": {"type": "integer"}}},
                       "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Entry"}}}}}}}},
             "components": {"schemas": {"Entry": {"type": "object", "required": ["seq"], "properties": {"seq": {"type": "integer"}}}}}}
            """#
        try Data(document.utf8).write(to: URL(fileURLWithPath: directory.file("doc.json")))
        let good: JSONValue = [
            "method": "GET", "path": "/v1/entries/3", "status": 200, "content_type": "application/json", "headers": ["Ledger-Exit-Code": "0"],
            "body": #"{"seq": 3}"#,
        ]
        var bad: [JSONValue] = []
        for (key, value) in [
            ("body", JSONValue.string(#"{"seq": "3"}"#)), ("body", .string(#"{"seq": 3, "seq": 4}"#)), ("status", .integer(500)),
            ("content_type", .string("text/plain")), ("headers", .object([:])), ("path", .string("/v1/nothing")), ("method", .string("POST")),
        ] {
            guard case .object(var members) = good else { continue }
            members[key] = value
            bad.append(.object(members))
        }
        try Data(JSONValue.array([good]).prettyPrinted().utf8).write(to: URL(fileURLWithPath: directory.file("good.json")))
        try Data(JSONValue.array(bad).prettyPrinted().utf8).write(to: URL(fileURLWithPath: directory.file("bad.json")))
        guard let passes = try ServiceExchanges.runChecker(["--exchanges", directory.file("good.json")], document: directory.file("doc.json")),
            let fails = try ServiceExchanges.runChecker(["--exchanges", directory.file("bad.json")], document: directory.file("doc.json"))
        else { return }
        #expect(passes.exitCode == 0, "\(passes.allOutput)")
        #expect(fails.exitCode == 1)
        for index in 0..<bad.count { #expect(fails.stderr.contains("exchange \(index) "), "exchange \(index) is named: \(fails.stderr)") }
    }

    @Test func everyEndpointAnswersAsTheDocumentSaysOverRawHTTPAndThroughTheCLI() throws {
        try IntegrationSecurityTests.requireBinaries()
        let rig = try ServiceRig(signKey: true)
        defer { rig.stop() }
        func call(_ method: String, _ target: String, as user: String?, json: String? = nil, headers: [(String, String)] = []) throws
            -> LoopbackHTTPResponse
        {
            try rig.call(method, target, as: user, json: json, headers: headers)
        }
        func seq(_ response: LoopbackHTTPResponse, _ member: String = "seq") -> Int64? {
            (try? JSONValue(parsing: response.text))?[member]?.integerValue
        }

        // Public endpoints.
        #expect(try call("GET", "/healthz", as: nil).text.contains("\"ok\""))
        #expect(try call("GET", "/metrics", as: nil).status == 200)
        let served = try call("GET", "/openapi.json", as: nil)
        #expect(served.status == 200)
        let onDisk = FileManager.default.contents(atPath: ServiceExchanges.documentPath).flatMap { try? JSONValue(parsing: [UInt8]($0)) }
        #expect(onDisk != nil && (try? JSONValue(parsing: served.text)) == onDisk, "GET /openapi.json serves docs/openapi.json")
        #expect(try call("GET", "/v1/checkpoint", as: nil).status == 404, "no checkpoint yet")
        #expect(try call("GET", "/v1/vkey", as: nil).status == 200, "the verifier key of --sign-key")

        // Writes.
        let switched = try call(
            "POST", "/v1/switches", as: "switcher", json: #"{"retrain_job_id":"churn-ok","model":"churn","reason":"CHG-1"}"#,
            headers: [("Ledger-Request-ID", "conformance-1")])
        #expect(switched.status == 200 && switched.ledgerExitCode == 0, "switch: \(switched.status) \(switched.text.prefix(300))")
        let rejected = try call("POST", "/v1/switches", as: "switcher", json: #"{"retrain_job_id":"churn-rejected","model":"churn","reason":"CHG-2"}"#)
        #expect(rejected.status == 200 && rejected.ledgerExitCode == 3, "rejected: \(rejected.status) \(rejected.ledgerExitCode ?? -1)")
        let refused = try call("POST", "/v1/switches", as: "switcher", json: #"{"retrain_job_id":"churn-running","model":"churn","reason":"CHG-3"}"#)
        #expect(refused.status == 200 && refused.ledgerExitCode == 5, "pre-flight: \(refused.status) \(refused.ledgerExitCode ?? -1)")
        let skipped = try call(
            "POST", "/v1/switches", as: "switcher", json: #"{"retrain_job_id":"fraud-ok","model":"fraud","reason":"CHG-4","skip_preflight":true}"#)
        #expect(skipped.status == 200 && skipped.ledgerExitCode == 0, "skip_preflight: \(skipped.text.prefix(300))")
        let lookup = try call("GET", "/v1/switches?request_id=conformance-1", as: "auditor")
        #expect(lookup.status == 200 && seq(lookup, "requested_seq") != nil, "lookup: \(lookup.text.prefix(300))")
        #expect(try call("GET", "/v1/switches?request_id=never-used", as: "auditor").status == 404)

        // An upload without a body (refused), then one with.
        _ = try rig.exchanges.send(
            rig.service.client(), "POST", "/v1/uploads?model=ltv&reason=CHG-upload", token: rig.token("switcher"), json: nil,
            headers: [("Content-Type", "application/octet-stream")])
        let uploadBody = try rig.service.client().send(
            "POST", "/v1/uploads?model=ltv&reason=CHG-upload",
            headers: [("Authorization", "Bearer \(rig.token("switcher") ?? "")"), ("Content-Type", "application/octet-stream")],
            body: Data("feature,label\n1,0\n2,1\n".utf8))
        rig.exchanges.record("POST", "/v1/uploads?model=ltv&reason=CHG-upload", uploadBody)
        #expect(uploadBody.status == 200, "upload: \(uploadBody.status) \(uploadBody.text.prefix(300))")
        let uploadedJob = (try? JSONValue(parsing: uploadBody.text))?["retrain_job_id"]?.stringValue ?? "ltv-ok"
        let status = try call("GET", "/v1/retrain-jobs/\(uploadedJob)/status?model=ltv", as: "switcher")
        #expect(status.status == 200, "status: \(status.status) \(status.text.prefix(300))")
        _ = try call("POST", "/v1/resolutions", as: "switcher", json: #"{"seq":1,"outcome":"succeeded","reason":"not a switch"}"#)

        let proposal = try call("POST", "/v1/proposals", as: "switcher", json: #"{"model":"upsell","retrain_job_id":"upsell-ok","reason":"CHG-p1"}"#)
        #expect(proposal.status == 200, "propose: \(proposal.text.prefix(300))")
        let proposal2 = try call("POST", "/v1/proposals", as: "switcher", json: #"{"model":"upsell","retrain_job_id":"upsell-ok-2","reason":"CHG-p2"}"#)
        let approved = try call("POST", "/v1/proposals/\(seq(proposal) ?? 0)/approvals", as: "approver", json: #"{"reason":"looks fine"}"#)
        #expect(approved.status == 200, "approve: \(approved.text.prefix(300))")
        let declined = try call("POST", "/v1/proposals/\(seq(proposal2) ?? 0)/declines", as: "approver", json: #"{"reason":"not now"}"#)
        #expect(declined.status == 200, "decline: \(declined.text.prefix(300))")
        _ = try call("POST", "/v1/reviews", as: "approver", json: #"{"seq":\#(seq(switched, "requested_seq") ?? 2),"reason":"reviewed"}"#)
        let checkpoint = try call("POST", "/v1/checkpoints", as: "admin", json: "{}")
        #expect(checkpoint.status == 200, "checkpoint: \(checkpoint.text.prefix(300))")
        #expect(try call("GET", "/v1/checkpoint", as: nil).status == 200, "the latest signed checkpoint")

        // Reads.
        for format in ["json", "text", "csv", "html"] {
            let report = try call("GET", "/v1/report?format=\(format)", as: "auditor")
            #expect(report.status == 200 && report.ledgerExitCode == 0, "report \(format): \(report.status) \(report.text.prefix(200))")
            #expect(try call("GET", "/v1/history?model=churn&format=\(format)", as: "auditor").status == 200, "history \(format)")
        }
        _ = try call("GET", "/v1/report?format=json&model=churn&outcome=succeeded&limit=5", as: "approver")
        let verify = try call("GET", "/v1/verify", as: "auditor")
        #expect(verify.status == 200 && verify.ledgerExitCode == 0, "verify: \(verify.text.prefix(300))")
        #expect(try call("GET", "/v1/log", as: "auditor").status == 200)
        _ = try call("GET", "/v1/log?limit=3&model=churn&kind=switch.completed", as: "switcher")
        #expect(try call("GET", "/v1/entries/2", as: "auditor").status == 200)
        let export = try call("GET", "/v1/export", as: "auditor")
        #expect(export.status == 200 && export.header("Content-Type")?.hasPrefix("application/x-ndjson") == true, "export: \(export.status)")
        // Errors are documented too.
        _ = try call("GET", "/v1/entries/9999", as: "auditor")
        _ = try call("GET", "/v1/verify", as: nil)
        _ = try call("POST", "/v1/switches", as: "auditor", json: "{}")
        _ = try call("POST", "/v1/switches", as: "switcher", json: "{")

        if let result = try rig.exchanges.checkAgainstDocument(requireCoverage: true) {
            #expect(result.exitCode == 0, "the answers match docs/openapi.json:\n\(result.allOutput)")
        }

        // The same endpoints through the CLI in remote mode: no usage error, no crash, the expected codes.
        let dataFile = rig.service.directory.file("train.csv")
        try Data("feature,label\n1,0\n".utf8).write(to: URL(fileURLWithPath: dataFile))
        let commands: [(user: String, arguments: [String], exit: Int32)] = [
            ("switcher", ["switch", "retention-ok", "--model", "retention", "--reason", "CHG-cli"], 0),
            ("switcher", ["switch", "retention-running", "--model", "retention", "--reason", "CHG-cli", "--format", "json"], 5),
            ("switcher", ["retrain", "upload", dataFile, "--model", "ltv", "--reason", "CHG-cli-upload"], 0),
            ("switcher", ["retrain", "status", "ltv-ok", "--model", "ltv"], 0),
            ("switcher", ["propose", "upsell-ok", "--model", "upsell", "--reason", "CHG-cli-p"], 0),
            ("auditor", ["report"], 0), ("auditor", ["report", "--format", "csv"], 0), ("auditor", ["report", "--format", "html"], 0),
            ("auditor", ["history", "--model", "churn"], 0), ("auditor", ["verify"], 0), ("auditor", ["log", "--limit", "5"], 0),
            ("auditor", ["show", "2"], 0), ("auditor", ["export", "--out", "-"], 0), ("admin", ["checkpoint", "create", "--reason", "CHG-cp"], 0),
        ]
        var outputs: [(String, String)] = []
        // approve and decline through the CLI, on proposals made through the CLI.
        var proposals: [String] = []
        for job in ["upsell-ok", "upsell-ok-2"] {
            let proposed = try rig.service.remote(["propose", job, "--model", "upsell", "--reason", "CHG-cli-\(job)", "--format", "json"], as: "switcher")
            #expect(proposed.exitCode == 0, "propose --server: \(proposed.stderr)")
            proposals.append(((try? JSONValue(parsing: proposed.stdout))?["seq"]?.integerValue).map(String.init) ?? "0")
        }
        let approval = try rig.service.remote(["approve", proposals[0], "--reason", "CHG-cli-ok"], as: "approver")
        #expect(approval.exitCode == 0, "approve --server: \(approval.stderr)")
        let decline = try rig.service.remote(["decline", proposals[1], "--reason", "CHG-cli-no"], as: "approver")
        #expect(decline.exitCode == 0, "decline --server: \(decline.stderr)")
        outputs += [("approve", approval.allOutput), ("decline", decline.allOutput)]
        for command in commands {
            let result = try rig.service.remote(command.arguments, as: command.user)
            outputs.append((command.arguments.joined(separator: " "), result.allOutput))
            #expect(result.exitCode == command.exit, "ledger \(command.arguments.joined(separator: " ")) --server: exit \(result.exitCode): \(result.stderr)")
        }
        // Local-only flags are refused in remote mode.
        for flag in [["--actor", "mallory"], ["--db", rig.service.dbPath], ["--key-file", rig.service.keyPath]] {
            let result = try rig.service.remote(["switch", "churn-ok", "--model", "churn", "--reason", "CHG-x"] + flag, as: "switcher")
            #expect(result.exitCode == 64, "\(flag[0]) in remote mode: exit \(result.exitCode)")
            #expect(result.stderr.contains("the service"), "\(flag[0]): says why: \(result.stderr)")
        }

        let hits = try rig.secretScan().hits(service: rig.service, exchanges: rig.exchanges, extra: outputs)
        #expect(hits.isEmpty, "secrets found: \(hits)")
    }
}
