import ArgumentParser
import Foundation
import LedgerCore
import LedgerWorkflows

extension Ledger {
    /// `ledger users`: the ledger service's users (bearer tokens and roles), on the service host.
    struct Users: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "users",
            abstract: "Add, list or revoke the users of the ledger service (`ledger serve`).",
            discussion: """
                Runs on the service host, with the ledger's --db and --key-file: every change is a
                signed ledger entry (user.added, user.revoked) naming the user, role and token id,
                never the token. The users file (JSON, mode 0600) holds only SHA-256 hashes of tokens;
                the service re-reads it when it changes, so a revocation takes effect on the next request.

                Roles: switcher (switch, uploads, status, resolve, propose, and read), approver
                (approve, decline, review, and read), auditor (read), admin (everything).

                Examples:
                  ledger users add alice --role switcher --users /etc/model-ledger/users.json > alice.token
                  ledger users list --users /etc/model-ledger/users.json
                  ledger users revoke alice --users /etc/model-ledger/users.json
                """,
            subcommands: [UsersAdd.self, UsersList.self, UsersRevoke.self]
        )
    }
}

extension UserRole: ExpressibleByArgument {}

/// `--users FILE`: the service's users file.
struct UsersFileOptions: ParsableArguments {
    @Option(name: .customLong("users"), help: ArgumentHelp("The service's users file (JSON, mode 0600).", valueName: "file"))
    var users: String

    func validate() throws {
        if users.isEmpty { throw ValidationError("--users must not be empty") }
    }

    var path: String { Paths.expand(users) }
}

/// Runs a users command body: user and users-file errors become their exit codes (64, 78).
func runReportingUserErrors(_ body: () async throws -> Void) async throws {
    try await runReportingErrors {
        do {
            try await body()
        } catch let error as UserServiceError {
            throw CLIError(message: error.localizedDescription, exitCode: .usage)
        } catch let error as UsersFileError {
            throw CLIError(message: error.localizedDescription, exitCode: .configError)
        }
    }
}
