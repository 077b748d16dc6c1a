import BinaryRunner
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Times one switch through `ledger serve` (raw HTTP on a kept-alive loopback connection, and the
/// `ledger switch --server` client process) against the same switch with the local CLI (`ledger
/// switch` process), all against one built `epa-simulator`, runs interleaved so machine load hits
/// every kind alike.
struct ServiceBench {
    static let apiKey = "bench-key-churn-service-7d1e"
    static let job = "bench-job-finished"
    static let fixture = """
        {
          "api_keys": [{"key": "\(apiKey)", "model": "churn", "state": "active"}],
          "models": [{"name": "churn", "model_id": 101, "jobs": [{"id": "\(job)", "status": "finished"}]}]
        }
        """
    static let warmupRuns = 5

    /// Where `ledger` and `epa-simulator` are.
    let binDir: String
    /// A scratch directory (replaced).
    let dir: String
    /// Measured runs of each kind.
    let runs: Int

    struct Kind {
        let label: String
        var samples: [Double] = []
        let run: () throws -> Void
    }

    func run() throws {
        let ledger = binDir + "/ledger", simulatorBinary = binDir + "/epa-simulator"
        guard FileManager.default.isExecutableFile(atPath: simulatorBinary) else {
            throw BenchFailure("build epa-simulator first (swift build -c release): \(simulatorBinary) is missing", code: 1)
        }
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try Data(Self.fixture.utf8).write(to: URL(fileURLWithPath: dir + "/fixture.json"))
        let simulator: LaunchedSimulator
        do {
            simulator = try LaunchedSimulator(binary: simulatorBinary, fixturePath: dir + "/fixture.json", requestLogPath: dir + "/requests.jsonl")
        } catch {
            throw BenchFailure("\(error)", code: 1)
        }
        defer { simulator.stop() }
        let environment = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": dir, "LANG": "C.UTF-8", "NO_COLOR": "1",
            "EPA_API_KEY": Self.apiKey, "EPA_BASE_URL": simulator.baseURL, "LEDGER_ACTOR": "bench",
        ]
        let errPath = dir + "/stderr.txt"
        func ledgerRun(_ arguments: [String], stdout: String = "/dev/null") throws {
            let (_, _, status) = try Spawn.run(ledger, arguments, stdout: stdout, stderr: errPath, environment: environment)
            guard status == 0 else {
                throw BenchFailure(
                    "ledger \(arguments.first ?? "") exited \(status): \((try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")", code: 1)
            }
        }

        // Two ledgers of the same shape: one for the local CLI, one behind the service.
        let local = ["--db", dir + "/local.sqlite", "--key-file", dir + "/local.key"]
        let served = ["--db", dir + "/served.sqlite", "--key-file", dir + "/served.key"]
        try ledgerRun(["init"] + local)
        try ledgerRun(["init"] + served)
        try ledgerRun(["users", "add", "bench", "--role", "switcher", "--users", dir + "/users.json"] + served, stdout: dir + "/bench.token")
        chmod(dir + "/bench.token", 0o600)
        let token = ((try? String(contentsOfFile: dir + "/bench.token", encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let keyFile = dir + "/churn.apikey"
        try Data((Self.apiKey + "\n").utf8).write(to: URL(fileURLWithPath: keyFile))
        chmod(keyFile, 0o600)
        let config = "[models.churn]\napi_key_file = \"\(keyFile)\"\nbase_url = \"\(simulator.baseURL)\"\n"
        try Data(config.utf8).write(to: URL(fileURLWithPath: dir + "/server.toml"))
        chmod(dir + "/server.toml", 0o600)
        let service = try BenchService(
            ledger: ledger,
            arguments: ["serve", "--listen", "127.0.0.1:0", "--users", dir + "/users.json", "--server-config", dir + "/server.toml"] + served,
            environment: environment, dir: dir)
        defer { service.stop() }
        let http = BenchHTTP(port: service.port)

        func post(_ body: String) throws {
            let (status, exitCode, text) = try http.post(
                "/v1/switches", body: body, headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json")])
            guard status == 200, exitCode == "0" else {
                throw BenchFailure("POST /v1/switches: \(status) exit \(exitCode ?? "-"): \(text.prefix(300))", code: 1)
            }
        }
        let job = Self.job
        var kinds = [
            Kind(label: "local CLI: ledger switch (process)") { try ledgerRun(["switch", job, "--model", "churn", "--reason", "CHG-bench"] + local) },
            Kind(label: "service: POST /v1/switches (raw HTTP, keep-alive)") {
                try post(#"{"retrain_job_id":"\#(job)","model":"churn","reason":"CHG-bench"}"#)
            },
            Kind(label: "service: ledger switch --server (client process)") {
                try ledgerRun(
                    [
                        "switch", job, "--model", "churn", "--reason", "CHG-bench", "--server", "http://127.0.0.1:\(service.port)", "--token-file",
                        dir + "/bench.token",
                    ])
            },
            Kind(label: "local CLI: ledger switch --skip-preflight") {
                try ledgerRun(["switch", job, "--model", "churn", "--reason", "CHG-bench", "--skip-preflight"] + local)
            },
            Kind(label: "service: POST /v1/switches skip_preflight") {
                try post(#"{"retrain_job_id":"\#(job)","model":"churn","reason":"CHG-bench","skip_preflight":true}"#)
            },
        ]
        for round in 0..<(Self.warmupRuns + runs) {
            for index in kinds.indices {
                let seconds = try Stats.timed { try kinds[index].run() }
                if round >= Self.warmupRuns { kinds[index].samples.append(seconds) }
            }
        }
        service.stop()
        try ledgerRun(["verify"] + served)
        try ledgerRun(["verify"] + local)

        let localMedian = Stats.median(kinds[0].samples)
        print(
            "one switch through `ledger serve` vs the local CLI: \(runs) runs each (after \(Self.warmupRuns) warm-up runs), interleaved, "
                + "against epa-simulator on \(simulator.baseURL); pre-flight unless said")
        print("")
        print(Stats.row(["switch", "runs", "p50 ms", "p90 ms", "p99 ms", "min ms", "p50 / local CLI p50"]))
        print(Stats.row(Array(repeating: "---", count: 7)))
        for kind in kinds {
            let sorted = kind.samples.sorted()
            print(
                Stats.row([
                    kind.label, String(sorted.count), Stats.ms(Stats.median(sorted)), Stats.ms(Stats.percentile(sorted, 0.90)),
                    Stats.ms(Stats.percentile(sorted, 0.99)), Stats.ms(sorted.first ?? 0), String(format: "%.2f×", Stats.median(sorted) / localMedian),
                ]))
        }
        let ratio = Stats.median(kinds[1].samples) / localMedian
        print("")
        print("service p50 / local CLI p50 = \(String(format: "%.2f×", ratio)) (target ≤ 1×: \(ratio <= 1 ? "met" : "NOT met"))")
    }
}

/// `ledger serve` started by the bench: waits for `listening on HOST:PORT`.
final class BenchService {
    let port: Int
    private let process = Process()

    init(ledger: String, arguments: [String], environment: [String: String], dir: String) throws {
        process.executableURL = URL(fileURLWithPath: ledger)
        process.arguments = arguments
        process.environment = environment
        let outPath = dir + "/serve.stdout"
        FileManager.default.createFile(atPath: outPath, contents: nil)
        FileManager.default.createFile(atPath: dir + "/serve.stderr", contents: nil)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/serve.stderr"))
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        var found: Int?
        while found == nil && Date() < deadline && process.isRunning {
            let text = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n", omittingEmptySubsequences: false).first, text.contains("\n") {
                guard line.hasPrefix("listening on "), let colon = line.lastIndex(of: ":") else { break }
                found = Int(line[line.index(after: colon)...])
                break
            }
            usleep(10_000)
        }
        guard let found else {
            if process.isRunning { process.terminate() }
            let err = (try? String(contentsOfFile: dir + "/serve.stderr", encoding: .utf8)) ?? ""
            throw BenchFailure("ledger serve did not print `listening on HOST:PORT`: \(err.prefix(500))", code: 1)
        }
        port = found
    }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
    }

    deinit { stop() }
}

/// A minimal blocking HTTP/1.1 client on one kept-alive loopback connection (Content-Length answers).
final class BenchHTTP {
    let port: Int
    private var fd: Int32 = -1
    private var pending: [UInt8] = []

    init(port: Int) { self.port = port }

    deinit { if fd >= 0 { close(fd) } }

    private func connectIfNeeded() throws {
        guard fd < 0 else { return }
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard socketFD >= 0, rc == 0 else { throw BenchFailure("cannot connect to 127.0.0.1:\(port)", code: 1) }
        var one: Int32 = 1
        setsockopt(socketFD, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        fd = socketFD
        pending = []
    }

    /// POSTs `body`; returns the status, the Ledger-Exit-Code header and the body.
    func post(_ path: String, body: String, headers: [(String, String)]) throws -> (Int, String?, String) {
        try connectIfNeeded()
        let bodyBytes = Array(body.utf8)
        var request = "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Length: \(bodyBytes.count)\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        let bytes = Array((request + "\r\n").utf8) + bodyBytes
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress.map { $0 + offset }, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw BenchFailure("send failed", code: 1) }
            offset += n
        }
        while true {
            if let end = find([13, 10, 13, 10]) {
                let head = String(decoding: pending[0..<end], as: UTF8.self)
                let lines = head.split(separator: "\r\n")
                let status = lines.first.flatMap { $0.split(separator: " ").dropFirst().first }.flatMap { Int($0) } ?? 0
                var length = 0
                var exitCode: String?
                for line in lines.dropFirst() {
                    let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                    guard parts.count == 2 else { continue }
                    if parts[0].lowercased() == "content-length" { length = Int(parts[1]) ?? 0 }
                    if parts[0].lowercased() == "ledger-exit-code" { exitCode = parts[1] }
                }
                while pending.count < end + 4 + length { try fill() }
                let text = String(decoding: pending[(end + 4)..<(end + 4 + length)], as: UTF8.self)
                pending.removeFirst(end + 4 + length)
                return (status, exitCode, text)
            }
            try fill()
        }
    }

    private func find(_ needle: [UInt8]) -> Int? {
        guard pending.count >= needle.count else { return nil }
        for index in 0...(pending.count - needle.count) where Array(pending[index..<(index + needle.count)]) == needle { return index }
        return nil
    }

    private func fill() throws {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { throw BenchFailure("the service closed the connection", code: 1) }
        pending += buffer[0..<n]
    }
}
