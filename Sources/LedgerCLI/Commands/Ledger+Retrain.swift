import ArgumentParser

extension Ledger {
    /// `ledger retrain`: the audited upload and status steps of the retrain lifecycle.
    struct Retrain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "retrain",
            abstract: "Upload retraining data and follow the job, recording each step in the ledger.",
            discussion: """
                The lifecycle: `ledger retrain upload` (data lineage: file name, size, SHA-256 and
                the issued retrain_job_id) → `ledger retrain status --wait` → `ledger switch`.

                Example:
                  ledger retrain upload data/churn-2026-11.csv --model churn --reason CHG-1234
                  ledger retrain status <retrain-job-id> --model churn --wait
                  ledger switch <retrain-job-id> --model churn --reason CHG-1234
                """,
            subcommands: [Upload.self, Status.self]
        )
    }
}
