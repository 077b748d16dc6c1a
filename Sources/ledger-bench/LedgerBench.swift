import ArgumentParser
import BinaryRunner
import Foundation
@_spi(Benchmark) import LedgerCore

/// `ledger-bench`: benchmarks of the built binaries (release build), printed as markdown tables.
///
/// - the verify table (`VerifyTable`): `ledger verify` against the machine's limit for the same
///   ledger (a bare SQLite scan of the rows plus HMAC-SHA256 of the same payloads), its peak RSS,
///   and report timings on the largest ledger;
/// - the switch table (`SwitchTable`): `ledger switch` against `curl` doing the same PUT, both
///   against the built `epa-simulator` on loopback, with and without pre-flight;
/// - the PostgreSQL table (`PostgreSQLTable`): verify of the same ledger from SQLite and from
///   PostgreSQL, and the 1- and 8-writer append rates on both, with peak RSS;
/// - `append` (`AppendCommand`): a bulk writer for crash tests and the append rates (not a benchmark by itself).
@main
struct LedgerBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger-bench",
        abstract: "Benchmarks of the built ledger and epa-simulator binaries (release build), as markdown tables.",
        subcommands: [AppendCommand.self])

    @Option(help: ArgumentHelp("Ledger sizes for the verify table: positive integers, comma-separated.", valueName: "n,n,…"))
    var sizes: EntryCounts = EntryCounts([10_000, 100_000, 1_000_000])

    @Option(help: ArgumentHelp("Keep the generated ledgers in this directory (default: a temporary one, removed).", valueName: "dir"))
    var dir: String?

    @Option(help: ArgumentHelp("Only one table: verify, switch, postgresql or service.", valueName: "table"))
    var only: Table?

    @Flag(help: "Skip the verify table.") var skipVerifyTable = false
    @Flag(help: "Skip the switch table.") var skipSwitchTable = false
    @Flag(name: .customLong("skip-postgresql-table"), help: "Skip the PostgreSQL table.") var skipPostgreSQLTable = false
    @Flag(name: .customLong("skip-service-table"), help: "Skip the ledger service table (ServiceBench).") var skipServiceTable = false

    @Option(
        name: .customLong("postgres-url"),
        help: ArgumentHelp(
            "The PostgreSQL server of the PostgreSQL table, a role that may create databases (default: $LEDGER_BENCH_POSTGRES_URL, else a throwaway cluster started with scripts/pg-test-cluster.sh).",
            valueName: "url"))
    var postgresURL: String?

    @Option(help: ArgumentHelp("Entries each append-rate measurement writes (the 8 writers share them).", valueName: "n"))
    var appends = 2_000

    @Option(help: ArgumentHelp("Measured runs of each command in the switch table (1...10000).", valueName: "n"))
    var runs = 30

    @Option(help: ArgumentHelp("Interleaved runs of verify, scan and HMAC, and of each report command (1...1000).", valueName: "n"))
    var verifyRuns = 5

    enum Table: String, ExpressibleByArgument, CaseIterable { case verify, `switch`, postgresql, service }

    func validate() throws {
        guard (1...10_000).contains(runs) else { throw ValidationError("--runs: 1...10000") }
        guard (1...1_000).contains(verifyRuns) else { throw ValidationError("--verify-runs: 1...1000") }
        guard (8...10_000_000).contains(appends) else { throw ValidationError("--appends: 8...10000000") }
    }

    func run() throws {
        try reportingFailures {
            let runVerify = !skipVerifyTable && (only == nil || only == .verify)
            let runSwitch = !skipSwitchTable && (only == nil || only == .switch)
            let runPostgreSQL = !skipPostgreSQLTable && (only == nil || only == .postgresql)
            let binDir = BuiltProducts.directory
            let ledgerBinary = binDir + "/ledger"
            guard FileManager.default.isExecutableFile(atPath: ledgerBinary) else {
                throw BenchFailure("build the ledger binary first (swift build -c release)", code: 1)
            }
            let workDir = dir ?? (NSTemporaryDirectory() + "/ledger-bench-\(getpid())")
            try FileManager.default.createDirectory(atPath: workDir, withIntermediateDirectories: true)
            defer { if dir == nil { try? FileManager.default.removeItem(atPath: workDir) } }

            print(
                "machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, SQLite \(SQLiteLedgerStorage.libraryVersion), "
                    + "\(String(format: "%.0f", Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824)) GiB")
            if runVerify {
                print("")
                try VerifyTable(ledgerBinary: ledgerBinary, dir: workDir, runs: verifyRuns).run(sizes: sizes.values)
            }
            if runSwitch {
                print("")
                try SwitchTable(binDir: binDir, dir: workDir + "/switch", runs: runs).run()
            }
            if runPostgreSQL, let largest = sizes.values.max() {
                print("")
                let server = postgresURL ?? ProcessInfo.processInfo.environment["LEDGER_BENCH_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
                try PostgreSQLTable(binDir: binDir, dir: workDir, runs: verifyRuns, size: largest, appends: appends).run(serverURL: server)
            }
            if !skipServiceTable && (only == nil || only == .service) {
                print("")
                try ServiceBench(binDir: binDir, dir: workDir + "/service", runs: runs).run()
            }
        }
    }
}

/// Positive entry counts, comma-separated (`--sizes 10000,100000`).
struct EntryCounts: ExpressibleByArgument {
    let values: [Int]

    init(_ values: [Int]) { self.values = values }

    init?(argument: String) {
        let values = argument.split(separator: ",").compactMap { Int($0) }
        guard !values.isEmpty, values.allSatisfy({ $0 >= 1 }) else { return nil }
        self.values = values
    }

    var defaultValueDescription: String { values.map(String.init).joined(separator: ",") }
}
