import Foundation

/// Numbers as people write them, for logs and messages: `2.4` rather than `2.4000000000000004` (what `0.8 × 3`
/// prints through `description`), `3` rather than `3.0`.
public enum NumberText {
    /// The value rounded to at most `digits` decimals, without trailing zeros or a trailing point.
    /// - Parameters:
    ///   - value: the number; `nan` and infinities print as Swift prints them.
    ///   - digits: the most decimals kept (0...9).
    public static func decimal(_ value: Double, digits: Int = 3) -> String {
        guard value.isFinite else { return "\(value)" }
        let digits = min(max(digits, 0), 9)
        var text = String(format: "%.\(digits)f", value)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text == "-0" ? "0" : text
    }

    /// A duration in seconds as people write it (`2.4`, `30`, `0.125`).
    public static func seconds(_ duration: Duration, digits: Int = 3) -> String {
        let (seconds, attoseconds) = duration.components
        return decimal(Double(seconds) + Double(attoseconds) * 1e-18, digits: digits)
    }
}
