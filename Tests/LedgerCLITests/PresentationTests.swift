import EPAClient
import Foundation
import LedgerCore
import Testing

@testable import LedgerCLI
@testable import LedgerWorkflows

/// LedgerPresentation: the one place that says what a result looks like. The CLI's switch text is
/// rendered from the switch document (so local and remote mode print the same), errors are
/// classified once (exit code, message, HTTP status), and hostile text stays exact in documents.
@Suite("Presentation: documents, text from documents, error classification")
struct PresentationTests {
    // MARK: Switch results built by hand

    static let started = Date(timeIntervalSince1970: 1_700_000_000)

    static func call(_ outcome: CallOutcome, status: Int?, ms: Int64, error: EPAError? = nil) -> EPACall<SwitchResponse> {
        EPACall(
            method: "PUT", url: "https://epa.invalid/v1/external/retrain/job-1", apiKeyID: "k1", startedAt: started, httpStatus: status,
            responseBody: nil, responseBodyTruncated: false, durationMs: ms, outcome: outcome,
            response: outcome == .succeeded ? SwitchResponse(retrainJobID: "job-1") : nil, error: error)
    }

    static func succeeded(model: String = "churn") -> SwitchResult {
        var result = SwitchResult(model: model, retrainJobID: "job-1", end: .switched)
        result.preflightSeq = 4
        result.preflightStatus = "finished"
        result.requestedSeq = 5
        result.completedSeq = 6
        result.call = call(.succeeded, status: 200, ms: 123)
        return result
    }

    static func rejected() -> SwitchResult {
        var result = SwitchResult(model: "churn", retrainJobID: "job-1", end: .callDidNotSucceed(.rejected))
        result.preflightSeq = 4
        result.requestedSeq = 5
        result.completedSeq = 6
        result.call = call(.rejected, status: 400, ms: 45, error: .retrainJobNotFinished)
        // A gate that counted a proposal and two approvals under policy.set seq 2.
        var gate = SwitchGateDecision(policySeq: 2)
        gate.proposalSeq = 3
        gate.approvalSeqs = [7, 8]
        gate.details = ["policy_seq": .integer(2), "proposal_seq": .integer(3), "approval_seqs": .array([.integer(7), .integer(8)])]
        result.gate = gate
        return result
    }

    static func preflightRefused() -> SwitchResult {
        var result = SwitchResult(model: "churn", retrainJobID: "job-1", end: .preflightRefused(status: "running", meaning: .running))
        result.preflightSeq = 4
        result.preflightStatus = "running"
        return result
    }

    static func emergencyRollback() -> SwitchResult {
        var result = succeeded()
        var gate = SwitchGateDecision(policySeq: 2)
        gate.details = ["policy_seq": .integer(2), "emergency": .bool(true), "rollback_of": .integer(9)]
        result.gate = gate
        result.policySetSeq = 4
        return result
    }

    /// Today's text of `ledger switch` (the printing code as it was before the presentation split,
    /// kept here as the oracle): stdout lines and stderr notes.
    static func textBeforeTheSplit(_ result: SwitchResult, words: JobStatusWords?) -> (out: [String], notes: [String]) {
        var out: [String] = [], notes: [String] = []
        let outcome = result.call?.outcome.rawValue ?? "not attempted", problem = SwitchPresentation.problem(result, words: words)
        let call = result.call
        let seqs = [result.requestedSeq, result.completedSeq].compactMap { $0 }.map(String.init).joined(separator: "→")
        let where_ = seqs.isEmpty ? (result.preflightSeq.map { "ledger seq \($0)" } ?? "") : "ledger seq \(seqs)"
        let timing = call.map { ", \($0.durationMs) ms" } ?? ""
        let status = call?.httpStatus.map { " (HTTP \($0))" } ?? ""
        let model = DisplayText.terminal(result.model), retrainJobID = DisplayText.terminal(result.retrainJobID)
        if result.switched {
            out.append("switched" + " \(model) → \(retrainJobID): succeeded\(status)\(timing); \(where_)")
        } else {
            out.append("NOT switched" + " \(model) → \(retrainJobID): \(outcome)\(status)\(timing); \(where_)")
            if let problem { notes.append("  \(problem)") }
        }
        if let gate = result.gate {
            if let proposal = gate.proposalSeq {
                let approvals = gate.approvalSeqs.map(String.init).joined(separator: ", ")
                out.append(
                    "  proposal seq \(proposal), approvals seq \(approvals.isEmpty ? "none needed" : approvals)\(gate.policySeq.map { "; policy.set seq \($0)" } ?? "")"
                )
            }
            if gate.details["emergency"] == .bool(true) {
                out.append("  EMERGENCY switch: a post-hoc review is required (ledger review SEQ --reason …)")
            }
            if let rollbackOf = gate.details["rollback_of"]?.integerValue {
                out.append("  rollback of the switch at seq \(rollbackOf)")
            }
        }
        return (out, notes)
    }

    @Test(
        "switch text rendered from the document equals today's text (succeeded, rejected with approvals, pre-flight refused, emergency rollback)",
        arguments: ["succeeded", "rejected", "preflight refused", "emergency rollback"])
    func switchTextFromDocumentEqualsToday(_ name: String) throws {
        let result: SwitchResult =
            switch name {
            case "succeeded": Self.succeeded()
            case "rejected": Self.rejected()
            case "emergency rollback": Self.emergencyRollback()
            default: Self.preflightRefused()
            }
        let words = JobStatusWords()
        let document = SwitchPresentation.document(result, words: words)
        let rendered = SwitchOutput.text(document, color: false)
        let today = Self.textBeforeTheSplit(result, words: words)
        #expect(rendered.out == today.out)
        #expect(rendered.notes == today.notes)
        #expect(!rendered.out.isEmpty)
    }

    @Test("the switch document and exit code of each ending: 0 switched, 3 rejected, 5 pre-flight refused")
    func switchDocumentAndExitCode() throws {
        let succeeded = SwitchPresentation.document(Self.succeeded(), words: nil)
        #expect(succeeded["outcome"] == .string("succeeded"))
        #expect(succeeded["requested_seq"] == .integer(5) && succeeded["completed_seq"] == .integer(6))
        #expect(succeeded["explanation"] == .null)
        #expect(succeeded["proposal_seq"] == nil)  // no gate facts: the document is as before approvals existed
        #expect(SwitchPresentation.exitCode(Self.succeeded()) == .ok)

        let rejected = SwitchPresentation.document(Self.rejected(), words: nil)
        #expect(rejected["outcome"] == .string("rejected"))
        #expect(rejected["approval_seqs"] == .array([.integer(7), .integer(8)]))
        #expect(rejected["policy_set_seq"] == .null)
        #expect(SwitchPresentation.exitCode(Self.rejected()) == .rejected)

        let refused = SwitchPresentation.document(Self.preflightRefused(), words: nil)
        #expect(refused["outcome"] == .string("not attempted"))
        #expect(refused["requested_seq"] == .null)
        #expect(refused["explanation"]?.stringValue?.contains("nothing was switched") == true)
        #expect(SwitchPresentation.exitCode(Self.preflightRefused()) == .preflightRefused)
        // Outcome documents travel as 200 with the exit code in a header.
        for code in [LedgerExitCode.ok, .tampered, .rejected, .serviceFailed, .preflightRefused] { #expect(code.httpStatus == 200) }
    }

    @Test("a control character in a model name is escaped in the text and exact in the document")
    func controlCharacterEscapedInTextExactInDocument() throws {
        let hostile = "ch\u{1B}]8;;https://evil.invalid\u{7}urn\n\u{202E}x"
        let document = SwitchPresentation.document(Self.succeeded(model: hostile), words: nil)
        #expect(document["model"] == .string(hostile))
        // The pretty-printed JSON round-trips the exact value (JSON escaping, not display escaping).
        let parsed = try JSONValue(parsing: Array(document.prettyPrinted().utf8))
        #expect(parsed["model"] == .string(hostile))

        let line = try #require(SwitchOutput.text(document, color: false).out.first)
        #expect(!line.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x0A || $0.value == 0x202E })
        #expect(line.contains(DisplayText.terminal(hostile)))
        #expect(line.contains("ch\\u{1B}]8;;https://evil.invalid\\u{07}urn\\n\\u{202E}x"))
    }

    // MARK: Errors

    /// One representative error per exit code, with the HTTP status and word the service answers.
    static let representatives: [LedgerExitCode: (error: any Error, status: Int, word: String)] = [
        .ok: (CommandError(message: "says success", exitCode: .ok), 500, "ok"),
        .tampered: (SignedNoteError.badSignature(keyName: "k"), 422, "tampered"),
        .rejected: (CommandError(message: "the service rejected it", exitCode: .rejected), 502, "rejected"),
        .serviceFailed: (CommandError(message: "the service failed", exitCode: .serviceFailed), 502, "service_failed"),
        .preflightRefused: (CommandError(message: "not finished", exitCode: .preflightRefused), 409, "preflight_refused"),
        .ledgerUnsafe: (LedgerError.tailDoesNotVerify(seq: 9, reason: "bad mac"), 503, "ledger_unsafe"),
        .refused: (ApprovalRefusal(["needs 2 approvals", "no proposal"]), 409, "refused"),
        .usage: (LedgerError.nothingToVerify(from: 5, to: 9, head: 3), 400, "bad_request"),
        .tryLater: (CommandError(message: "may still be in flight", exitCode: .tryLater), 409, "try_later"),
        .software: (CocoaError(.featureUnsupported), 500, "internal"),
        .ledgerError: (LedgerError.io(path: "/x/ledger.db", reason: "disk full"), 503, "ledger_error"),
        .configError: (LedgerError.keyFileMissing(path: "/x/ledger.key"), 500, "config_error"),
    ]

    @Test("ErrorPresentation maps each exit code's representative error to that exit code, its HTTP status and its word")
    func errorPresentationMapsEveryExitCode() throws {
        for code in LedgerExitCode.allCases {
            let representative = try #require(Self.representatives[code], "no representative error for exit code \(code.rawValue)")
            let presentation = ErrorPresentation.classify(representative.error)
            #expect(presentation.exitCode == code, "exit code \(code.rawValue)")
            #expect(presentation.httpStatus == representative.status, "exit code \(code.rawValue)")
            #expect(presentation.code == representative.word, "exit code \(code.rawValue)")
            #expect(presentation.document["error"]?["exit_code"] == .integer(Int64(code.rawValue)))
        }
    }

    @Test("ErrorPresentation keeps the CLI's messages: refused lists what is missing, unknown errors say unexpected, not found is 404")
    func errorPresentationMessages() throws {
        #expect(ErrorPresentation.classify(ApprovalRefusal(["a", "b"])).message == "refused: a; b")
        #expect(ErrorPresentation.classify(CocoaError(.featureUnsupported)).message.hasPrefix("unexpected error: "))
        let tail = LedgerError.tailDoesNotVerify(seq: 9, reason: "bad mac")
        #expect(ErrorPresentation.classify(tail).message == tail.localizedDescription)
        let missing = ErrorPresentation.classify(LedgerError.noSuchEntry(seq: 42))
        #expect(missing.exitCode == .ledgerError && missing.httpStatus == 404 && missing.code == "not_found")
        let mine = ErrorPresentation.forbidden("auditors cannot switch")
        #expect(ErrorPresentation.classify(mine) == mine)
        #expect(ErrorPresentation.unauthorized("no token").httpStatus == 401)
        #expect(ErrorPresentation.payloadTooLarge("too big").httpStatus == 413)
        #expect(ErrorPresentation.tooManyRequests("queue full").httpStatus == 429)
        #expect(ErrorPresentation.timeout("deadline").httpStatus == 504)
    }

    // MARK: Reports

    @Test("a report request read from query items is the request the flags make, and bad items are usage errors")
    func reportRequestFromQuery() throws {
        let request = ReportRequest(
            command: .report, format: .csv, since: "2026-11-01", model: "churn", outcome: .rejected, limit: 5, verify: false)
        #expect(try ReportRequest(query: request.queryItems, command: .report) == request)
        #expect(try ReportRequest(query: [("format", "text")], command: .report).format == .table)
        let bad: [[(String, String)]] = [
            [("format", "pdf")], [("limit", "x")], [("frobnicate", "1")], [("model", "a"), ("model", "b")], [("as_of", "2026-11-01"), ("actor", "bob")],
        ]
        for bad in bad {
            #expect(throws: CommandError.self) { try ReportRequest(query: bad.map { (name: $0.0, value: $0.1) }, command: .report) }
        }
        #expect(throws: CommandError.self) { try ReportRequest(query: [], command: .history) }  // history needs a model
    }
}
