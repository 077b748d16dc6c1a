import Foundation
import HTTPTypes
import Hummingbird

extension Request {
    /// The `x-api-key` header value, if present. Matching is case-insensitive.
    var apiKey: String? {
        headers.first { $0.name.canonicalName == "x-api-key" }?.value
    }
}

extension Request {
    /// A query parameter, form-decoded (`+` is a space, then percent-decoding), first occurrence wins.
    func queryValue(_ name: String) -> String? {
        guard let query = uri.query else { return nil }
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard Self.formDecode(parts[0]) == name else { continue }
            return parts.count > 1 ? Self.formDecode(parts[1]) : ""
        }
        return nil
    }

    private static func formDecode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}
