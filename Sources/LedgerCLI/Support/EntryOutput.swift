import Foundation
import LedgerCore

/// How `ledger show` presents one entry in text, from its document (``EntryPresentation/document(_:unresolved:)``).
enum EntryOutput {
    /// Every column, one per line (NULL as "-"; stored text shown escaped), then the unresolved mark.
    static func printText(_ entry: LedgerEntry, unresolved: Bool) {
        printText(document: EntryPresentation.document(entry, unresolved: unresolved))
    }

    /// An entry's document (or a service's answer) in `format`.
    static func print(document: JSONValue, format: TextOrJSON) {
        switch format {
        case .json: Console.out(document.prettyPrinted())
        case .text: printText(document: document)
        }
    }

    /// Every column of an entry's document, one per line, then the unresolved mark.
    static func printText(document: JSONValue) {
        for (name, value) in EntryPresentation.columns(of: document) {
            let text: String
            switch value {
            case .integer(let i): text = String(i)
            case .string(let s): text = DisplayText.terminal(s)  // stored exactly, shown escaped
            default: text = "-"
            }
            Console.out(name.padding(toLength: 16, withPad: " ", startingAt: 0) + text)
        }
        if document["unresolved"] == .bool(true) { Console.out(Console.styled("status          unresolved — outcome unknown", .yellow)) }
    }
}
