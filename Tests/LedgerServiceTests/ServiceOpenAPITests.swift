import Foundation
import Testing

@testable import LedgerService

/// The OpenAPI document the binary serves is docs/openapi.json byte for byte (scripts/embed-openapi.sh
/// regenerates the embedded copy), and it is the OpenAPI 3.1 document of the service's API.
@Suite struct ServiceOpenAPITests {
    static let sourceRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func theEmbeddedDocumentEqualsDocsOpenAPIJSON() throws {
        let file = try Data(contentsOf: Self.sourceRoot.appendingPathComponent("docs/openapi.json"))
        #expect(Array(OpenAPIDocument.text.utf8) == Array(file), "run scripts/embed-openapi.sh")
    }

    @Test func theDocumentNamesEveryEndpointOfTheService() throws {
        let document = try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.text.utf8)) as? [String: Any]
        #expect(document?["openapi"] as? String == "3.1.0")
        let paths = Set((document?["paths"] as? [String: Any])?.keys.map { $0 } ?? [])
        let expected: Set<String> = [
            "/healthz", "/metrics", "/openapi.json", "/v1/checkpoint", "/v1/vkey", "/v1/checkpoints", "/v1/switches", "/v1/uploads",
            "/v1/retrain-jobs/{id}/status", "/v1/resolutions", "/v1/proposals", "/v1/proposals/{seq}/approvals", "/v1/proposals/{seq}/declines",
            "/v1/reviews", "/v1/report", "/v1/history", "/v1/verify", "/v1/log", "/v1/entries/{seq}", "/v1/export",
        ]
        #expect(paths == expected)
        let schemes = (document?["components"] as? [String: Any])?["securitySchemes"] as? [String: Any]
        #expect(schemes?["bearer"] != nil)
    }
}
