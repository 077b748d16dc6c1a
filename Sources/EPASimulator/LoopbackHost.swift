/// A host the simulator may bind: only loopback.
struct LoopbackHost: Sendable, Equatable {
    /// Address handed to the server.
    let bindAddress: String
    /// Host part of URLs (`127.0.0.1`, `[::1]`).
    let urlHost: String

    /// Accepts 127.0.0.0/8 in dotted-quad form, `::1` (optionally bracketed) and `localhost` (binds 127.0.0.1).
    init(_ host: String) throws {
        let trimmed = host.lowercased()
        if trimmed == "localhost" {
            self.bindAddress = "127.0.0.1"
            self.urlHost = "127.0.0.1"
            return
        }
        let unbracketed = trimmed.hasPrefix("[") && trimmed.hasSuffix("]") ? String(trimmed.dropFirst().dropLast()) : trimmed
        if unbracketed == "::1" || unbracketed == "0:0:0:0:0:0:0:1" {
            self.bindAddress = "::1"
            self.urlHost = "[::1]"
            return
        }
        let parts = trimmed.split(separator: ".", omittingEmptySubsequences: false)
        let octets = parts.compactMap { part -> Int? in
            guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isASCII), let value = Int(part), (0...255).contains(value)
            else { return nil }
            return value
        }
        guard parts.count == 4, octets.count == 4, octets[0] == 127 else {
            throw SimulatorError.nonLoopbackHost(host)
        }
        let canonical = octets.map(String.init).joined(separator: ".")
        self.bindAddress = canonical
        self.urlHost = canonical
    }
}
