// LedgerPresentation: what a command's result looks like, shared by the CLI and the service.
//
// Each result has one JSON document (what `--format json` prints and what the service answers), an
// exit code, and the report renderers (text, JSON, CSV, HTML). Errors are classified once
// (`ErrorPresentation`): the CLI's exit code and message and the service's HTTP status come from it.
