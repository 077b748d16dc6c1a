// Wire shapes as a client sees them, decoded independently of the simulator's own types.

struct ErrorReply: Decodable, Equatable {
    var code: Int
    var error: String
    var message: String

    static func bad(_ message: String) -> ErrorReply {
        ErrorReply(code: 4_001_000_204, error: "PREDA_EXTERNAL_BAD_REQUEST", message: message)
    }

    static func internalError(_ message: String) -> ErrorReply {
        ErrorReply(code: 5_001_000_201, error: "PREDA_EXTERNAL_INTERNAL_SERVER_ERROR", message: message)
    }
}

struct MetadataReply: Decodable, Equatable {
    var retrain_job_id: String
}

struct SwitchReply: Decodable, Equatable {
    var metadata: MetadataReply
}

struct StatusReply: Decodable, Equatable {
    var status: String
    var model_id: Int?
    var message: String?
    var download_url: String?
    var metadata: MetadataReply
}

struct UploadReply: Decodable, Equatable {
    var retrain_job_id: String
    var upload_url: String
}
