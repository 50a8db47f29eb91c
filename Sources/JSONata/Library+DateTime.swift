import Foundation

extension Library {
    static let dateTimeFunctions: [Native] = [
        Native("now", "<s?s?:s>") { evaluator, arguments, _, _ in
            let picture = try argument(arguments, 0)?.string.map { try DateTimePicture($0) } ?? .iso
            return .string(try picture.format(evaluator.millis, timezone: argument(arguments, 1)?.string))
        },
        Native("millis", "<:n>") { evaluator, _, _, _ in .number(evaluator.millis) },
        Native("toMillis", "<s-s?:n>") { evaluator, arguments, _, _ in
            guard case .string(let text)? = arguments[0] else { return nil }
            if case .string(let picture)? = argument(arguments, 1) {
                return try DateTimePicture(picture).parse(text, now: evaluator.millis).map { .number($0) }
            }
            guard let date = parseISO(text) else { throw JSONataError("D3110", value: arguments[0]) }
            return .number((date.timeIntervalSince1970 * 1000).rounded())
        },
        Native("fromMillis", "<n-s?s?:s>") { _, arguments, _, _ in
            guard case .number(let millis)? = arguments[0] else { return nil }
            let picture = try argument(arguments, 1)?.string.map { try DateTimePicture($0) } ?? .iso
            return .string(try picture.format(millis, timezone: argument(arguments, 2)?.string))
        },
    ]

    /// `YYYY-MM-DDTHH:mm:ss.sssZ`, as JavaScript's `toISOString`.
    static func isoString(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let millis = (date.timeIntervalSince1970 * 1000).rounded(.down)
        let whole = Date(timeIntervalSince1970: (millis / 1000).rounded(.down))
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: whole)
        let fraction = Int(millis - (millis / 1000).rounded(.down) * 1000)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.year!, parts.month!, parts.day!, parts.hour!,
            parts.minute!, parts.second!, fraction)
    }

    /// An ISO 8601 timestamp or date (`2018-02-01`, `2018-02-01T09:42:13.123Z`, `…+01:00`, `…+0100`).
    static func parseISO(_ text: String) -> Date? {
        let pattern =
            #"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?(Z|[+-]\d{2}:?\d{2})?$"#
        guard let regex = try? NSRegularExpression(pattern: pattern),
            let match = regex.firstMatch(in: text, range: NSRange(location: 0, length: (text as NSString).length))
        else { return nil }
        func group(_ index: Int) -> String? {
            let range = match.range(at: index)
            return range.location == NSNotFound ? nil : (text as NSString).substring(with: range)
        }
        var components = DateComponents()
        components.year = Int(group(1)!)
        components.month = group(2).flatMap { Int($0) } ?? 1
        components.day = group(3).flatMap { Int($0) } ?? 1
        components.hour = group(4).flatMap { Int($0) } ?? 0
        components.minute = group(5).flatMap { Int($0) } ?? 0
        components.second = group(6).flatMap { Int($0) } ?? 0
        var offset = 0
        if let zone = group(8), zone != "Z" {
            let digits = zone.dropFirst().filter(\.isNumber)
            let hours = Int(digits.prefix(2)) ?? 0
            let minutes = Int(digits.suffix(2)) ?? 0
            offset = (hours * 60 + minutes) * 60 * (zone.hasPrefix("-") ? -1 : 1)
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: offset)!
        guard let date = calendar.date(from: components) else { return nil }
        let fraction = group(7).map { Double("0." + $0) ?? 0 } ?? 0
        return date.addingTimeInterval(fraction)
    }
}
