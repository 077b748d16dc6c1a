// LedgerPresentation: what a command's result looks like, shared by the CLI and the service.
//
// Each result has one JSON document (what `--format json` prints and what the service answers), an
// exit code, and the report renderers (text, JSON, CSV, HTML). Errors are classified once
// (`ErrorPresentation`): the CLI's exit code and message and the service's HTTP status come from it.

/// The version of model-ledger, as `ledger --version` prints it and the HTML report's generator names it.
public enum LedgerVersion {
    /// `0.1.0`.
    public static let current = "0.1.0"
}
