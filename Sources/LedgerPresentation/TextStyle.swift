/// The styles of human output (ANSI SGR), applied only when colour is on: the CLI turns it on for a
/// terminal without NO_COLOR; the service never does.
public enum TextStyle: String, Sendable {
    case green = "32", red = "31", yellow = "33", bold = "1", dim = "2"

    /// `text` in this style when `color`, else `text` unchanged.
    public func apply(to text: String, color: Bool) -> String {
        color ? "\u{1B}[\(rawValue)m\(text)\u{1B}[0m" : text
    }
}
