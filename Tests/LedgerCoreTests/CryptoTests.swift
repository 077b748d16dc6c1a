import LedgerCore
import Testing

@Suite("OpenSSL through the C module")
struct CryptoTests {
    static func bytes(_ hex: String) -> [UInt8] { Hex.decodeLowercase(hex) ?? [] }

    /// RFC 4231 test cases 1, 2, 3, 4, 6 and 7 (HMAC-SHA-256).
    static let rfc4231: [(key: [UInt8], data: [UInt8], mac: String)] = [
        (
            [UInt8](repeating: 0x0b, count: 20), Array("Hi There".utf8),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        ),
        (
            Array("Jefe".utf8), Array("what do ya want for nothing?".utf8),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        ),
        (
            [UInt8](repeating: 0xaa, count: 20), [UInt8](repeating: 0xdd, count: 50),
            "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"
        ),
        (
            Array(1...25), [UInt8](repeating: 0xcd, count: 50),
            "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"
        ),
        (
            [UInt8](repeating: 0xaa, count: 131), Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        ),
        (
            [UInt8](repeating: 0xaa, count: 131),
            Array(
                "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm."
                    .utf8),
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"
        ),
    ]

    @Test("RFC 4231 HMAC-SHA256 vectors", arguments: 0..<6)
    func rfc4231Vector(index: Int) throws {
        let vector = Self.rfc4231[index]
        #expect(try HMACSHA256(key: vector.key).authenticateHex(vector.data) == vector.mac)
    }

    @Test("a reused context gives the same MAC as a fresh one, message after message")
    func reusedContext() throws {
        let key = Array("Jefe".utf8)
        let reused = try HMACSHA256(key: key)
        for message in ["", "a", "what do ya want for nothing?", String(repeating: "x", count: 5000), "a"] {
            let fresh = try HMACSHA256(key: key).authenticateHex(Array(message.utf8))
            #expect(try reused.authenticateHex(Array(message.utf8)) == fresh)
        }
        #expect(
            try reused.authenticateHex(Array("what do ya want for nothing?".utf8))
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test("SHA-256 of known inputs")
    func sha256() throws {
        #expect(try Digest.sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(try Digest.sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test("random bytes differ and have the requested length")
    func randomBytes() throws {
        let a = try Digest.randomBytes(32), b = try Digest.randomBytes(32)
        #expect(a.count == 32 && b.count == 32)
        #expect(a != b)
    }

    @Test("hex decoding is strict: lowercase only, even length")
    func hex() {
        #expect(Hex.decodeLowercase("00ff10") == [0, 255, 16])
        #expect(Hex.decodeLowercase("00FF") == nil)
        #expect(Hex.decodeLowercase("abc") == nil)
        #expect(Hex.decodeLowercase("zz") == nil)
        #expect(Hex.encode([0, 255, 16]) == "00ff10")
    }
}
