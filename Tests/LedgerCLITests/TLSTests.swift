import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

/// A throwaway certificate authority and server certificates, made with the `openssl` CLI in a
/// temporary directory for one test. The server key is shared by every certificate.
final class ThrowawayPKI: @unchecked Sendable {
    let directory = TemporaryDirectory(prefix: "model-ledger-tls")
    /// The CA certificate (PEM): what `--ca-file` points at.
    let caPath: String
    /// The server's private key (PEM), handed to the simulator only.
    let serverKeyPath: String
    private let caKeyPath: String
    private let requestPath: String

    init() throws {
        try RequiredTool.require("openssl", for: "making a throwaway CA and certificates for the TLS tests")
        caPath = directory.file("ca.pem")
        caKeyPath = directory.file("ca.key")
        serverKeyPath = directory.file("server.key")
        requestPath = directory.file("server.csr")
        try Self.openssl([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", caKeyPath, "-out", caPath, "-days", "2", "-subj", "/CN=model-ledger throwaway test CA",
        ])
        try Self.openssl([
            "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", serverKeyPath, "-out", requestPath, "-subj", "/CN=model-ledger test server",
        ])
    }

    /// A certificate for the server key, issued by the CA, valid from now for two days, naming `names`
    /// (subjectAltName syntax, e.g. `DNS:localhost,IP:127.0.0.1`).
    func certificate(_ name: String, names: String) throws -> String {
        let extensions = directory.file("\(name).ext")
        try Data("subjectAltName=\(names)\n".utf8).write(to: URL(fileURLWithPath: extensions))
        let path = directory.file("\(name).pem")
        try Self.openssl([
            "x509", "-req", "-in", requestPath, "-CA", caPath, "-CAkey", caKeyPath, "-set_serial", "\(Int.random(in: 2...1_000_000))",
            "-days", "2", "-extfile", extensions, "-out", path,
        ])
        return path
    }

    /// A certificate issued by the CA for `names` that was valid only on 1-2 January 2020
    /// (`openssl ca -startdate/-enddate`: OpenSSL 3.0's `x509 -req` cannot backdate).
    func expiredCertificate(names: String) throws -> String {
        let database = directory.file("index.txt"), serial = directory.file("serial.txt")
        try Data().write(to: URL(fileURLWithPath: database))
        try Data("1000\n".utf8).write(to: URL(fileURLWithPath: serial))
        let config = directory.file("ca.cnf")
        try Data(
            """
            [ ca ]
            default_ca = throwaway
            [ throwaway ]
            database = \(database)
            new_certs_dir = \(directory.path)
            serial = \(serial)
            default_md = sha256
            policy = anything
            copy_extensions = none
            x509_extensions = leaf
            unique_subject = no
            [ anything ]
            commonName = supplied
            [ leaf ]
            subjectAltName = \(names)

            """.utf8
        ).write(to: URL(fileURLWithPath: config))
        let path = directory.file("expired.pem")
        try Self.openssl([
            "ca", "-batch", "-notext", "-config", config, "-cert", caPath, "-keyfile", caKeyPath, "-in", requestPath,
            "-startdate", "20200101000000Z", "-enddate", "20200102000000Z", "-out", path,
        ])
        let dates = try SystemTool.run("openssl", ["x509", "-in", path, "-noout", "-enddate"])
        guard dates.stdout.contains("2020") else { throw OpenSSLFailure(output: "not backdated: \(dates.stdout)") }
        return path
    }

    /// The base64 lines of the server key: none may ever appear in any output.
    func serverKeyLines() throws -> [String] {
        try String(contentsOfFile: serverKeyPath, encoding: .utf8).split(separator: "\n")
            .filter { !$0.hasPrefix("-----") && $0.count >= 16 }.map(String.init)
    }

    private static func openssl(_ arguments: [String]) throws {
        let result = try SystemTool.run("openssl", arguments)
        guard result.exitCode == 0 else { throw OpenSSLFailure(output: arguments.joined(separator: " ") + ": " + result.stderr) }
    }

    struct OpenSSLFailure: Error, CustomStringConvertible {
        let output: String
        var description: String { "openssl failed: \(output)" }
    }
}

/// The simulator serving HTTPS with one of the throwaway certificates, and a fresh ledger.
final class TLSBench: @unchecked Sendable {
    let pki: ThrowawayPKI
    let simulator: SimulatorProcess
    let ledger: TestLedger
    private(set) var outputs: [String] = []

    init(pki: ThrowawayPKI, certificate: String) throws {
        self.pki = pki
        simulator = try SimulatorProcess(fixture: SwitchFixture.json, tlsCertificate: certificate, tlsKey: pki.serverKeyPath)
        ledger = try TestLedger()
    }

    func baseURL(host: String = "localhost") -> String { "https://\(host):\(simulator.port)/v1/external" }

    /// `ledger switch job-ok --model churn --reason CHG-tls EXTRA… --base-url https://HOST:PORT/v1/external`.
    @discardableResult
    func switchJob(host: String = "localhost", extra: [String], environment: [String: String] = [:]) throws -> ProcessResult {
        var env = ["EPA_API_KEY": SwitchFixture.churnKey, "LEDGER_ACTOR": "ci-pipeline"]
        env.merge(environment) { _, new in new }
        let result = try Binaries.ledger(
            ["switch", "job-ok", "--model", "churn", "--reason", "CHG-tls", "--base-url", baseURL(host: host)] + extra
                + ledger.arguments,
            environment: env)
        outputs.append(result.allOutput)
        return result
    }

    func entries() throws -> [LedgerEntry] {
        var all: [LedgerEntry] = []
        try LedgerStore.open(path: ledger.dbPath, writable: false).forEachEntry(matching: EntryFilter()) { all.append($0) }
        return all
    }

    func verifyExitCode() throws -> Int32 { try Binaries.ledger(["verify"] + ledger.arguments).exitCode }

    /// Neither the API key nor any line of the server's TLS key in any output or in the database.
    func expectNoSecrets(sourceLocation: SourceLocation = #_sourceLocation) throws {
        let database =
            String(decoding: FileManager.default.contents(atPath: ledger.dbPath) ?? Data(), as: UTF8.self)
            + String(decoding: FileManager.default.contents(atPath: ledger.dbPath + "-wal") ?? Data(), as: UTF8.self)
        let keyLines = try pki.serverKeyLines()
        #expect(!keyLines.isEmpty, sourceLocation: sourceLocation)
        for text in outputs + [database] {
            #expect(!text.contains(SwitchFixture.churnKey), sourceLocation: sourceLocation)
            for line in keyLines { #expect(!text.contains(line), sourceLocation: sourceLocation) }
        }
    }
}

/// HTTPS between `ledger` and `epa-simulator` (both built binaries) on loopback, with a throwaway CA.
@Suite("TLS: ledger against the simulator over HTTPS")
struct TLSTests {
    static let loopbackNames = "DNS:localhost,IP:127.0.0.1"

    @Test(
        "a certificate from the CA in --ca-file or EPA_CA_FILE, naming the host: switched, exit 0, GET and PUT over https",
        arguments: [("localhost", true), ("127.0.0.1", true), ("localhost", false)])
    func goodCertificateSwitches(host: String, viaFlag: Bool) throws {
        let pki = try ThrowawayPKI()
        let bench = try TLSBench(pki: pki, certificate: try pki.certificate("good", names: Self.loopbackNames))
        let result = try bench.switchJob(
            host: host, extra: viaFlag ? ["--ca-file", pki.caPath] : [],
            environment: viaFlag ? [:] : ["EPA_CA_FILE": pki.caPath])
        #expect(result.exitCode == 0, "\(result.allOutput)")
        #expect(result.stdout.contains("switched churn → job-ok: succeeded (HTTP 200)"))
        let entries = try bench.entries()
        #expect(entries.map(\.kind.rawValue) == ["ledger.created", "job.checked", "switch.requested", "switch.completed"])
        #expect(entries[2].requestURL == bench.baseURL(host: host) + "/retrain_jobs/job-ok/update_model")
        #expect(entries[3].outcome == .succeeded && entries[3].httpStatus == 200 && entries[3].refSeq == entries[2].seq)
        let requests = try bench.simulator.requests().map { "\($0["method"]?.stringValue ?? "") \($0["path"]?.stringValue ?? "")" }
        #expect(requests == ["GET /v1/external/retrain_jobs/job-ok", "PUT /v1/external/retrain_jobs/job-ok/update_model"])
        #expect(try bench.verifyExitCode() == 0)
        try bench.expectNoSecrets()
    }

    enum Refusal: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case wrongHost, expired, untrustedCA
        var testDescription: String { rawValue }
    }

    /// The certificate the simulator serves, the extra arguments, and what the message must say.
    static func scenario(_ refusal: Refusal, _ pki: ThrowawayPKI) throws -> (certificate: String, extra: [String], message: String) {
        switch refusal {
        case .wrongHost:
            (
                try pki.certificate("other", names: "DNS:other.example"), ["--ca-file", pki.caPath],
                "host-name mismatch - the server's certificate is not valid for the host in the base URL (Couldn't find localhost in certificate from peer)"
            )
        case .expired:
            (
                try pki.expiredCertificate(names: loopbackNames), ["--ca-file", pki.caPath],
                "the server's certificate was not accepted (CERTIFICATE_VERIFY_FAILED): it has expired or is not yet valid"
            )
        case .untrustedCA:
            (
                try pki.certificate("good", names: loopbackNames), [],
                "the server's certificate was not accepted (CERTIFICATE_VERIFY_FAILED)"
            )
        }
    }

    @Test(
        "wrong host name, expired certificate, CA not trusted: pre-flight failed (exit 4), job.checked recorded as failed, nothing reached the service",
        arguments: Refusal.allCases)
    func refusedCertificateStopsAtPreflight(refusal: Refusal) throws {
        let pki = try ThrowawayPKI()
        let (certificate, extra, message) = try Self.scenario(refusal, pki)
        let bench = try TLSBench(pki: pki, certificate: certificate)
        let result = try bench.switchJob(extra: extra)
        #expect(result.exitCode == 4, "\(result.allOutput)")
        #expect(result.stdout.contains("NOT switched churn → job-ok: not attempted"), "\(result.stdout)")
        #expect(
            result.stderr.contains("pre-flight status check failed: the connection failed: TLS handshake failed: " + message),
            "\(result.stderr)")
        #expect(result.stderr.contains("nothing was sent"))
        let entries = try bench.entries()
        #expect(entries.map(\.kind.rawValue) == ["ledger.created", "job.checked"])
        let checked = try #require(entries.last)
        #expect(checked.outcome == .failed && checked.httpStatus == nil)
        #expect(checked.errorMessage?.contains(message) == true, "\(checked.errorMessage ?? "nil")")
        #expect(checked.requestURL == bench.baseURL() + "/retrain_jobs/job-ok")
        // The handshake fails before any HTTP request: the simulator logged nothing at all.
        #expect(try bench.simulator.requests().isEmpty)
        #expect(try bench.verifyExitCode() == 0)
        try bench.expectNoSecrets()
    }

    @Test(
        "with --skip-preflight a refused certificate is recorded as switch.requested + switch.completed failed (exit 4), and no PUT arrives",
        arguments: Refusal.allCases)
    func refusedCertificateRecordsTheFailedSwitch(refusal: Refusal) throws {
        let pki = try ThrowawayPKI()
        let (certificate, extra, message) = try Self.scenario(refusal, pki)
        let bench = try TLSBench(pki: pki, certificate: certificate)
        let result = try bench.switchJob(extra: extra + ["--skip-preflight"])
        #expect(result.exitCode == 4, "\(result.allOutput)")
        #expect(result.stdout.contains("NOT switched churn → job-ok: failed"), "\(result.stdout)")
        #expect(result.stderr.contains("TLS handshake failed: " + message), "\(result.stderr)")
        let entries = try bench.entries()
        #expect(entries.map(\.kind.rawValue) == ["ledger.created", "switch.requested", "switch.completed"])
        let requested = entries[1], completed = entries[2]
        #expect(completed.refSeq == requested.seq && completed.outcome == .failed && completed.httpStatus == nil)
        #expect(completed.errorMessage?.contains(message) == true && completed.errorMessage?.contains("nothing was sent") == true)
        #expect(try bench.simulator.requests().isEmpty)
        #expect(try bench.verifyExitCode() == 0)
        try bench.expectNoSecrets()
    }

    @Test(
        "an unusable CA file (missing, a directory, no certificate, the private key) exits 78 naming it, before anything is written or sent",
        arguments: ["missing", "directory", "not-pem", "private-key"])
    func unusableCAFileIsAConfigurationError(kind: String) throws {
        let pki = try ThrowawayPKI()
        let bench = try TLSBench(pki: pki, certificate: try pki.certificate("good", names: Self.loopbackNames))
        let path: String
        switch kind {
        case "missing": path = pki.directory.file("no-such-ca.pem")
        case "directory": path = pki.directory.path
        case "not-pem":
            path = pki.directory.file("garbage.pem")
            try Data("not a certificate\n".utf8).write(to: URL(fileURLWithPath: path))
        default: path = pki.serverKeyPath
        }
        for viaFlag in [true, false] {
            let result = try bench.switchJob(
                extra: viaFlag ? ["--ca-file", path] : [], environment: viaFlag ? [:] : ["EPA_CA_FILE": path])
            #expect(result.exitCode == 78, "\(result.allOutput)")
            #expect(result.stderr.contains("\(viaFlag ? "--ca-file" : "EPA_CA_FILE"): CA file \"\(path)\""), "\(result.stderr)")
            let reason = ["missing": "does not exist", "directory": "is not a regular file"][kind] ?? "is not a PEM file of certificates"
            #expect(result.stderr.contains(reason), "\(result.stderr)")
        }
        #expect(try bench.entries().map(\.kind.rawValue) == ["ledger.created"])
        #expect(try bench.simulator.requests().isEmpty)
        try bench.expectNoSecrets()
    }

    @Test("--ca-file does not relax the https rule: plain http to a non-loopback host is still refused (64 flag, 78 environment)")
    func caFileKeepsTheHTTPSRequirement() throws {
        let pki = try ThrowawayPKI()
        let ledger = try TestLedger()
        let args = ["switch", "job-ok", "--model", "churn", "--reason", "r", "--ca-file", pki.caPath]
        let flag = try Binaries.ledger(
            args + ["--base-url", "http://api.example.com/v1/external"] + ledger.arguments,
            environment: ["EPA_API_KEY": SwitchFixture.churnKey])
        #expect(flag.exitCode == 64, "\(flag.allOutput)")
        #expect(flag.stderr.contains("plain http is only allowed for loopback hosts"))
        let env = try Binaries.ledger(
            args + ledger.arguments,
            environment: ["EPA_API_KEY": SwitchFixture.churnKey, "EPA_BASE_URL": "http://api.example.com/v1/external"])
        #expect(env.exitCode == 78, "\(env.allOutput)")
        #expect(env.stderr.contains("plain http is only allowed for loopback hosts"))
        var all: [LedgerEntry] = []
        try LedgerStore.open(path: ledger.dbPath, writable: false).forEachEntry(matching: EntryFilter()) { all.append($0) }
        #expect(all.map(\.kind.rawValue) == ["ledger.created"])
    }

    @Test("epa-simulator refuses half a TLS pair (64) and an unusable or mismatched key (78) without printing the key")
    func simulatorTLSFlags() throws {
        let pki = try ThrowawayPKI()
        let good = try pki.certificate("good", names: Self.loopbackNames)
        let fixture = pki.directory.file("fixture.json")
        try Data(SwitchFixture.json.utf8).write(to: URL(fileURLWithPath: fixture))
        let half = try Binaries.run("epa-simulator", ["--fixture", fixture, "--tls-cert", good], timeout: 30)
        #expect(half.exitCode == 64 && half.stderr.contains("--tls-cert and --tls-key go together"), "\(half.allOutput)")
        // The CA's certificate with the server's key: the key does not belong to it.
        let mismatched = try Binaries.run("epa-simulator", ["--fixture", fixture, "--tls-cert", pki.caPath, "--tls-key", pki.serverKeyPath], timeout: 30)
        #expect(mismatched.exitCode == 78, "\(mismatched.allOutput)")
        #expect(mismatched.stderr.contains("unusable --tls-key \(pki.serverKeyPath): it is not the private key of the certificate"))
        let keyAsCertificate = try Binaries.run(
            "epa-simulator", ["--fixture", fixture, "--tls-cert", pki.serverKeyPath, "--tls-key", pki.serverKeyPath], timeout: 30)
        #expect(keyAsCertificate.exitCode == 78, "\(keyAsCertificate.allOutput)")
        #expect(keyAsCertificate.stderr.contains("unusable --tls-cert \(pki.serverKeyPath): it holds no PEM certificate"))
        for output in [half.allOutput, mismatched.allOutput, keyAsCertificate.allOutput] {
            for line in try pki.serverKeyLines() { #expect(!output.contains(line)) }
        }
    }
}
