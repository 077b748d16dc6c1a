import ArgumentParser
import EPAClient
import Foundation
import LedgerCore

extension Ledger.Retrain {
    /// `ledger retrain upload FILE`: gets an upload URL, uploads the file, records the lineage.
    struct Upload: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Upload training data for a model; records the file's name, size, SHA-256 and the new retrain_job_id.",
            discussion: """
                Calls GET /retrain_jobs/upload_url?filename=NAME, then PUTs the file to the
                returned upload URL (retraining starts when the upload completes). One job.uploaded
                entry records the outcome, the issued retrain_job_id and the data's lineage:
                {"file_name", "file_sha256", "file_size", "upload_http_status", "upload_url_host"}.
                The presigned upload URL itself is never stored or printed: in the recorded
                response_body its value, and its path, query and token parts wherever they
                appear, read "[redacted: presigned upload URL]".

                Exit status: 0 uploaded, 3 rejected by the service, 4 service failed or unreachable,
                6 the ledger does not verify, 64 usage, 74 ledger error, 78 configuration or key error.

                Example:
                  ledger retrain upload data/churn-2026-11.csv --model churn --reason CHG-1234
                """)

        @Argument(help: ArgumentHelp("The training data file.", valueName: "file")) var file: String
        @OptionGroup var modelReason: ModelReasonOptions
        @OptionGroup var who: ActorOptions
        @OptionGroup var service: ServiceOptions
        @OptionGroup var options: LedgerOptions
        @Option(help: "Output format: text or json.") var format: TextOrJSON = .text

        func validate() throws {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory), !isDirectory.boolValue else {
                throw ValidationError("no such file: \(DisplayText.terminal(file))")
            }
            guard FileManager.default.isReadableFile(atPath: file) else { throw ValidationError("cannot read \(DisplayText.terminal(file))") }
        }

        func run() async throws {
            try await runReportingErrors {
                let apiKey = try service.apiKey()
                let (store, ring) = try options.openForWriting()
                let (sha256, size) = try Digest.sha256Hex(fileAt: file)
                let fileName = (file as NSString).lastPathComponent
                let (entry, outcome, problem, job) = try await service.withClient { client in
                    try await uploadAndRecord(
                        client: client, apiKey: apiKey, store: store, ring: ring, fileName: fileName, sha256: sha256, size: size)
                }
                switch format {
                case .json:
                    var object = entry.jsonValue.objectValue ?? [:]
                    object["explanation"] = problem.map { .string($0) } ?? .null
                    Console.out(JSONValue.object(object).prettyPrinted())
                case .text:
                    // The file name is the user's, the job id the service's: both shown escaped.
                    let fileName = DisplayText.terminal(fileName), job = job.map(DisplayText.terminal)
                    let model = DisplayText.terminal(modelReason.model)
                    if outcome == .succeeded, let job {
                        Console.out("uploaded \(fileName) (\(size.formatted()) bytes, sha256 \(sha256)) for \(model): retrain job \(job); ledger seq \(entry.seq)")
                        Console.out("next: ledger retrain status \(job) --model \(model) --wait")
                    } else {
                        Console.out(Console.styled("upload \(outcome.rawValue)", .red) + " for \(model); ledger seq \(entry.seq)")
                        if let problem { Console.note("  \(problem)") }
                    }
                }
                if outcome != .succeeded { throw ExitCode(LedgerExitCode(failed: outcome).rawValue) }
            }
        }

        /// Gets the upload URL, uploads the file, and records one `job.uploaded` entry.
        private func uploadAndRecord(
            client: EPAClient, apiKey: String, store: LedgerStore, ring: KeyRing, fileName: String, sha256: String, size: Int64
        ) async throws -> (entry: LedgerEntry, outcome: CallOutcome, problem: String?, job: String?) {
            var draft = EntryDraft(kind: EntryKind.jobUploaded)
            draft.model = modelReason.model
            draft.reason = modelReason.reason
            draft.apiKeyID = EPAClient.apiKeyID(apiKey)
            var details: [String: JSONValue] = [
                "file_name": .string(fileName), "file_sha256": .string(sha256), "file_size": .integer(size),
            ]
            let urlCall = try await client.uploadURL(filename: fileName, apiKey: apiKey)
            draft.record(urlCall)
            var outcome = urlCall.outcome
            var problem = urlCall.error?.localizedDescription
            if let issued = urlCall.response {
                draft.retrainJobID = issued.retrainJobID
                details["upload_url_host"] = .string(URL(string: issued.uploadURL)?.host ?? "?")
                do {
                    let upload = try await client.upload(fileAt: file, to: issued.uploadURL)
                    details["upload_http_status"] = upload.httpStatus.map { .integer(Int64($0)) } ?? .null
                    details["upload_duration_ms"] = .integer(upload.durationMs)
                    outcome = upload.outcome
                    draft.outcome = Outcome(upload.outcome)
                    if let error = upload.error {
                        draft.errorCode = error.code
                        draft.errorMessage = "upload: " + (error.serviceMessage ?? error.localizedDescription)
                        problem = "the upload failed: \(error.localizedDescription)"
                    }
                } catch {
                    // The service handed out a URL the client refuses (e.g. plain http to a remote host), or the
                    // file can no longer be read: the job was issued, so it is recorded, as failed (exit 4).
                    details["upload_http_status"] = .null
                    outcome = .failed
                    draft.outcome = .failed
                    draft.errorMessage = "upload not attempted: " + error.localizedDescription
                    problem = "the upload was not attempted: \(error.localizedDescription)"
                }
            }
            draft.details = (draft.details ?? [:]).merging(details) { _, new in new }
            let entry = try store.append(draft, keyRing: ring, provenance: who.provenance)
            return (entry, outcome, problem, draft.retrainJobID)
        }
    }
}
