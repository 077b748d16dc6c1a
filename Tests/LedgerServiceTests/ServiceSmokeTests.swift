import Testing

@testable import LedgerService

@Suite struct ServiceModuleTests {
    @Test func moduleLinks() {
        #expect(String(describing: LedgerServiceModule.self) == "LedgerServiceModule")
    }
}
