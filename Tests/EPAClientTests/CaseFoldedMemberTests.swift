import Testing

@testable import EPAClient

@Suite("Error bodies with one name spelt in two cases")
struct CaseFoldedMemberTests {
    @Test("`message` and `Message` with different values are ambiguous: read as absent, the same in every process")
    func differingSpellingsAreAmbiguous() {
        let body = Array(#"{"code":4001000204,"message":"Not found retrain job.","Message":"Not found classifier."}"#.utf8)
        // Dictionary order differs between processes; the rule must not depend on it.
        let answers = Set((0..<50).map { _ in ServiceErrorBody(parsing: body).message ?? "<none>" })
        #expect(answers == ["<none>"])
        #expect(ServiceErrorBody(parsing: body).code == "4001000204")
    }

    @Test("the same value under two spellings is read")
    func sameValueIsRead() {
        let body = Array(#"{"message":"Not found retrain job.","MESSAGE":"Not found retrain job."}"#.utf8)
        #expect(ServiceErrorBody(parsing: body).message == "Not found retrain job.")
    }
}
