import Foundation
import LedgerTestSupport
import Testing

/// libpq is loaded on first use, not linked: a `ledger` on SQLite (the default) never maps libpq and
/// the libraries it needs (Kerberos, LDAP, GnuTLS, …), which cost every start about 3 ms.
@Suite struct LazyLibPQTests {
    @Test func theLedgerBinaryDoesNotLinkLibpq() throws {
        #if os(Linux)
            let ldd = Process()
            ldd.executableURL = URL(fileURLWithPath: "/usr/bin/ldd")
            ldd.arguments = [Binaries.path("ledger")]
            let pipe = Pipe()
            ldd.standardOutput = pipe
            try ldd.run()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            ldd.waitUntilExit()
            #expect(ldd.terminationStatus == 0)
            #expect(output.contains("libsqlite3"), "ldd lists the linked libraries: \(output)")
            #expect(!output.contains("libpq"), "\(output)")
            #expect(!output.contains("libldap"), "\(output)")
        #endif
    }
}
