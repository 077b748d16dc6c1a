import ArgumentParser
import LedgerCLI

/// The `ledger` executable: a thin entry point over the LedgerCLI library.
@main
struct LedgerMain {
    static func main() async {
        await Ledger.mainEscapingErrors()
    }
}
