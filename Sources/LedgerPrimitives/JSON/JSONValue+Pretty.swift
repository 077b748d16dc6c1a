extension JSONValue {
    /// Indented JSON with members sorted as in RFC 8785 (stable, for people and diffs).
    public func prettyPrinted(indent: String = "  ") -> String {
        var out: [UInt8] = []
        write(to: &out, level: 0, indent: Array(indent.utf8))
        return String(decoding: out, as: UTF8.self)
    }

    private func write(to out: inout [UInt8], level: Int, indent: [UInt8]) {
        func newline(_ level: Int) {
            out.append(UInt8(ascii: "\n"))
            for _ in 0..<level { out.append(contentsOf: indent) }
        }
        switch self {
        case .array(let items) where !items.isEmpty:
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(level + 1)
                item.write(to: &out, level: level + 1, indent: indent)
            }
            newline(level)
            out.append(UInt8(ascii: "]"))
        case .object(let members) where !members.isEmpty:
            out.append(UInt8(ascii: "{"))
            for (i, key) in members.keys.sorted(by: CanonicalJSON.precedes).enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(level + 1)
                CanonicalJSON.appendString(key, to: &out)
                out.append(contentsOf: ": ".utf8)
                (members[key] ?? .null).write(to: &out, level: level + 1, indent: indent)
            }
            newline(level)
            out.append(UInt8(ascii: "}"))
        default:
            CanonicalJSON.append(self, to: &out)
        }
    }
}
