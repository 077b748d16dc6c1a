import ArgumentParser
import Foundation
import LedgerCore

extension Ledger.Keys {
    /// `ledger keys list`: key ids, which is active, and which entries each signed.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the key file's keys: id, active or retired, and the entries each signed.",
            discussion: """
                Read-only; never prints key material.

                Example:
                  ledger keys list --format json
                """)

        @OptionGroup var options: LedgerOptions
        @Option(help: "Output format: text or json.") var format: TextOrJSON = .text

        func run() async throws {
            try await runReportingErrors {
                let ring = try options.loadKeys()
                let usage = try options.openForReading().keyUsage()
                var rows: [JSONValue] = []
                for key in ring.keys {
                    let used = usage.first { $0.keyID == key.id }
                    var row: [String: JSONValue] = [
                        "key_id": .string(key.id), "active": .bool(key.id == ring.active.id), "entries": .integer(used?.rows ?? 0),
                    ]
                    row["first_seq"] = used.map { .integer($0.firstSeq) } ?? .null
                    row["last_seq"] = used.map { .integer($0.lastSeq) } ?? .null
                    rows.append(.object(row))
                }
                for unknown in usage where ring.key(id: unknown.keyID) == nil {
                    rows.append(["key_id": .string(unknown.keyID), "active": false, "entries": .integer(unknown.rows),
                                 "first_seq": .integer(unknown.firstSeq), "last_seq": .integer(unknown.lastSeq), "missing": true])
                }
                switch format {
                case .json:
                    Console.out(JSONValue.array(rows).prettyPrinted())
                case .text:
                    Console.out("KEY_ID            STATUS   ENTRIES  SEQ RANGE")
                    for row in rows {
                        let status = row["missing"] == .bool(true) ? "MISSING" : (row["active"] == .bool(true) ? "active" : "retired")
                        let range = row["first_seq"]?.integerValue.map { "\($0)…\(row["last_seq"]?.integerValue ?? 0)" } ?? "-"
                        Console.out("\(row["key_id"]?.stringValue ?? "?")  \(status.padding(toLength: 8, withPad: " ", startingAt: 0)) \(String(row["entries"]?.integerValue ?? 0).padding(toLength: 8, withPad: " ", startingAt: 0)) \(range)")
                    }
                }
            }
        }
    }
}
