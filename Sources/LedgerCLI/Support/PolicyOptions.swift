import ArgumentParser
import Foundation
import LedgerCore
import LedgerWorkflows

/// `--policy FILE` / `LEDGER_POLICY` / the config file's `policy`: the approval policy file (TOML,
/// docs/policy.md), for every command that writes. The one place the policy file is chosen
/// (through ``CLIConfig``: flags > environment > config file).
///
/// Without a policy file, the policy recorded in the ledger (the newest `policy.set`), if any, is in
/// force; with none recorded, no approval is needed (as before approvals existed).
struct PolicyOptions: ParsableArguments {
    @Option(
        name: .customLong("policy"),
        help: ArgumentHelp(
            "The approval policy file, TOML (default: $LEDGER_POLICY, else the config file's policy, else the policy recorded in the ledger, if any; see docs/policy.md).",
            valueName: "path"))
    var policyFile: String?

    func validate() throws {
        if policyFile?.isEmpty == true { throw ValidationError("--policy must not be empty") }
    }

    /// The policy file in force and where its path came from (flag, `LEDGER_POLICY`, config file), if any.
    var resolved: ResolvedSetting? { CLIConfig.resolved().policy(flag: policyFile) }

    /// The policy file in force and where its path came from (`--policy`, `LEDGER_POLICY` or
    /// `config FILE:LINE`), if any.
    var path: (path: String, source: String)? {
        resolved.map { ($0.value, $0.source.kind == "config" ? $0.source.description : $0.source.origin ?? "") }
    }

    /// Loads the policy file in force; a missing, unreadable or invalid file is a configuration error (exit 78).
    func load() throws -> LoadedPolicy? {
        guard let (path, _) = path else { return nil }
        do {
            return try PolicyFile.load(path: path)
        } catch {
            throw CLIError(message: error.localizedDescription, exitCode: .configError)
        }
    }
}
