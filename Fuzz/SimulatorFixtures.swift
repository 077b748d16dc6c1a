// libFuzzer target: simulator fixtures (Sources/EPASimulator/SimulatorFixture*.swift: strict decoding and
// validation). Compiled into an EPASimulator module made of the fixture files only (no Hummingbird).
//
// The input is a fixture file. Properties: `SimulatorFixture.decode` never crashes and throws only
// SimulatorError; an accepted fixture validates, and encoding it and decoding it again gives the same
// fixture.
// Built and run by scripts/fuzz.sh (`make fuzz`).
import Foundation

private func fail(_ message: String, _ input: [UInt8]) -> Never {
    FileHandle.standardError.write(Data("FUZZ PROPERTY FAILED: \(message)\ninput (\(input.count) bytes): \(String(decoding: input.prefix(300), as: UTF8.self))\n".utf8))
    abort()
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSimulatorFixture(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let fixture: SimulatorFixture
    do {
        fixture = try SimulatorFixture.decode(Data(input))
    } catch is SimulatorError {
        return 0
    } catch {
        fail("decode threw something other than SimulatorError: \(error)", input)
    }
    do {
        try fixture.validate()
    } catch {
        fail("an accepted fixture does not validate: \(error)", input)
    }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    do {
        let again = try SimulatorFixture.decode(try encoder.encode(fixture))
        if again != fixture { fail("a fixture does not survive encoding and decoding", input) }
    } catch {
        fail("an accepted fixture, encoded, is refused: \(error)", input)
    }
    return 0
}
