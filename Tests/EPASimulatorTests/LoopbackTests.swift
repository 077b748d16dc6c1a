import EPASimulator
import Testing

@Suite("Loopback only")
struct LoopbackTests {
    @Test(arguments: ["0.0.0.0", "10.0.0.1", "192.168.1.2", "example.com", "::", "128.0.0.1", "127.0.0", "127.0.0.1.5", ""])
    func refusesNonLoopback(host: String) async {
        #expect(throws: SimulatorError.nonLoopbackHost(host)) {
            try Simulator.validateHost(host)
        }
        await #expect(throws: SimulatorError.nonLoopbackHost(host)) {
            _ = try await Simulator.start(fixture: TestFixture.make(), host: host)
        }
    }

    @Test(arguments: ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"])
    func acceptsLoopback(host: String) throws {
        try Simulator.validateHost(host)
    }

    @Test func nonLoopbackErrorIsClear() {
        let message = SimulatorError.nonLoopbackHost("0.0.0.0").errorDescription ?? ""
        #expect(message.contains("0.0.0.0") && message.contains("loopback"))
    }

    @Test func rejectsBadPort() async {
        await #expect(throws: SimulatorError.invalidPort(70_000)) {
            _ = try await Simulator.start(fixture: TestFixture.make(), port: 70_000)
        }
    }

    @Test func startsOnEphemeralPortAndStops() async throws {
        let simulator = try await Simulator.start(fixture: TestFixture.make())
        #expect(simulator.port > 0)
        #expect(simulator.baseURL == "http://127.0.0.1:\(simulator.port)/v1/external")
        let response = try await simulator.status("a-done")
        #expect(response.status == 200)
        await simulator.stop()
        await simulator.stop()  // idempotent
        await #expect(throws: (any Error).self) {
            _ = try await simulator.status("a-done")
        }
    }

    @Test func portInUseFailsToStart() async throws {
        try await withSimulator { first in
            await #expect(throws: SimulatorError.self) {
                _ = try await Simulator.start(fixture: TestFixture.make(), port: first.port)
            }
        }
    }
}
