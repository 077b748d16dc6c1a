import CLedgerCrypto

/// A 32-byte SHA-256 value of the RFC 6962 tree (a leaf hash, a node hash or a root).
public typealias TreeHash = [UInt8]

/// The RFC 6962 / RFC 9162 hashing of the ledger's public tree (transparency.md "The tree").
public enum MerkleHash {
    /// SHA-256 of the empty string: the root of the empty tree.
    public static let emptyRoot: TreeHash = sha256([])

    /// `SHA-256(0x00 || leafInput)`.
    public static func leaf(_ leafInput: [UInt8]) -> TreeHash {
        var input = [UInt8]()
        input.reserveCapacity(leafInput.count + 1)
        input.append(0x00)
        input.append(contentsOf: leafInput)
        return sha256(input)
    }

    /// `SHA-256(0x01 || left || right)`.
    public static func node(_ left: TreeHash, _ right: TreeHash) -> TreeHash {
        var input = [UInt8]()
        input.reserveCapacity(65)
        input.append(0x01)
        input.append(contentsOf: left)
        input.append(contentsOf: right)
        return sha256(input)
    }

    /// The leaf input of an entry: RFC 8785 canonical JSON of every non-NULL column, `mac` included.
    public static func leafInput(of entry: LedgerEntry) -> [UInt8] {
        SignedPayload.leafInput(of: entry.columnValues)
    }

    static func sha256(_ bytes: [UInt8]) -> TreeHash {
        var out = TreeHash(repeating: 0, count: 32)
        // SHA-256 of memory cannot fail short of a broken libcrypto; the all-zero result then matches nothing real.
        _ = bytes.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { mlc_sha256(input.baseAddress, input.count, $0.baseAddress) }
        }
        return out
    }
}

/// The largest power of two strictly smaller than `n` (`n` ≥ 2): RFC 6962's split point.
@inline(__always)
func largestPowerOfTwo(below n: Int64) -> Int64 {
    var k: Int64 = 1
    while k << 1 < n { k <<= 1 }
    return k
}

/// RFC 6962 leaf and node hashing with one reused SHA-256 context: the hot path of building and
/// recomputing the tree (no allocation per hash). Use one instance per thread.
final class TreeHasher {
    private let context: OpaquePointer?

    init() {
        context = mlc_sha256_new()
    }

    deinit { mlc_sha256_free(context) }

    /// `SHA-256(0x00 || leafInput)`.
    func leaf(_ leafInput: UnsafeRawBufferPointer) -> TreeHash {
        var out = TreeHash(repeating: 0, count: 32)
        let input = leafInput.bindMemory(to: UInt8.self)
        _ = out.withUnsafeMutableBufferPointer {
            mlc_sha256_prefixed(context, 0x00, input.baseAddress, input.count, nil, 0, $0.baseAddress)
        }
        return out
    }

    /// `SHA-256(0x01 || left || right)`.
    func node(_ left: TreeHash, _ right: TreeHash) -> TreeHash {
        var out = TreeHash(repeating: 0, count: 32)
        left.withUnsafeBufferPointer { l in
            right.withUnsafeBufferPointer { r in
                _ = out.withUnsafeMutableBufferPointer {
                    mlc_sha256_prefixed(context, 0x01, l.baseAddress, l.count, r.baseAddress, r.count, $0.baseAddress)
                }
            }
        }
        return out
    }
}
