import Foundation

/// A throwaway RFC 3161 Time-Stamping Authority: a CA and a TSA certificate made with `openssl`
/// for this test only, `openssl ts -reply` answering queries, and (optionally) a tiny HTTP front
/// end on loopback (`python3`, Content-Type application/timestamp-reply).
public final class LocalTSA: @unchecked Sendable {
    /// The directory holding the CA, the TSA key and certificate, and the config.
    public let directory: TemporaryDirectory
    /// The CA certificate (PEM) that `--tsa-ca` / `openssl ts -verify -CAfile` trust.
    public let caFile: String
    private var server: Process?
    /// `http://127.0.0.1:PORT/` once `startServer()` ran.
    public private(set) var url: String?

    /// Makes the CA and the TSA certificate (critical extendedKeyUsage timeStamping).
    public init() throws {
        directory = TemporaryDirectory(prefix: "model-ledger-tsa")
        let d = directory.path
        caFile = d + "/ca.pem"
        try Self.openssl([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", d + "/ca.key", "-out", caFile,
            "-days", "2", "-subj", "/CN=model-ledger test TSA CA",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign",
        ])
        try Self.openssl([
            "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", d + "/tsa.key", "-out", d + "/tsa.csr",
            "-subj", "/CN=model-ledger test TSA",
        ])
        try "extendedKeyUsage=critical,timeStamping\nbasicConstraints=CA:FALSE\n".write(toFile: d + "/tsa.ext", atomically: true, encoding: .utf8)
        try Self.openssl([
            "x509", "-req", "-in", d + "/tsa.csr", "-CA", caFile, "-CAkey", d + "/ca.key", "-CAcreateserial",
            "-out", d + "/tsa.pem", "-days", "2", "-extfile", d + "/tsa.ext",
        ])
        let config = """
            [ tsa ]
            default_tsa = tsa_config
            [ tsa_config ]
            dir = \(d)
            serial = \(d)/tsaserial
            signer_cert = \(d)/tsa.pem
            certs = \(caFile)
            signer_key = \(d)/tsa.key
            signer_digest = sha256
            default_policy = 1.2.3.4.1
            digests = sha256
            accuracy = secs:1
            ordering = yes
            tsa_name = no
            ess_cert_id_chain = no
            ess_cert_id_alg = sha256

            """
        try config.write(toFile: d + "/tsa.cnf", atomically: true, encoding: .utf8)
        try "01\n".write(toFile: d + "/tsaserial", atomically: true, encoding: .utf8)
    }

    deinit { server?.terminate() }

    /// The DER response of `openssl ts -reply` to a DER query.
    public func reply(to query: [UInt8]) throws -> [UInt8] {
        let name = UUID().uuidString
        let queryPath = directory.file(name + ".tsq"), replyPath = directory.file(name + ".tsr")
        try Data(query).write(to: URL(fileURLWithPath: queryPath))
        try Self.openssl(["ts", "-reply", "-config", directory.path + "/tsa.cnf", "-queryfile", queryPath, "-out", replyPath])
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: replyPath)))
    }

    /// Starts the HTTP front end on 127.0.0.1 (an ephemeral port); returns its URL.
    @discardableResult
    public func startServer() throws -> String {
        let script = """
            import http.server, subprocess, sys, tempfile, os
            CONFIG = sys.argv[1]
            class Handler(http.server.BaseHTTPRequestHandler):
                def do_POST(self):
                    body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                    with tempfile.TemporaryDirectory() as t:
                        q, r = os.path.join(t, "q.tsq"), os.path.join(t, "r.tsr")
                        open(q, "wb").write(body)
                        ok = subprocess.run(["openssl", "ts", "-reply", "-config", CONFIG, "-queryfile", q, "-out", r],
                                            capture_output=True).returncode == 0
                        reply = open(r, "rb").read() if ok else b""
                    self.send_response(200 if ok else 400)
                    self.send_header("Content-Type", "application/timestamp-reply")
                    self.send_header("Content-Length", str(len(reply)))
                    self.end_headers()
                    self.wfile.write(reply)
                def log_message(self, *args):
                    pass
            server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
            print(server.server_address[1], flush=True)
            server.serve_forever()
            """
        let scriptPath = directory.file("tsa_server.py")
        try script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", scriptPath, directory.path + "/tsa.cnf"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        server = process
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw LocalTSAError(message: "the TSA front end did not start")
        }
        let url = "http://127.0.0.1:\(port)/"
        self.url = url
        return url
    }

    @discardableResult
    static func openssl(_ arguments: [String]) throws -> ProcessResult {
        let result = try SystemTool.run("openssl", arguments)
        guard result.exitCode == 0 else { throw LocalTSAError(message: "openssl \(arguments.prefix(2).joined(separator: " ")) failed: \(result.stderr)") }
        return result
    }
}

/// The local TSA could not be set up.
public struct LocalTSAError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
