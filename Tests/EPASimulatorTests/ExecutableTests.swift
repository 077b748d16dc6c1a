import Foundation
import LedgerTestSupport
import Testing

/// Runs the built `epa-simulator` binary, which sits next to the test bundle after
/// `swift build --build-tests`. Without it, each test fails under CI=true and is reported as
/// skipped (cancelled, with a warning) elsewhere: `RequiredTool.requireExecutable`.
@Suite("epa-simulator executable")
struct ExecutableTests {
    static let binary = SimulatorBinary.url

    /// The binary, or (RequiredTool's rule) a failure under CI / a loud skip elsewhere.
    static func requireBinary() throws -> URL {
        try RequiredTool.requireExecutable(binary?.path, named: "epa-simulator", for: "the epa-simulator executable tests")
        return try #require(binary)
    }
    static let demoFixture = FixtureTests.repoRoot.appendingPathComponent("demo/fixture.json").path

    struct Finished {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs the binary to completion on a private thread.
    static func run(_ arguments: [String]) async throws -> Finished {
        let binary = try Self.requireBinary()
        return try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(
                    with: Result {
                        let process = Process()
                        process.executableURL = binary
                        process.arguments = arguments
                        let out = Pipe()
                        let err = Pipe()
                        process.standardOutput = out
                        process.standardError = err
                        try process.run()
                        let stdout = out.fileHandleForReading.readDataToEndOfFile()
                        let stderr = err.fileHandleForReading.readDataToEndOfFile()
                        process.waitUntilExit()
                        return Finished(
                            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                            stderr: String(decoding: stderr, as: UTF8.self))
                    })
            }.start()
        }
    }

    @Test func printsPortThenBaseURLAndExitsZeroOnSIGTERM() async throws {
        let binary = try Self.requireBinary()
        let logPath = temporaryPath("exe.jsonl")
        defer { try? FileManager.default.removeItem(atPath: logPath) }
        let process = Process()
        process.executableURL = binary
        process.arguments = ["--fixture", Self.demoFixture, "--request-log", logPath]
        let out = Pipe()
        process.standardOutput = out
        try process.run()

        let lines: [String] = try await withCheckedThrowingContinuation { continuation in
            Thread {
                var buffer = Data()
                let handle = out.fileHandleForReading
                while String(decoding: buffer, as: UTF8.self).filter({ $0 == "\n" }).count < 2 {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    buffer.append(chunk)
                }
                continuation.resume(returning: String(decoding: buffer, as: UTF8.self).split(separator: "\n").map(String.init))
            }.start()
        }
        let port = try #require(lines.first.flatMap(Int.init))
        #expect(lines.count == 2)
        #expect(lines.dropFirst().first == "base_url http://127.0.0.1:\(port)/v1/external")

        let response = try await RawHTTP.request(
            port: port, method: "PUT", target: "/v1/external/retrain_jobs/churn-2026-11-a/update_model",
            apiKey: "demo-key-churn")
        #expect(response.status == 200)
        let flaky = try await RawHTTP.request(
            port: port, method: "PUT", target: "/v1/external/retrain_jobs/churn-2026-11-flaky/update_model",
            apiKey: "demo-key-churn")
        #expect(flaky.status == 500)

        process.terminate()  // SIGTERM
        await withCheckedContinuation { continuation in
            Thread {
                process.waitUntilExit()
                continuation.resume()
            }.start()
        }
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
        let log = try String(contentsOfFile: logPath, encoding: .utf8)
        #expect(log.split(separator: "\n").count == 2)
        #expect(!log.contains("demo-key-churn"))
    }

    @Test func badFixtureExits78WithOneLine() async throws {
        let path = temporaryPath("bad.json")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(#"{"models":[{"name":"a","model_id":1,"colour":"red"}]}"#.utf8).write(to: URL(fileURLWithPath: path))
        let result = try await Self.run(["--fixture", path])
        #expect(result.status == 78)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(result.stderr.contains("models[0].colour"))
    }

    @Test(arguments: [
        ["--fixture"], ["--fixture", "x.json", "--port", "abc"], ["--bogus"],
        ["--fixture", "x.json", "--host", "0.0.0.0"], ["--fixture", "x.json", "--port", "99999"],
    ])
    func badFlagsExit64(arguments: [String]) async throws {
        let result = try await Self.run(arguments)
        #expect(result.status == 64)
    }

    @Test func helpExplainsEverything() async throws {
        let result = try await Self.run(["--help"])
        #expect(result.status == 0)
        for word in ["--fixture", "--host", "--port", "--request-log", "SIGTERM", "base_url", "Example", "78", "64"] {
            #expect(result.stdout.contains(word), "help lacks \(word)")
        }
    }
}

/// The built binary, when found next to the test bundle (or up to three directories above it).
enum SimulatorBinary {
    static let url: URL? = {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("epa-simulator")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }()
}
