import Foundation
import LedgerTestSupport
import Testing

/// ArgumentParser's own messages quote what was typed; those quotes reach the terminal escaped.
@Suite("Argument errors")
struct ArgumentErrorTests {
    @Test("an invalid flag value with an escape sequence is quoted escaped in the usage error (exit 64)")
    func invalidValueIsEscaped() throws {
        let result = try Binaries.ledger(["log", "--limit", "\u{1B}]0;pwned\u{07}"])
        #expect(result.exitCode == 64)
        #expect(result.stderr.contains("'\\u{1B}]0;pwned\\u{07}' is invalid"), "\(result.stderr)")
        #expect(!result.stderr.utf8.contains(0x1B) && !result.stderr.utf8.contains(0x07))
        #expect(result.stderr.contains("Usage: ledger log"), "the usage lines stay lines")
    }

    @Test("an unknown subcommand with control characters is quoted escaped")
    func unknownSubcommandIsEscaped() throws {
        let result = try Binaries.ledger(["nosuch\u{1B}[2J\r"])
        #expect(result.exitCode == 64)
        #expect(result.stderr.contains("nosuch\\u{1B}[2J\\r"), "\(result.stderr)")
    }

    @Test("help and version still print to stdout and exit 0")
    func helpAndVersionUnchanged() throws {
        let help = try Binaries.ledger(["--help"])
        #expect(help.exitCode == 0 && help.stdout.contains("OVERVIEW:") && help.stderr.isEmpty)
        let version = try Binaries.ledger(["--version"])
        #expect(version.exitCode == 0 && !version.stdout.isEmpty)
        let sub = try Binaries.ledger(["verify", "--help"])
        #expect(sub.exitCode == 0 && sub.stdout.contains("USAGE: ledger verify"))
    }
}
