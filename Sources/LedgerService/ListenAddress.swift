import Foundation

/// Where `ledger serve` listens: `HOST:PORT` (`[::1]:8443` for IPv6; port 0 picks a free one).
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    /// The host to bind (without brackets).
    public var host: String
    /// The TCP port (0: any free port).
    public var port: Int

    /// Parses `HOST:PORT`.
    public init(_ text: String) throws(ServiceSetupError) {
        let bad = ServiceSetupError.usage("--listen \"\(text.prefix(80))\" must be HOST:PORT, e.g. 127.0.0.1:8443 or [::1]:0")
        guard !text.isEmpty, text.utf8.count <= 300, text.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value < 0x7F })
        else { throw bad }
        let hostPart: Substring
        let portPart: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw bad }
            hostPart = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw bad }
            portPart = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else { throw bad }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
        }
        guard !hostPart.isEmpty, !portPart.isEmpty, portPart.count <= 5, portPart.allSatisfy(\.isNumber), let port = Int(portPart),
            (0...65_535).contains(port)
        else { throw bad }
        self.host = String(hostPart)
        self.port = port
    }

    /// An address from its parts.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// True for `localhost`, 127.0.0.0/8 and `::1`: the only binds allowed without TLS.
    public var isLoopback: Bool {
        let lower = host.lowercased()
        if lower == "localhost" || lower == "::1" || lower == "0:0:0:0:0:0:0:1" { return true }
        let parts = lower.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts.allSatisfy({ !$0.isEmpty && $0.count <= 3 && $0.allSatisfy(\.isNumber) }) else { return false }
        return parts.first == "127" && parts.allSatisfy { (Int($0) ?? 256) <= 255 }
    }

    /// The address to hand the server (`localhost` binds 127.0.0.1).
    var bindHost: String { host.lowercased() == "localhost" ? "127.0.0.1" : host }

    /// `HOST:PORT`, with brackets around an IPv6 host.
    public var description: String { Self.format(host: bindHost, port: port) }

    static func format(host: String, port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
