// libFuzzer target: reading checkpoint files (Sources/LedgerCore/Checkpoint/Checkpoint.swift).
//
// The input is a checkpoint file. Properties: `Checkpoint(parsing:source:)` never crashes; what it
// accepts is a JSON object without repeated member names, and writing the parsed checkpoint out and
// reading it again gives the same checkpoint (nothing is lost or invented); checking its HMAC and its
// Ed25519 signature never crashes, and neither verifies for a fuzzed statement unless it is a seed
// signed with the fuzz key (below).
// Built and run by scripts/fuzz.sh (`make fuzz`).
import Foundation
import LedgerCore

private func fail(_ message: String, _ input: [UInt8]) -> Never {
    FileHandle.standardError.write(Data("FUZZ PROPERTY FAILED: \(message)\ninput (\(input.count) bytes): \(String(decoding: input.prefix(300), as: UTF8.self))\n".utf8))
    abort()
}

/// The fuzz key ring: one fixed key (bytes 0…31), id `630dcd2966c43366` — public test material, signs nothing real.
private let fuzzRing: KeyRing? = {
    guard let key = try? SigningKey(bytes: Array(0..<32)) else { return nil }
    return try? KeyRing(keys: [key], path: "fuzz.key")
}()

/// An Ed25519 public key with no private key in sight: no fuzzed signature may verify with it.
private let publicKeyPEM = """
    -----BEGIN PUBLIC KEY-----
    MCowBQYDK2VwAyEAGx9sRVH6Pend6nlaesaKD+i/2QIcxXLLmS8/yxOinyo=
    -----END PUBLIC KEY-----

    """

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCheckpoint(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let text = String(decoding: input, as: UTF8.self)
    guard let checkpoint = try? Checkpoint(parsing: text, source: "fuzz.json") else { return 0 }
    guard case .object? = try? JSONValue(parsing: Array(text.utf8)) else {
        fail("a checkpoint was read from text that is not one strict JSON object", input)
    }
    let written = CanonicalJSON.string(checkpoint.jsonValue)
    let reread: Checkpoint
    do {
        reread = try Checkpoint(parsing: written, source: "rewritten.json")
    } catch {
        fail("a parsed checkpoint, written out, does not parse: \(error): \(written)", input)
    }
    if reread != checkpoint { fail("a parsed checkpoint does not survive writing and reading: \(written)", input) }
    if let fuzzRing {
        _ = try? checkpoint.isAuthentic(keyRing: fuzzRing)
    }
    if (try? checkpoint.hasValidSignature(publicKeyPEM: publicKeyPEM)) == true {
        fail("a fuzzed Ed25519 signature verified", input)
    }
    return 0
}
