import Foundation
import HTTPTypes
import HummingbirdTesting
import LedgerCore
import LedgerPresentation
import LedgerService
import LedgerTestSupport
import LedgerWorkflows
import Testing

/// The notes local `report`/`history` print on stderr travel as `Ledger-Note` /
/// `Ledger-Trailing-Note` headers, so remote mode prints them too.
@Suite struct ServiceReportNotesTests {
    @Test func historyOfAModelWithNoSwitchesCarriesItsTrailingNote() async throws {
        let service = try await InProcessService()
        let token = try service.addUser("ann", role: .auditor)
        try await service.test { client in
            try await client.execute(uri: "/v1/history?model=churn&format=json", method: .get, headers: Call.headers(token)) { response in
                #expect(response.status == .ok)
                let values = response.headers[values: HTTPField.Name(ReportNoteHeader.trailing)!]
                let notes = values.compactMap(ReportNoteHeader.decode)
                #expect(notes.count == 1)
                #expect(notes.first?.contains("no switches of churn") == true, "\(notes)")
                // Percent-encoded: every header value is printable ASCII.
                #expect(values.allSatisfy { $0.utf8.allSatisfy { (0x20...0x7E).contains($0) } })
            }
        }
    }
}
