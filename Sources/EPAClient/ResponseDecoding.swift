import LedgerPrimitives

/// Decoding of 2xx bodies and the judgement of an HTTP answer.
///
/// A body is read with LedgerCore's strict parser: an object that repeats a member name (at any depth)
/// is malformed, never "last wins", because the service (or anything between it and us) could then show
/// one value to one reader and another to the ledger.
enum ResponseDecoding {
    static func json(_ body: [UInt8]) -> Result<[String: JSONValue], EPAError> {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: body)
        } catch let error as JSONParseError {
            if error.duplicateMember != nil {
                return .failure(
                    .malformedResponse(
                        reason: "the body repeats a member name in one object (\(error.description)); duplicated members are refused"))
            }
            return .failure(.malformedResponse(reason: "the body is not JSON (\(error.description))"))
        } catch {
            return .failure(.malformedResponse(reason: "the body is not JSON"))
        }
        guard let object = value.objectValue else {
            return .failure(.malformedResponse(reason: "the body is JSON but not an object"))
        }
        return .success(object)
    }

    static func string(_ object: [String: JSONValue], _ key: String, path: String? = nil) -> Result<String?, EPAError> {
        switch object[key] {
        case nil, .null?: .success(nil)
        case .string(let s)?: .success(s)
        default: .failure(.malformedResponse(reason: "\(path ?? key) is not a string"))
        }
    }

    static func metadataJobID(_ object: [String: JSONValue], expected: String) -> Result<String, EPAError> {
        guard let metadata = object["metadata"], metadata != .null else {
            return .failure(.malformedResponse(reason: "metadata.retrain_job_id is missing"))
        }
        guard let members = metadata.objectValue else {
            return .failure(.malformedResponse(reason: "metadata is not an object"))
        }
        switch string(members, "retrain_job_id", path: "metadata.retrain_job_id") {
        case .failure(let error): return .failure(error)
        case .success(nil): return .failure(.malformedResponse(reason: "metadata.retrain_job_id is missing"))
        case .success(let received?):
            guard received == expected else { return .failure(.jobIDMismatch(expected: expected, received: received)) }
            return .success(received)
        }
    }

    static func switchResponse(_ body: [UInt8], expectedJobID: String) -> Result<SwitchResponse, EPAError> {
        json(body).flatMap { metadataJobID($0, expected: expectedJobID) }.map(SwitchResponse.init(retrainJobID:))
    }

    static func statusResponse(_ body: [UInt8], expectedJobID: String) -> Result<StatusResponse, EPAError> {
        json(body).flatMap { object in
            Result { () throws(EPAError) -> StatusResponse in
                guard let status = try string(object, "status").get() else {
                    throw .malformedResponse(reason: "status is missing")
                }
                let modelID: Int64?
                switch object["model_id"] {
                case nil, .null?: modelID = nil
                case .integer(let i)?: modelID = i
                case .string(let s)? where !s.isEmpty && s.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) && Int64(s) != nil:
                    modelID = Int64(s)
                default: throw .malformedResponse(reason: "model_id is not an integer")
                }
                let message = try string(object, "message").get()
                let downloadURL = try string(object, "download_url").get()
                let jobID = try metadataJobID(object, expected: expectedJobID).get()
                return StatusResponse(
                    status: status, modelID: modelID, message: message, downloadURL: downloadURL, retrainJobID: jobID)
            }
        }
    }

    static func uploadURLResponse(_ body: [UInt8]) -> Result<UploadURLResponse, EPAError> {
        json(body).flatMap { object in
            Result { () throws(EPAError) -> UploadURLResponse in
                guard let jobID = try string(object, "retrain_job_id").get() else {
                    throw .malformedResponse(reason: "retrain_job_id is missing")
                }
                if let problem = RetrainJobID.problem(with: jobID) {
                    throw .malformedResponse(reason: "retrain_job_id is not a safe path segment: \(problem)")
                }
                guard let uploadURL = try string(object, "upload_url").get(), !uploadURL.isEmpty else {
                    throw .malformedResponse(reason: "upload_url is missing")
                }
                return UploadURLResponse(retrainJobID: jobID, uploadURL: uploadURL)
            }
        }
    }

    /// A 2xx whose body is not the documented success shape but an error body: never a success.
    ///
    /// A documented message is that documented error (the status is undocumented). Otherwise a JSON object
    /// that carries a `code` or an `error` name is an error the manual does not document: a refusal
    /// (``EPAError/undocumented(httpStatus:code:error:message:)``, `rejected`) when its code is the
    /// documented bad-request code 4001000204, else a failure
    /// (``EPAError/serverError(httpStatus:code:error:message:)``, `failed`). Anything else is `nil`: the
    /// caller keeps its "malformed" verdict.
    static func errorUnderSuccess(status: Int, body: [UInt8]) -> (CallOutcome, EPAError)? {
        let parsed = ServiceErrorBody(parsing: body)
        if let message = parsed.message, let documented = EPAError.documented(matchingMessage: message) {
            return (documented.isServerSide ? .failed : .rejected, documented)
        }
        guard parsed.code != nil || parsed.error != nil,
            case .object? = try? JSONValue(parsing: body)
        else { return nil }
        if parsed.code == EPAError.badRequestCode {
            return (.rejected, .undocumented(httpStatus: status, code: parsed.code, error: parsed.error, message: parsed.message))
        }
        return (.failed, .serverError(httpStatus: status, code: parsed.code, error: parsed.error, message: parsed.message))
    }

    /// Whether a JSON object body has a non-null top-level `code`, `error` or `errors` member (any letter case).
    static func carriesError(_ body: [UInt8]) -> Bool {
        guard let object = (try? JSONValue(parsing: body))?.objectValue else { return false }
        return object.contains { key, value in
            value != .null && ["code", "error", "errors"].contains(key.lowercased())
        }
    }

    /// Judges an HTTP answer. `bodyComplete` is false when the body exceeded the parse limit.
    static func judge<R>(
        status: Int, body: [UInt8], bodyComplete: Bool, decode: ([UInt8]) -> Result<R, EPAError>
    ) -> (CallOutcome, R?, EPAError?) {
        switch status {
        case 200..<300:
            guard bodyComplete else {
                return (
                    .failed, nil,
                    .malformedResponse(
                        reason: "the body is larger than \(EPAConfiguration.parseLimit) bytes")
                )
            }
            switch decode(body) {
            case .success(let response):
                // Success fields next to an error (`code`, `error`, `errors`): not a success to record.
                guard carriesError(body) else { return (.succeeded, response, nil) }
                if let verdict = errorUnderSuccess(status: status, body: body) { return (verdict.0, nil, verdict.1) }
                return (.failed, nil, .malformedResponse(reason: "the answer carries an error (code/error members) next to the success fields"))
            case .failure(let error):
                guard case .malformedResponse = error else { return (.failed, nil, error) }
                guard let verdict = errorUnderSuccess(status: status, body: body) else { return (.failed, nil, error) }
                return (verdict.0, nil, verdict.1)
            }
        case 408, 429:
            // "Too many requests" / "request timeout" (what a gateway says when it throttles or gives up):
            // the service did not take the request up, so nothing it decided is known: a failure, not a refusal.
            let error = EPAError.fromErrorResponse(httpStatus: status, body: body)
            if case .undocumented(let status, let code, let name, let message) = error {
                return (.failed, nil, .serverError(httpStatus: status, code: code, error: name, message: message))
            }
            return (error.isServerSide ? .failed : .rejected, nil, error)
        case 400..<500:
            return (.rejected, nil, EPAError.fromErrorResponse(httpStatus: status, body: body))
        default:
            return (.failed, nil, EPAError.fromErrorResponse(httpStatus: status, body: body))
        }
    }
}

/// The one rule for keeping service text within a cap (the recorded response body, and the status
/// message and word a `job.checked` entry stores).
public enum ServiceText {
    /// `text` cut to at most `cap` UTF-8 bytes at a Unicode scalar boundary (never a partial character,
    /// never a U+FFFD made by the cut), and whether anything was cut.
    public static func capped(_ text: String, bytes cap: Int) -> (text: String, truncated: Bool) {
        guard text.utf8.count > cap else { return (text, false) }
        var kept = String.UnicodeScalarView()
        var size = 0
        for scalar in text.unicodeScalars {
            let width = UTF8.width(scalar)
            if size + width > cap { break }
            kept.append(scalar)
            size += width
        }
        return (String(kept), true)
    }
}
