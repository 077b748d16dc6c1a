import ArgumentParser
import EPAClient
import Foundation
import LedgerCore
import LedgerWorkflows

extension Ledger.Retrain {
    /// `ledger retrain upload FILE`: gets an upload URL, uploads the file, records the lineage.
    struct Upload: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "upload",
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
        @OptionGroup var remote: RemoteOptions
        @Option(help: "Output format: text or json.") var format: TextOrJSON = .text

        func validate() throws {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory), !isDirectory.boolValue else {
                throw ValidationError("no such file: \(DisplayText.terminal(file))")
            }
            guard FileManager.default.isReadableFile(atPath: file) else { throw ValidationError("cannot read \(DisplayText.terminal(file))") }
        }

        func run() async throws {
            let refused =
                RemoteRun.localOnly(options) + [
                    ("--actor", who.actor != nil), ("--api-key-file", service.apiKeyFile != nil), ("--base-url", service.baseURL != nil),
                ]
            let remoteHandled = try await RemoteRun.ifRemote(remote, caFile: service.caFile, localOnly: refused) { client in
                try await RemoteRun.upload(client, file: file, model: modelReason.model, reason: modelReason.reason) { document in
                    RetrainOutput.print(uploadDocument: document, format: format)
                }
            }
            if remoteHandled { return }
            try await runReportingErrors {
                let apiKey = try service.apiKey(model: modelReason.model)
                let session = try options.openForWriting()
                let upload = try UploadFile(path: file)
                let result = try await service.withClient(model: modelReason.model) { client in
                    try await UploadService(session: session, client: client, apiKey: apiKey)
                        .run(file: upload, model: modelReason.model, reason: modelReason.reason, provenance: who.provenance)
                }
                RetrainOutput.print(result, model: modelReason.model, format: format)
                if result.outcome != .succeeded { throw ExitCode(LedgerExitCode(failed: result.outcome).rawValue) }
            }
        }
    }
}
