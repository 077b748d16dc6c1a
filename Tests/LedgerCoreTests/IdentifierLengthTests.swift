import Testing

@testable import LedgerCore

/// Names longer than `Identifier.maxBytes` bytes of UTF-8 are refused (PostgreSQL cannot index
/// arbitrarily long model names; no real name comes close).
@Suite struct IdentifierLengthTests {
    @Test func aNameOfExactlyTheLimitIsAccepted() {
        #expect(Identifier.problem(with: String(repeating: "m", count: Identifier.maxBytes)) == nil)
    }

    @Test func oneByteMoreIsRefusedWithTheLengthNamed() throws {
        let problem = try #require(Identifier.problem(with: String(repeating: "m", count: Identifier.maxBytes + 1)))
        #expect(problem.contains("257 bytes"))
    }

    @Test func theLimitCountsUTF8BytesNotCharacters() throws {
        // 100 characters of 3 bytes each: 300 bytes.
        let name = String(repeating: "模", count: 100)
        #expect(name.count == 100)
        let problem = try #require(Identifier.problem(with: name))
        #expect(problem.contains("300 bytes"))
    }
}
