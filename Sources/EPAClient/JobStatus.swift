import Foundation

/// What a retrain job's status word means to the ledger.
public enum JobStatusClass: Sendable, Equatable, Hashable {
    /// Retraining completed: the job can be switched to.
    case finished
    /// Retraining failed: the job will never finish.
    case failed
    /// Retraining is in progress.
    case running
    /// A word that is none of the above, as received. It counts as "not finished".
    case unknown(String)
}

/// The words that mean finished, failed and running, and the one rule that classifies a status word.
///
/// The vendor's manual never lists the status words of the Retrain Status Check API. The defaults are
/// the words the ledger has always relied on (`finished`, `failed`, `running`); configuration may name
/// extra finished and failed words (`--finished-status` / `--failed-status`, or `EPA_FINISHED_STATUSES`
/// / `EPA_FAILED_STATUSES`). Words are compared after trimming surrounding whitespace, without regard to
/// letter case. A word in none of the sets is ``JobStatusClass/unknown(_:)``: never finished.
public struct JobStatusWords: Sendable, Equatable {
    /// The built-in finished words.
    public static let defaultFinished = ["finished"]
    /// The built-in failed words.
    public static let defaultFailed = ["failed"]
    /// The built-in running words.
    public static let defaultRunning = ["running"]
    /// The longest word accepted from configuration, in UTF-8 bytes.
    public static let maximumWordLength = 64

    /// Words that mean finished, normalized (trimmed, lower case), built-in ones first.
    public private(set) var finished: [String]
    /// Words that mean failed, normalized, built-in ones first.
    public private(set) var failed: [String]
    /// Words that mean running, normalized.
    public private(set) var running: [String]

    /// The built-in words only.
    public init() {
        finished = Self.defaultFinished
        failed = Self.defaultFailed
        running = Self.defaultRunning
    }

    /// The built-in words plus `extraFinished` and `extraFailed` (normalized; duplicates are dropped).
    ///
    /// - Throws: ``JobStatusWordError`` for an empty word, one longer than ``maximumWordLength`` bytes, one
    ///   with a control or invisible character, or one that would mean two things (a failed word that is
    ///   also finished, or any configured word that is a running word).
    public init(extraFinished: [String], extraFailed: [String]) throws(JobStatusWordError) {
        self.init()
        for word in extraFinished {
            try add(word, to: \.finished, as: "finished")
        }
        for word in extraFailed {
            try add(word, to: \.failed, as: "failed")
        }
    }

    private mutating func add(
        _ raw: String, to set: WritableKeyPath<JobStatusWords, [String]>, as meaning: String
    ) throws(JobStatusWordError) {
        let word = Self.normalize(raw)
        if word.isEmpty { throw JobStatusWordError(reason: "a \(meaning) status word is empty") }
        if word.utf8.count > Self.maximumWordLength {
            throw JobStatusWordError(
                reason: "the \(meaning) status word \(Self.quoted(raw)) is longer than \(Self.maximumWordLength) bytes")
        }
        if word.unicodeScalars.contains(where: Self.isInvisible) {
            throw JobStatusWordError(
                reason: "the \(meaning) status word \(Self.quoted(raw)) contains a control or invisible character")
        }
        let other = classify(word)
        switch other {
        case .unknown:
            self[keyPath: set].append(word)
        case .finished where meaning == "finished", .failed where meaning == "failed":
            return
        default:
            throw JobStatusWordError(
                reason: "\(Self.quoted(raw)) cannot be a \(meaning) status word: it already means \(Self.name(other))")
        }
    }

    /// `word` as compared: surrounding whitespace removed, lower case.
    public static func normalize(_ word: String) -> String {
        word.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    /// What `status` (a word as the service sent it) means.
    public func classify(_ status: String) -> JobStatusClass {
        let word = Self.normalize(status)
        if finished.contains(word) { return .finished }
        if failed.contains(word) { return .failed }
        if running.contains(word) { return .running }
        return .unknown(status)
    }

    /// `finished: "finished", "completed"; failed: "failed"; running: "running"`, for messages.
    public var summary: String {
        "finished: \(Self.list(finished)); failed: \(Self.list(failed)); running: \(Self.list(running))"
    }

    /// The finished words as a message names them: `"finished"`, or `one of "finished", "completed"`.
    public var finishedPhrase: String {
        finished.count == 1 ? Self.list(finished) : "one of " + Self.list(finished)
    }

    /// The words of a comma-separated list (`EPA_FINISHED_STATUSES=completed,done`); empty items are skipped.
    public static func parseList(_ text: String) -> [String] {
        text.split(separator: ",", omittingEmptySubsequences: false)
            .map(String.init)
            .filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
    }

    /// `"word"`, cut to 80 characters with `…`. Not escaped: callers show it through their own escaping
    /// (the CLI's diagnostics neutralise control characters).
    public static func quoted(_ word: String) -> String {
        let limit = 80
        return word.count > limit ? "\"\(word.prefix(limit))…\"" : "\"\(word)\""
    }

    private static func list(_ words: [String]) -> String {
        words.map { quoted($0) }.joined(separator: ", ")
    }

    private static func name(_ meaning: JobStatusClass) -> String {
        switch meaning {
        case .finished: "finished"
        case .failed: "failed"
        case .running: "running"
        case .unknown: "nothing"
        }
    }

    private static func isInvisible(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
            || scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .format
            || scalar.properties.generalCategory == .lineSeparator
            || scalar.properties.generalCategory == .paragraphSeparator
    }
}

/// A configured status word that cannot be used; ``reason`` names it.
public struct JobStatusWordError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    /// Why the word was refused.
    public var reason: String
    /// Creates an error.
    public init(reason: String) { self.reason = reason }
    /// The reason.
    public var description: String { reason }
    /// The reason.
    public var errorDescription: String? { reason }
}
