import ArgumentParser
import Foundation
import LedgerCore
import LedgerWorkflows

extension Ledger {
    /// `ledger users add NAME --role ROLE --users FILE`: prints the new token, once, on stdout.
    struct UsersAdd: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Add a user and print its bearer token (the only line on stdout, shown once).",
            discussion: """
                Writes a signed user.added entry (user, role, token_id, expires_at), then the users file.
                The token (mlt_ followed by 64 hex digits) is printed once and stored nowhere: keep it in
                a file of mode 0600 for the client's --token-file. Exit 64 when the user exists already.
                """)

        @Argument(help: ArgumentHelp("The user's name: recorded as the actor of everything the user does.", valueName: "name"))
        var name: String

        @Option(help: ArgumentHelp("switcher, approver, auditor or admin.", valueName: "role"))
        var role: UserRole

        @Option(name: .customLong("expires-days"), help: ArgumentHelp("The token stops working after this many days (1-3650).", valueName: "n"))
        var expiresDays: Int?

        @OptionGroup var usersFile: UsersFileOptions
        @OptionGroup var who: ActorOptions
        @OptionGroup var options: LedgerOptions

        func validate() throws {
            try validateName(name, flag: "user name")
            if let expiresDays, !(1...3650).contains(expiresDays) { throw ValidationError("--expires-days must be between 1 and 3650") }
        }

        func run() async throws {
            try await runReportingUserErrors {
                let session = try options.openForWriting()
                let added = try UserService(session: session, usersPath: usersFile.path)
                    .add(name: name, role: role, expiresDays: expiresDays, provenance: who.provenance)
                Console.out(added.token)
                Console.note(
                    "user \(added.user.name) added as \(added.user.role.rawValue) (token id \(added.user.tokenID), seq \(added.entry.seq)); the token above is shown once"
                )
            }
        }
    }

    /// `ledger users list --users FILE`.
    struct UsersList: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List the service's users (name, role, token id, status; never a token or its hash).")

        @OptionGroup var usersFile: UsersFileOptions
        @Option(help: "Output format: text or json.") var format: TextOrJSON = .text

        func run() async throws {
            try await runReportingUserErrors {
                let file = try UsersFile.load(path: usersFile.path)
                let now = Timestamp.parse(Timestamp.now()) ?? 0
                switch format {
                case .json:
                    let users: [JSONValue] = file.users.map { user in
                        .object([
                            "name": .string(user.name), "role": .string(user.role.rawValue), "token_id": .string(user.tokenID),
                            "created_at": .string(user.createdAt), "expires_at": user.expiresAt.map(JSONValue.string) ?? .null,
                            "revoked_at": user.revokedAt.map(JSONValue.string) ?? .null, "status": .string(user.status(nowMilliseconds: now)),
                        ])
                    }
                    Console.out(JSONValue.object(["users": .array(users)]).prettyPrinted())
                case .text:
                    guard !file.users.isEmpty else {
                        Console.note("no users")
                        return
                    }
                    Console.out(["NAME", "ROLE", "TOKEN ID", "STATUS", "CREATED", "EXPIRES"].joined(separator: "\t"))
                    for user in file.users {
                        Console.out(
                            [
                                DisplayText.terminal(user.name), user.role.rawValue, user.tokenID, user.status(nowMilliseconds: now), user.createdAt,
                                user.expiresAt ?? "-",
                            ].joined(separator: "\t"))
                    }
                }
            }
        }
    }

    /// `ledger users revoke NAME --users FILE`.
    struct UsersRevoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "revoke",
            abstract: "Revoke a user's token (user.revoked entry); the service refuses it from its next request.")

        @Argument(help: ArgumentHelp("The user to revoke.", valueName: "name"))
        var name: String

        @OptionGroup var usersFile: UsersFileOptions
        @OptionGroup var who: ActorOptions
        @OptionGroup var options: LedgerOptions

        func validate() throws {
            try validateName(name, flag: "user name")
        }

        func run() async throws {
            try await runReportingUserErrors {
                let session = try options.openForWriting()
                let (user, entry) = try UserService(session: session, usersPath: usersFile.path).revoke(name: name, provenance: who.provenance)
                Console.out("revoked \(DisplayText.terminal(user.name)) (token id \(user.tokenID)) at seq \(entry.seq)")
            }
        }
    }
}
