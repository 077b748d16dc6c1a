import Foundation
import LedgerTestSupport
import Testing

/// `make install PREFIX=…` / `make uninstall PREFIX=…` (scripts/install.sh), run against the binaries
/// this test run already built (`BIN_DIR`), so the test never starts a build of its own: SwiftPM holds
/// the build directory's lock while `swift test` runs, and a release build costs many minutes.
@Suite("make install / make uninstall")
struct InstallTests {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// Runs `make -C <repo> target variables…` (no build: BIN_DIR is given).
    static func make(_ target: String, _ variables: [String]) throws -> ProcessResult {
        try SystemTool.run("make", ["--no-print-directory", "-C", repoRoot, target] + variables)
    }

    /// Every command's man page name, from the binary's own command tree (`--experimental-dump-help`,
    /// the description the generator reads): `ledger.1`, `ledger.switch.1`, `ledger.keys.rotate.1`, ….
    static func expectedPages(ledger: String) throws -> [String] {
        let dump = try SystemTool.run(ledger, ["--experimental-dump-help"])
        try #require(dump.exitCode == 0, "ledger --experimental-dump-help failed: \(dump.stderr)")
        let root = try #require(
            (try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any])?["command"] as? [String: Any])
        var pages: [String] = []
        func walk(_ command: [String: Any], _ prefix: [String]) {
            guard let name = command["commandName"] as? String else { return }
            let path = prefix + [name]
            pages.append(path.joined(separator: ".") + ".1")
            for sub in command["subcommands"] as? [[String: Any]] ?? [] { walk(sub, path) }
        }
        walk(root, [])
        return pages
    }

    /// Every regular file and symlink under `root`, relative to it.
    static func files(under root: String) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: root) else { return [] }
        var found: [String] = []
        while let relative = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: root + "/" + relative, isDirectory: &isDirectory), !isDirectory.boolValue {
                found.append(relative)
            }
        }
        return found.sorted()
    }

    @Test("install puts the binaries, a man page per command and bash/zsh/fish completions in the standard places; uninstall removes exactly them")
    func installThenUninstall() throws {
        try RequiredTool.require("make", "man", "bash", for: "make install / make uninstall (man -l, bash completion)")
        let binDir = Binaries.directory
        try RequiredTool.requireExecutable(Binaries.path("ledger"), named: "ledger", for: "make install")
        try RequiredTool.requireExecutable(Binaries.path("epa-simulator"), named: "epa-simulator", for: "make install")
        try RequiredTool.requireExecutable(
            Binaries.path("generate-manual"), named: "generate-manual (swift build --product generate-manual; make test builds it)",
            for: "the man pages of make install")

        let temp = TemporaryDirectory(prefix: "model-ledger-install")
        let prefix = temp.file("prefix")
        // Something that was there before install and must survive uninstall.
        try FileManager.default.createDirectory(atPath: prefix + "/share/man/man1", withIntermediateDirectories: true)
        try Data("keep\n".utf8).write(to: URL(fileURLWithPath: prefix + "/share/man/man1/other.1"))

        let install = try Self.make("install", ["PREFIX=\(prefix)", "BIN_DIR=\(binDir)"])
        try #require(install.exitCode == 0, "make install failed: \(install.allOutput)")

        // The binaries, runnable from the prefix.
        for tool in ["ledger", "epa-simulator"] {
            #expect(FileManager.default.isExecutableFile(atPath: prefix + "/bin/" + tool), "bin/\(tool) missing")
        }
        let version = try SystemTool.run(prefix + "/bin/ledger", ["--version"])
        #expect(version.exitCode == 0)

        // A man page per command, named as `generate-manual --multi-page` names them.
        let man1 = prefix + "/share/man/man1"
        let expected = try Self.expectedPages(ledger: Binaries.path("ledger"))
        #expect(expected.contains("ledger.switch.1"))
        #expect(expected.count > 10, "the command tree looks truncated: \(expected)")
        for page in expected + ["epa-simulator.1"] {
            #expect(FileManager.default.fileExists(atPath: man1 + "/" + page), "man page \(page) missing")
        }
        let rendered = try SystemTool.run("man", ["-l", man1 + "/ledger.switch.1"])
        #expect(rendered.exitCode == 0, "man -l ledger.switch.1 failed: \(rendered.stderr)")
        #expect(rendered.stdout.contains("switch"))
        #expect(rendered.stdout.contains("--reason"), "the page lacks the switch options")

        // Completions in the places bash-completion, zsh and fish look.
        let bashCompletion = prefix + "/share/bash-completion/completions/ledger"
        #expect(FileManager.default.fileExists(atPath: prefix + "/share/zsh/site-functions/_ledger"))
        #expect(FileManager.default.fileExists(atPath: prefix + "/share/fish/vendor_completions.d/ledger.fish"))
        let registered = try SystemTool.run("bash", ["-c", "source \"$1\" && complete -p ledger", "bash", bashCompletion])
        #expect(registered.exitCode == 0, "complete -p ledger: \(registered.allOutput)")
        #expect(registered.stdout.contains("ledger"))
        // And it completes subcommands: `ledger sw<TAB>` → switch.
        let completed = try SystemTool.run(
            "bash",
            [
                "-c",
                """
                source "$1" || exit 1
                COMP_WORDS=(ledger sw); COMP_CWORD=1; COMP_LINE="ledger sw"; COMP_POINT=9
                func=$(complete -p ledger | sed -n 's/.* -F \\([^ ]*\\) .*/\\1/p')
                "$func" ledger sw ledger
                printf '%s\\n' "${COMPREPLY[@]}"
                """,
                "bash", bashCompletion,
            ])
        #expect(completed.stdout.split(separator: "\n").contains("switch"), "ledger sw<TAB>: \(completed.allOutput)")

        // Uninstall leaves only what was there before.
        let uninstall = try Self.make("uninstall", ["PREFIX=\(prefix)"])
        try #require(uninstall.exitCode == 0, "make uninstall failed: \(uninstall.allOutput)")
        #expect(Self.files(under: prefix) == ["share/man/man1/other.1"])
        #expect(!FileManager.default.fileExists(atPath: prefix + "/bin"), "uninstall left the bin directory it created")
        #expect(!FileManager.default.fileExists(atPath: prefix + "/share/bash-completion"))

        // A second uninstall finds nothing to remove and says so (not a silent success).
        let again = try Self.make("uninstall", ["PREFIX=\(prefix)"])
        #expect(again.exitCode != 0)
        #expect(again.stderr.contains("nothing to uninstall"))
    }
}
