import Foundation
import LedgerCore

/// How `ledger show` presents one entry in text.
enum EntryOutput {
    /// Every column, one per line (NULL as "-"; stored text shown escaped), then the unresolved mark.
    static func printText(_ entry: LedgerEntry, unresolved: Bool) {
        for (name, value) in entry.columnValues {
            let text: String
            switch value {
            case .null: text = "-"
            case .integer(let i): text = String(i)
            case .text(let s): text = DisplayText.terminal(s)  // stored exactly, shown escaped
            case .real, .blob: text = "?"
            }
            Console.out(name.padding(toLength: 16, withPad: " ", startingAt: 0) + text)
        }
        if unresolved { Console.out(Console.styled("status          unresolved — outcome unknown", .yellow)) }
    }
}
