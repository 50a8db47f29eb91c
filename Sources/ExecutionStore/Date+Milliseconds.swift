import Foundation

/// Dates are stored as INTEGER milliseconds since 1970: compact, exact, and cheap to compare in indexes.
extension Date {
    /// Milliseconds since 1970, rounded down.
    var millisecondsSince1970: Int64 { Int64((timeIntervalSince1970 * 1000).rounded(.down)) }

    /// The date `milliseconds` after 1970.
    init(millisecondsSince1970 milliseconds: Int64) {
        self.init(timeIntervalSince1970: Double(milliseconds) / 1000)
    }
}
