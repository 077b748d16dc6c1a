import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

/// The public layer's primitives (transparency.md): RFC 6962 hashing, proofs checked with the
/// RFC 9162 algorithms, C2SP signed notes and verifier keys.
@Suite("Transparency primitives")
struct TransparencyTests {
    static func hex(_ text: String) -> [UInt8] { Hex.decodeLowercase(text) ?? [] }

    /// The Certificate Transparency reference leaves and the RFC 6962 roots of sizes 0…8.
    static let ctLeaves = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"].map(hex)
    static let ctRoots = [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]

    static func tree(_ leafInputs: [[UInt8]]) -> InMemoryMerkleNodes {
        var nodes = InMemoryMerkleNodes()
        for input in leafInputs { nodes.append(leafHash: MerkleHash.leaf(input)) }
        return nodes
    }

    @Test("roots of sizes 0…8 equal the RFC 6962 reference roots")
    func referenceRoots() throws {
        let nodes = Self.tree(Self.ctLeaves)
        for size in 0...8 {
            #expect(Hex.encode(try MerkleTree(nodes: nodes, size: Int64(size)).root()) == Self.ctRoots[size], "size \(size)")
        }
    }

    @Test("the reference inclusion proof of leaf 0 in the tree of 8 is produced and verifies")
    func referenceInclusionProof() throws {
        let nodes = Self.tree(Self.ctLeaves)
        let proof = try MerkleTree(nodes: nodes, size: 8).inclusionProof(leafIndex: 0)
        #expect(
            proof.map { Hex.encode($0) } == [
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ])
        #expect(
            MerkleProof.verifyInclusion(
                leafHash: MerkleHash.leaf(Self.ctLeaves[0]), leafIndex: 0, treeSize: 8, proof: proof, root: Self.hex(Self.ctRoots[8])))
    }

    @Test("every inclusion proof of every tree up to 40 leaves verifies; a changed hash, index or root fails")
    func inclusionRoundTrip() throws {
        let inputs = (0..<40).map { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 &* 7)] }
        let nodes = Self.tree(inputs)
        for size in Int64(1)...40 {
            let tree = MerkleTree(nodes: nodes, size: size)
            let root = try tree.root()
            for index in 0..<size {
                let leaf = MerkleHash.leaf(inputs[Int(index)])
                let proof = try tree.inclusionProof(leafIndex: index)
                #expect(MerkleProof.verifyInclusion(leafHash: leaf, leafIndex: index, treeSize: size, proof: proof, root: root))
                #expect(!MerkleProof.verifyInclusion(leafHash: MerkleHash.leaf([9, 9, 9]), leafIndex: index, treeSize: size, proof: proof, root: root))
                if size > 1 {
                    #expect(!MerkleProof.verifyInclusion(leafHash: leaf, leafIndex: (index + 1) % size, treeSize: size, proof: proof, root: root))
                    var bent = proof
                    bent[0][0] ^= 1
                    #expect(!MerkleProof.verifyInclusion(leafHash: leaf, leafIndex: index, treeSize: size, proof: bent, root: root))
                }
            }
            #expect(throws: MerkleError.self) { try tree.inclusionProof(leafIndex: size) }
        }
    }

    @Test("every consistency proof between trees up to 40 leaves verifies; a rewritten old tree fails")
    func consistencyRoundTrip() throws {
        let inputs = (0..<40).map { [UInt8(truncatingIfNeeded: $0), 0xAA] }
        let nodes = Self.tree(inputs)
        var rewritten = inputs
        rewritten[0] = [0xFF]
        let other = Self.tree(rewritten)
        for newSize in Int64(1)...40 {
            let newTree = MerkleTree(nodes: nodes, size: newSize)
            let newRoot = try newTree.root()
            for oldSize in Int64(0)...newSize {
                let oldRoot = try MerkleTree(nodes: nodes, size: oldSize).root()
                let proof = try newTree.consistencyProof(from: oldSize)
                #expect(
                    MerkleProof.verifyConsistency(oldSize: oldSize, newSize: newSize, oldRoot: oldRoot, newRoot: newRoot, proof: proof),
                    "\(oldSize) → \(newSize)")
                if oldSize > 0 {
                    // The old checkpoint was of a different history: the new tree does not extend it.
                    let forged = try MerkleTree(nodes: other, size: oldSize).root()
                    #expect(!MerkleProof.verifyConsistency(oldSize: oldSize, newSize: newSize, oldRoot: forged, newRoot: newRoot, proof: proof))
                }
            }
        }
    }

    @Test("the C2SP interoperability vector: the Go reference note verifies with its vkey; one changed character fails")
    func goReferenceNote() throws {
        let key = try NoteVerifierKey(vkey: "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
        #expect(key.vkey == "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
        let text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
        let signature = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
        let note = try SignedNote(parsing: text + "\n" + signature)
        try note.verify(with: key)
        let altered = try SignedNote(parsing: text.replacingOccurrences(of: "answer", with: "Answer") + "\n" + signature)
        #expect(throws: SignedNoteError.badSignature(keyName: "PeterNeumann")) { try altered.verify(with: key) }
    }

    @Test("a note signed here verifies with its vkey, ignores unknown signers, and is refused without a trusted signature")
    func signAndVerify() throws {
        let pair = try Ed25519.generate()
        let other = try Ed25519.generate()
        let checkpoint = TreeCheckpoint(
            origin: "model-ledger/test", size: 3, rootHash: Self.hex(Self.ctRoots[3]), extensions: ["time 2026-11-29T12:00:00.000Z"])
        var note = try SignedNote.sign(text: checkpoint.body, keyName: "model-ledger/test", privateKeyPEM: pair.privatePEM)
        let key = try NoteVerifierKey(name: "model-ledger/test", pem: pair.publicPEM)
        #expect(key == (try NoteVerifierKey(vkey: key.vkey)))
        // A witness's cosignature (unknown key) is ignored.
        let witness = try SignedNote.sign(text: checkpoint.body, keyName: "witness.example", privateKeyPEM: other.privatePEM)
        note.signatures += witness.signatures
        let parsed = try SignedNote(parsing: note.serialized)
        try parsed.verify(with: key)
        #expect(try TreeCheckpoint(parsing: parsed.text) == checkpoint)
        let stranger = try NoteVerifierKey(name: "model-ledger/test", pem: other.publicPEM)
        #expect(throws: SignedNoteError.noTrustedSignature) { try parsed.verify(with: stranger) }
    }

    @Test("a vkey whose base64 holds '+' and '/' round-trips (the name ends at the first '+')")
    func vkeyWithPlus() throws {
        let key = try NoteVerifierKey(name: "ledger.example/churn", publicKey: [UInt8](repeating: 0xFB, count: 32))
        #expect(key.vkey.split(separator: "+").count > 3)
        #expect(try NoteVerifierKey(vkey: key.vkey) == key)
    }

    @Test(
        "malformed notes, keys and checkpoints are refused, not misread",
        arguments: [
            "no final newline", "text\n\n— k AAAA", "text\n\n", "te\u{1}xt\n\n— k AAAAAAAAAAAA\n", "text\n\n— bad+name AAAAAAAAAAAA\n",
        ])
    func malformedNotes(note: String) {
        #expect(throws: SignedNoteError.self) { try SignedNote(parsing: note) }
    }

    @Test(
        "checkpoint bodies with leading zeros, short roots or no origin are refused",
        arguments: [
            "o\n01\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", "o\n1\nAAAA\n", "\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
            "o\n-1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", "o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n",
        ])
    func malformedCheckpoints(body: String) {
        #expect(throws: SignedNoteError.self) { try TreeCheckpoint(parsing: body) }
    }
}

/// RFC 3161 through OpenSSL's TS API, against a throwaway local TSA.
@Suite("RFC 3161 time-stamps")
struct TimeStampTests {
    @Test("a response from the local TSA verifies against its CA and the note body; another body, CA or nonce does not")
    func localTSA() throws {
        try RequiredTool.require("openssl", for: "running a local RFC 3161 TSA")
        let tsa = try LocalTSA()
        let body = Array("model-ledger/test\n3\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n".utf8)
        let query = try TimeStampToken.request(for: body)
        let response = try tsa.reply(to: query)
        let good = TimeStampToken.verify(response: response, over: body, request: query, caFile: tsa.caFile)
        #expect(good.isValid, "\(good.failure ?? "")")
        #expect(good.genTime.map { $0.count >= 20 && $0.hasSuffix("Z") && $0.contains("T") } == true)
        #expect(TimeStampToken.verify(response: response, over: body, caFile: tsa.caFile).isValid)
        #expect(!TimeStampToken.verify(response: response, over: body + [0x0A], caFile: tsa.caFile).isValid)
        let stranger = try LocalTSA()
        #expect(!TimeStampToken.verify(response: response, over: body, caFile: stranger.caFile).isValid)
        let otherQuery = try TimeStampToken.request(for: body)  // a different nonce
        #expect(!TimeStampToken.verify(response: response, over: body, request: otherQuery, caFile: tsa.caFile).isValid)
        #expect(!TimeStampToken.verify(response: Array(response.dropLast()), over: body, caFile: tsa.caFile).isValid)
        // `openssl ts -verify` agrees, from the files a user would keep.
        let dir = TemporaryDirectory()
        try Data(body).write(to: URL(fileURLWithPath: dir.file("note.body")))
        try Data(response).write(to: URL(fileURLWithPath: dir.file("note.tsr")))
        let openssl = try SystemTool.run("openssl", ["ts", "-verify", "-data", dir.file("note.body"), "-in", dir.file("note.tsr"), "-CAfile", tsa.caFile])
        #expect(openssl.exitCode == 0, "\(openssl.stderr)")
    }
}
