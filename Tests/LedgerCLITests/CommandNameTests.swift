import ArgumentParser
import Testing

@testable import LedgerCLI

/// Every command names itself: ArgumentParser would otherwise derive each name from the type's name
/// at every start (about 13 % of a switch's CPU time, measured with perf), and a renamed type would
/// silently rename a command users type.
@Suite("Command names")
struct CommandNameTests {
    static func all(_ command: any ParsableCommand.Type, path: [String] = []) -> [(path: String, name: String?)] {
        let configuration = command.configuration
        let here = path + [configuration.commandName ?? "?"]
        return [(here.joined(separator: " "), configuration.commandName)]
            + configuration.subcommands.flatMap { all($0, path: here) }
    }

    @Test("every command and subcommand sets commandName explicitly")
    func everyCommandIsNamed() {
        let commands = Self.all(Ledger.self)
        #expect(commands.count > 25)
        for command in commands {
            #expect(command.name != nil, "\(command.path) has no explicit commandName")
        }
        #expect(Set(commands.map(\.path)).count == commands.count)
        #expect(commands.contains { $0.path == "ledger switch" } && commands.contains { $0.path == "ledger checkpoint verify" })
    }
}
