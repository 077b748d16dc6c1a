// libFuzzer target: how the EPA client reads the service's answers (Sources/EPAClient/ResponseDecoding.swift,
// ServiceErrorBody.swift, EPAError.swift). Compiled into the EPAClient module together with the client's
// files that do not use AsyncHTTPClient, so that it reaches the internal ResponseDecoding.
//
// The input is one HTTP body. Properties:
//  - decoding never crashes, whatever the body (switch, status, upload-URL and error bodies);
//  - a 2xx body is accepted only when it is one JSON object with no repeated member name, and only for
//    the requested job id (switch, status) or a safe job id and a non-empty upload URL (upload);
//  - judge(): 2xx is succeeded exactly when decoding succeeds, an incomplete body is never succeeded,
//    4xx is rejected, 5xx and other statuses are failed; every error has a description.
// Built and run by scripts/fuzz.sh (`make fuzz`).
import Foundation
import LedgerPrimitives


private func fail(_ message: String, _ input: [UInt8]) -> Never {
    FileHandle.standardError.write(Data("FUZZ PROPERTY FAILED: \(message)\ninput (\(input.count) bytes): \(String(decoding: input.prefix(300), as: UTF8.self))\n".utf8))
    abort()
}

private let jobID = "job-1"

private func requireStrictObject(_ body: [UInt8], _ what: String) {
    guard case .object? = try? JSONValue(parsing: body) else {
        fail("\(what) accepted a body that is not one strict JSON object", body)
    }
}

private func describe(_ error: EPAError?, _ body: [UInt8]) {
    guard let error else { return }
    // Every error must describe itself (these strings reach the terminal and the ledger).
    if (error.errorDescription ?? "").isEmpty { fail("an error without a description: \(error)", body) }
    _ = error.code
    _ = error.isServerSide
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzServiceAnswers(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let body = Array(UnsafeBufferPointer(start: data, count: size))

    switch ResponseDecoding.switchResponse(body, expectedJobID: jobID) {
    case .success(let response):
        requireStrictObject(body, "switchResponse")
        if response.retrainJobID != jobID { fail("switchResponse accepted another job id", body) }
    case .failure(let error): describe(error, body)
    }
    switch ResponseDecoding.statusResponse(body, expectedJobID: jobID) {
    case .success(let response):
        requireStrictObject(body, "statusResponse")
        if response.retrainJobID != jobID { fail("statusResponse accepted another job id", body) }
    case .failure(let error): describe(error, body)
    }
    switch ResponseDecoding.uploadURLResponse(body) {
    case .success(let response):
        requireStrictObject(body, "uploadURLResponse")
        if let problem = RetrainJobID.problem(with: response.retrainJobID) {
            fail("uploadURLResponse accepted an unsafe job id: \(problem)", body)
        }
        if response.uploadURL.isEmpty { fail("uploadURLResponse accepted an empty upload URL", body) }
    case .failure(let error): describe(error, body)
    }

    let parsed = ServiceErrorBody(parsing: body)
    _ = parsed.isEmpty
    for status in [200, 302, 400, 500] {
        describe(EPAError.fromErrorResponse(httpStatus: status, body: body), body)
        for complete in [true, false] {
            let (outcome, response, error) = ResponseDecoding.judge(
                status: status, body: body, bodyComplete: complete,
                decode: { ResponseDecoding.statusResponse($0, expectedJobID: jobID) })
            describe(error, body)
            switch status {
            case 200..<300:
                if outcome == .succeeded {
                    if !complete { fail("an incomplete body was judged succeeded", body) }
                    if response == nil || error != nil { fail("succeeded without a response, or with an error", body) }
                } else if response != nil || error == nil {
                    fail("a 2xx that is not succeeded must carry an error and no response", body)
                }
            case 400..<500:
                if outcome != .rejected || response != nil { fail("a 4xx was not judged rejected", body) }
            default:
                if outcome != .failed || response != nil { fail("status \(status) was not judged failed", body) }
            }
        }
    }
    return 0
}
