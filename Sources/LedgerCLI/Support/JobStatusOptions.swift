import ArgumentParser
import EPAClient
import Foundation

/// `--finished-status WORD` / `--failed-status WORD` (repeatable; environment fallbacks
/// `EPA_FINISHED_STATUSES` / `EPA_FAILED_STATUSES`, comma-separated): extra status words for the
/// commands that act on a job's status (`switch`, `retrain status`). The rule itself is
/// ``JobStatusWords`` in EPAClient.
struct JobStatusOptions: ParsableArguments {
    @Option(
        name: .customLong("finished-status"),
        help: ArgumentHelp(
            "A status word that also means the job finished (repeatable; compared ignoring case). Default: $EPA_FINISHED_STATUSES (comma-separated); \"finished\" always counts.",
            valueName: "word"))
    var finishedStatus: [String] = []

    @Option(
        name: .customLong("failed-status"),
        help: ArgumentHelp(
            "A status word that also means the job failed (repeatable; compared ignoring case). Default: $EPA_FAILED_STATUSES (comma-separated); \"failed\" always counts.",
            valueName: "word"))
    var failedStatus: [String] = []

    func validate() throws {
        do {
            _ = try JobStatusWords(
                extraFinished: finishedStatus.flatMap(JobStatusWords.parseList) + finishedStatus.filter(Self.isBlank),
                extraFailed: failedStatus.flatMap(JobStatusWords.parseList) + failedStatus.filter(Self.isBlank))
        } catch {
            throw ValidationError("--finished-status / --failed-status: \(error.reason)")
        }
    }

    private static func isBlank(_ text: String) -> Bool {
        text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
    }

    /// The words in force: the flags when any is given, else the environment, on top of the built-in words.
    /// A bad word in the environment is a configuration error (exit 78); flags were checked by `validate()`.
    func words() throws -> JobStatusWords {
        let environment = ProcessInfo.processInfo.environment
        let finished =
            finishedStatus.isEmpty
            ? JobStatusWords.parseList(environment["EPA_FINISHED_STATUSES"] ?? "") : finishedStatus.flatMap(JobStatusWords.parseList)
        let failed =
            failedStatus.isEmpty
            ? JobStatusWords.parseList(environment["EPA_FAILED_STATUSES"] ?? "") : failedStatus.flatMap(JobStatusWords.parseList)
        do {
            return try JobStatusWords(extraFinished: finished, extraFailed: failed)
        } catch {
            throw CLIError(
                message: "EPA_FINISHED_STATUSES / EPA_FAILED_STATUSES: \(error.reason)", exitCode: .configError)
        }
    }
}
