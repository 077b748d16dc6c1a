import Foundation

/// The scenario the simulator plays: API keys, models, their retrain jobs, defaults for uploaded jobs,
/// and per-job fault injection. Decoded from JSON with snake_case field names; unknown fields are rejected.
/// The schema is documented in `docs/simulator.md`.
public struct SimulatorFixture: Codable, Sendable, Equatable {
    /// API keys; each one names the model it belongs to.
    public var apiKeys: [APIKey]
    /// Published models and their retrain jobs.
    public var models: [Model]
    /// How jobs created through the upload flow behave.
    public var uploadDefaults: UploadDefaults

    /// Creates a fixture. `uploadDefaults` defaults to "finish after 2 status checks".
    public init(apiKeys: [APIKey] = [], models: [Model] = [], uploadDefaults: UploadDefaults = UploadDefaults()) {
        self.apiKeys = apiKeys
        self.models = models
        self.uploadDefaults = uploadDefaults
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case apiKeys = "api_keys"
        case models
        case uploadDefaults = "upload_defaults"
    }

    /// Reads, decodes and validates a fixture file.
    /// - Throws: ``SimulatorError/fixtureUnreadable(path:reason:)`` or ``SimulatorError/fixtureInvalid(_:)``
    ///   whose message names the offending field (for example `models[0].jobs[1].statuss`).
    public static func load(path: String) throws -> SimulatorFixture {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw SimulatorError.fixtureUnreadable(path: path, reason: error.localizedDescription)
        }
        return try decode(data)
    }

    /// Decodes and validates a fixture from JSON bytes.
    public static func decode(_ data: Data) throws -> SimulatorFixture {
        let fixture: SimulatorFixture
        do {
            fixture = try JSONDecoder().decode(SimulatorFixture.self, from: data)
        } catch let error as DecodingError {
            if case .dataCorrupted(let context) = error, context.codingPath.isEmpty {
                throw SimulatorError.fixtureInvalid("not valid JSON: \(jsonSyntaxDetail(data) ?? context.debugDescription)")
            }
            throw SimulatorError.fixtureInvalid(error.fixtureDescription)
        } catch {
            throw SimulatorError.fixtureInvalid(error.localizedDescription)
        }
        try fixture.validate()
        return fixture
    }

    /// Where the JSON syntax error is ("Invalid value around line 3, column 5."), when Foundation says.
    private static func jsonSyntaxDetail(_ data: Data) -> String? {
        do {
            _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            return nil
        } catch {
            return (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
        }
    }
}
