import EPAClient
import Foundation
import LedgerCore

/// A training-data file to upload, with the lineage recorded for it.
public struct UploadFile: Sendable, Equatable {
    /// The file's path.
    public var path: String
    /// Its last path component (sent as `filename`, recorded as `file_name`).
    public var name: String
    /// SHA-256 of its bytes (lowercase hex).
    public var sha256: String
    /// Its size in bytes.
    public var size: Int64

    /// Reads and hashes the file at `path` (``LedgerError`` when it cannot be read).
    public init(path: String) throws {
        self.path = path
        (sha256, size) = try Digest.sha256Hex(fileAt: path)
        name = (path as NSString).lastPathComponent
    }
}

/// What ``UploadService`` did.
public struct UploadResult: Sendable {
    /// The `job.uploaded` entry.
    public var entry: LedgerEntry
    /// How it ended (the upload's outcome once a URL was issued).
    public var outcome: CallOutcome
    /// Why it did not succeed, in words (never the presigned URL).
    public var explanation: String?
    /// The retrain job the service issued, if any.
    public var retrainJobID: String?
    /// The file uploaded.
    public var file: UploadFile
}

/// The audited upload: gets an upload URL, PUTs the file to it, and records one `job.uploaded`
/// entry with the outcome, the issued retrain job and the data's lineage (`file_name`,
/// `file_sha256`, `file_size`, `upload_http_status`, `upload_url_host`; the presigned URL itself
/// is never recorded). Never prints.
public struct UploadService {
    /// The ledger, opened for writing (``LedgerSession/openForWriting(_:)``).
    public let session: LedgerSession
    /// The vendor API client (the caller shuts it down).
    public let client: EPAClient
    private let apiKey: String

    /// A service writing to `session` and calling the API with `client` and `apiKey`.
    public init(session: LedgerSession, client: EPAClient, apiKey: String) {
        self.session = session
        self.client = client
        self.apiKey = apiKey
    }

    /// Uploads `file` for `model`, recording why (`reason`) and who (`provenance`).
    public func run(file: UploadFile, model: String, reason: String, provenance: Provenance) async throws -> UploadResult {
        var draft = EntryDraft(kind: EntryKind.jobUploaded)
        draft.model = model
        draft.reason = reason
        draft.apiKeyID = EPAClient.apiKeyID(apiKey)
        var details: [String: JSONValue] = [
            "file_name": .string(file.name), "file_sha256": .string(file.sha256), "file_size": .integer(file.size),
        ]
        let urlCall = try await client.uploadURL(filename: file.name, apiKey: apiKey)
        draft.record(urlCall)
        var outcome = urlCall.outcome
        var problem = urlCall.error?.localizedDescription
        if let issued = urlCall.response {
            draft.retrainJobID = issued.retrainJobID
            details["upload_url_host"] = .string(URL(string: issued.uploadURL)?.host ?? "?")
            do {
                let upload = try await client.upload(fileAt: file.path, to: issued.uploadURL)
                details["upload_http_status"] = upload.httpStatus.map { .integer(Int64($0)) } ?? .null
                details["upload_duration_ms"] = .integer(upload.durationMs)
                outcome = upload.outcome
                draft.outcome = upload.outcome
                if let error = upload.error {
                    draft.errorCode = error.code
                    draft.errorMessage = "upload: " + (error.serviceMessage ?? error.localizedDescription)
                    problem = "the upload failed: \(error.localizedDescription)"
                }
            } catch {
                // The service handed out a URL the client refuses (e.g. plain http to a remote host), or the
                // file can no longer be read: the job was issued, so it is recorded, as failed.
                details["upload_http_status"] = .null
                outcome = .failed
                draft.outcome = .failed
                draft.errorMessage = "upload not attempted: " + error.localizedDescription
                problem = "the upload was not attempted: \(error.localizedDescription)"
            }
        }
        draft.details = (draft.details ?? [:]).merging(details) { _, new in new }
        let entry = try session.append(draft, provenance: provenance)
        return UploadResult(entry: entry, outcome: outcome, explanation: problem, retrainJobID: draft.retrainJobID, file: file)
    }
}

/// What to check: the plain input of ``StatusService``.
public struct StatusRequest: Sendable {
    /// The retrain job.
    public var retrainJobID: String
    /// The operator's name for the model.
    public var model: String
    /// Who checks.
    public var provenance: Provenance
    /// The status words in force.
    public var words: JobStatusWords
    /// Poll until the job reports a finished or failed word (or `waitTimeout` runs out).
    public var wait: Bool
    /// Seconds before the second check (then ×1.5 per check, at most 30 s apart).
    public var interval: Double
    /// Seconds after which waiting gives up.
    public var waitTimeout: Double

    /// Creates a request.
    public init(
        retrainJobID: String, model: String, provenance: Provenance, words: JobStatusWords, wait: Bool, interval: Double,
        waitTimeout: Double
    ) {
        self.retrainJobID = retrainJobID
        self.model = model
        self.provenance = provenance
        self.words = words
        self.wait = wait
        self.interval = interval
        self.waitTimeout = waitTimeout
    }
}

/// Progress of a status check, reported while it runs.
public enum StatusEvent: Sendable, Equatable {
    /// The service answered a word that is not a known status word (said once per word);
    /// `stillWaiting` when polling goes on.
    case unknownWord(String, stillWaiting: Bool)
    /// Waiting before the next check: the last status (nil without an answer), whether it was an
    /// unknown word, the number of checks so far and the whole seconds elapsed.
    case waiting(status: String?, unknown: Bool, checks: Int, elapsedSeconds: Int)
}

/// How a status check ended.
public enum StatusEnd: Sendable, Equatable {
    /// Checked (with `wait`: the job finished).
    case checked
    /// The last call did not succeed.
    case callDidNotSucceed(CallOutcome)
    /// With `wait`: the job failed, or `stillGoing` (its last status word) when the wait timed out
    /// while it was running or in an unknown status.
    case notFinished(stillGoing: String?)
}

/// What ``StatusService`` did.
public struct StatusResult: Sendable {
    /// The last status call.
    public var call: EPACall<StatusResponse>
    /// The seq of the last `job.checked` entry.
    public var seq: Int64
    /// How many checks were made.
    public var checks: Int
    /// Seconds from the first check to the last entry.
    public var elapsed: Double
    /// How it ended.
    public var end: StatusEnd
}

/// The audited status check: `GET` the job's status, record `job.checked` (with `model_id`,
/// `details.status`, `details.checks`); with `wait`, poll with backoff and record whenever the
/// status changes and at the end. Never prints: progress goes to `onEvent`.
public struct StatusService {
    /// The ledger, opened for writing (``LedgerSession/openForWriting(_:)``).
    public let session: LedgerSession
    /// The vendor API client (the caller shuts it down).
    public let client: EPAClient
    private let apiKey: String

    /// A service writing to `session` and calling the API with `client` and `apiKey`.
    public init(session: LedgerSession, client: EPAClient, apiKey: String) {
        self.session = session
        self.client = client
        self.apiKey = apiKey
    }

    /// Checks (and with `request.wait` waits for) the job.
    public func run(_ request: StatusRequest, onEvent: (StatusEvent) -> Void = { _ in }) async throws -> StatusResult {
        let words = request.words
        let started = Date()
        var delay = request.interval
        var checks = 0
        var lastRecorded: String?
        var announced = Set<String>()
        while true {
            checks += 1
            let call = try await client.status(retrainJobID: request.retrainJobID, apiKey: apiKey)
            let status = call.response?.status
            let meaning = status.map(words.classify)
            // Running and unknown words keep waiting (an unknown word is never taken for an end).
            let stillGoing: Bool
            switch meaning {
            case .running?, .unknown?: stillGoing = call.succeeded
            default: stillGoing = false
            }
            let timedOut = Date().timeIntervalSince(started) + delay > request.waitTimeout
            let finalCheck = !request.wait || !stillGoing || timedOut
            if case .unknown(let word)? = meaning, announced.insert(word).inserted {
                onEvent(.unknownWord(word, stillWaiting: request.wait && !finalCheck))
            }
            if finalCheck || status != lastRecorded {
                var draft = EntryDraft(kind: EntryKind.jobChecked)
                draft.model = request.model
                draft.retrainJobID = request.retrainJobID
                draft.apiKeyID = EPAClient.apiKeyID(apiKey)
                var extra: [String: JSONValue] = ["checks": .integer(Int64(checks))]
                if let download = call.response?.downloadURL { extra["download_url_present"] = .bool(!download.isEmpty) }
                draft.recordStatusCheck(call, cap: client.configuration.responseBodyCap, extra: extra)
                let entry = try session.append(draft, provenance: request.provenance)
                lastRecorded = status
                if finalCheck {
                    let end: StatusEnd
                    if !call.succeeded {
                        end = .callDidNotSucceed(call.outcome)
                    } else if request.wait && meaning != .finished {
                        end = .notFinished(stillGoing: stillGoing ? status : nil)
                    } else {
                        end = .checked
                    }
                    return StatusResult(call: call, seq: entry.seq, checks: checks, elapsed: Date().timeIntervalSince(started), end: end)
                }
            }
            let unknown = if case .unknown? = meaning { true } else { false }
            onEvent(.waiting(status: status, unknown: unknown, checks: checks, elapsedSeconds: Int(Date().timeIntervalSince(started))))
            try await Task.sleep(nanoseconds: UInt64(delay * 1_000_000_000))
            delay = min(delay * 1.5, 30)
        }
    }
}
