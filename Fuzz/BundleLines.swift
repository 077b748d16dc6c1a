// libFuzzer target: evidence-bundle headers and entry lines (Sources/LedgerCore/Export: BundleHeader,
// BundleVerifier), as `ledger verify --bundle` reads them.
//
// The input is a bundle file: split on `\n` (a `\r` before it dropped, a last line without `\n` kept),
// exactly like BundleLineReader. Properties:
//  - verifying never crashes and never throws for malformed input (throwing is for I/O and crypto);
//  - garbage is rejected: a bundle is INTACT only if its header parses, every line is canonical JSON,
//    and every entry's mac recomputes with the fuzz key over the entry (checked here independently);
//  - a header line that BundleHeader reads writes back to the same canonical line.
// Seeds signed with the fuzz key (bytes 0…31) are in Tests/FuzzCorpus/BundleLines/.
// Built and run by scripts/fuzz.sh (`make fuzz`).
import Foundation
import LedgerCore

private func fail(_ message: String, _ input: [UInt8]) -> Never {
    FileHandle.standardError.write(Data("FUZZ PROPERTY FAILED: \(message)\ninput (\(input.count) bytes): \(String(decoding: input.prefix(300), as: UTF8.self))\n".utf8))
    abort()
}

/// The fuzz key ring: one fixed key (bytes 0…31), id `630dcd2966c43366` — public test material, signs nothing real.
private let fuzzKey: SigningKey? = try? SigningKey(bytes: Array(0..<32))

private func lines(of input: [UInt8]) -> [[UInt8]] {
    var lines = input.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { Array($0) }
    if lines.last?.isEmpty == true { lines.removeLast() }
    return lines.map { $0.last == UInt8(ascii: "\r") ? Array($0.dropLast()) : $0 }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBundleLines(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    guard let key = fuzzKey, let ring = try? KeyRing(keys: [key], path: "fuzz.key") else { return 0 }
    let bundle = lines(of: input)

    // The header on its own.
    if let first = bundle.first, let parsed = try? JSONValue(parsing: first), let header = try? BundleHeader(json: parsed) {
        if CanonicalJSON.encode(parsed) == first, header.line != first {
            fail("a canonical header line does not write back to itself", input)
        }
    }

    let report: BundleVerificationReport
    do {
        report = try BundleVerifier(keyRing: ring, findingLimit: 50).verify(lines: bundle, name: "fuzz.jsonl")
    } catch {
        fail("verify threw instead of reporting a finding: \(error)", input)
    }
    if report.findingCount < report.findings.count { fail("finding count below the findings kept", input) }
    guard report.isIntact else { return 0 }

    // INTACT: check the promises independently.
    guard bundle.count >= 2, let header = report.header else { fail("INTACT without a header or entries", input) }
    if header.entryCount != Int64(bundle.count - 1) { fail("INTACT but entry_count is not the number of lines", input) }
    var previous: Int64?
    for line in bundle.dropFirst() {
        guard let value = try? JSONValue(parsing: line), CanonicalJSON.encode(value) == line,
            let entry = value["entry"], case .integer(let seq)? = entry["seq"], let mac = value["mac"]?.stringValue
        else { fail("INTACT with a line that is not a canonical entry line", input) }
        if let previous, seq != previous + 1 { fail("INTACT with seqs that are not contiguous", input) }
        previous = seq
        guard let signer = try? HMACSHA256(key: key.bytes),
            (try? signer.authenticateHex(CanonicalJSON.encode(entry))) == mac
        else { fail("INTACT with a mac that does not recompute", input) }
    }
    return 0
}
