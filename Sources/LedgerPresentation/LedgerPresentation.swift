/// LedgerPresentation: what a command's result looks like, shared by the CLI and the service.
///
/// Each result has one JSON document (what `--format json` prints and what the service answers), an
/// exit code, and the report renderers (text, JSON, CSV, HTML).
public enum LedgerPresentation {}
