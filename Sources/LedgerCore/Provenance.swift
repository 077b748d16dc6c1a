#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Who is writing an entry and where: `actor` is the responsible person or pipeline,
/// `osUser` and `host` always come from the operating system.
public struct Provenance: Sendable, Equatable {
    /// The person or pipeline responsible.
    public var actor: String
    /// The operating-system account running the command.
    public var osUser: String
    /// The machine's host name.
    public var host: String

    /// Builds provenance for `actor` (nil: the login name) with the OS user and host of this process.
    public init(actor: String?) {
        let osUser = Provenance.currentOSUser()
        self.actor = actor.flatMap { $0.isEmpty ? nil : $0 } ?? osUser
        self.osUser = osUser
        self.host = Provenance.currentHost()
    }

    /// Explicit values (for tests and imports).
    public init(actor: String, osUser: String, host: String) {
        self.actor = actor
        self.osUser = osUser
        self.host = host
    }

    /// The name of the effective user, from the password database (falls back to `uid N`).
    public static func currentOSUser() -> String {
        let uid = geteuid()
        if let pw = getpwuid(uid), let name = pw.pointee.pw_name {
            return String(cString: name)
        }
        return "uid \(uid)"
    }

    /// The host name (`gethostname`).
    public static func currentHost() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown-host" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
