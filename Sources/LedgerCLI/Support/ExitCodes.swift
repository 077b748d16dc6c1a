import ArgumentParser
import Foundation
// Every file of the CLI (and its tests) sees what a result looks like: `LedgerExitCode`,
// `ErrorPresentation`, `DisplayText` and the `*Presentation` documents, shared with the service.
@_exported import LedgerPresentation

/// Errors raised by the commands themselves: ``LedgerPresentation/CommandError``.
typealias CLIError = CommandError

/// Runs a command body, turning errors into a one-line diagnostic on stderr and a documented exit code
/// (``ErrorPresentation/classify(_:)``: the same rule as the service's error answers).
func runReportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ExitCode {
        throw error
    } catch let error as CleanExit {
        throw error
    } catch let error as ValidationError {
        throw error
    } catch {
        let presentation = ErrorPresentation.classify(error)
        Console.error(presentation.message)
        throw ExitCode(presentation.exitCode.rawValue)
    }
}
