import Foundation

/// An XPath date/time picture (`[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001][Z01:01t]`) for `$fromMillis`,
/// `$now` and `$toMillis`, working in UTC milliseconds.
struct DateTimePicture {
    struct Marker {
        var component: Character
        var presentation1 = ""
        var presentation2: Character?
        var widthMin: Int?
        var widthMax: Int?
        var names: IntegerPicture.Case?
        var integer: IntegerPicture?
        var yearDigits = -1
    }

    enum Part {
        case literal(String)
        case marker(Marker)
    }

    var parts: [Part] = []

    static let iso = try! DateTimePicture("[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001][Z01:01t]")

    private static let defaults: [Character: String] = [
        "Y": "1", "M": "1", "D": "1", "d": "1", "F": "n", "W": "1", "w": "1", "X": "1", "x": "1", "H": "1",
        "h": "1", "P": "n", "m": "01", "s": "01", "f": "1", "Z": "01:01", "z": "01:01", "C": "n", "E": "n",
    ]

    init(_ picture: String) throws {
        let characters = Array(picture)
        var start = 0
        var position = 0
        func addLiteral(_ from: Int, _ to: Int) {
            if to > from {
                parts.append(.literal(String(characters[from..<to]).replacingOccurrences(of: "]]", with: "]")))
            }
        }
        while position < characters.count {
            if characters[position] == "[" {
                if position + 1 < characters.count && characters[position + 1] == "[" {
                    addLiteral(start, position)
                    parts.append(.literal("["))
                    position += 2
                    start = position
                    continue
                }
                addLiteral(start, position)
                start = position
                guard let close = characters[start...].firstIndex(of: "]") else { throw JSONataError("D3135") }
                position = close
                let text = String(characters[(start + 1)..<close]).filter { !$0.isWhitespace }
                parts.append(.marker(try Self.marker(text, after: &parts)))
                start = position + 1
            }
            position += 1
        }
        addLiteral(start, position)
    }

    private static func marker(_ text: String, after parts: inout [Part]) throws -> Marker {
        guard let component = text.first else { throw JSONataError("D3132", value: .string("")) }
        var marker = Marker(component: component)
        var modifiers = String(text.dropFirst())
        if let comma = text.lastIndex(of: ",") {
            let width = String(text[text.index(after: comma)...])
            modifiers = String(text[text.index(after: text.startIndex)..<comma])
            let bounds = width.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            marker.widthMin = bounds[0] == "*" ? nil : Int(bounds[0].prefix { $0.isNumber })
            if bounds.count > 1 { marker.widthMax = bounds[1] == "*" ? nil : Int(bounds[1].prefix { $0.isNumber }) }
        }
        if modifiers.count == 1 {
            marker.presentation1 = modifiers
        } else if modifiers.count > 1, let last = modifiers.last, "atco".contains(last) {
            marker.presentation2 = last
            marker.presentation1 = String(modifiers.dropLast())
        } else if modifiers.count > 1 {
            marker.presentation1 = modifiers
        } else {
            guard let fallback = defaults[component] else {
                throw JSONataError("D3132", value: .string(String(component)))
            }
            marker.presentation1 = fallback
        }
        if marker.presentation1.first == "n" {
            marker.names = .lower
        } else if marker.presentation1.first == "N" {
            marker.names = marker.presentation1.dropFirst().first == "n" ? .title : .upper
        } else if "YMDdFWwXxHhmsf".contains(component) {
            var pattern = marker.presentation1
            if let second = marker.presentation2 { pattern += ";" + String(second) }
            var integer = try IntegerPicture(pattern)
            if let minimum = marker.widthMin, integer.mandatoryDigits < minimum { integer.mandatoryDigits = minimum }
            if component == "Y" {
                if let maximum = marker.widthMax {
                    marker.yearDigits = maximum
                    integer.mandatoryDigits = maximum
                } else if integer.mandatoryDigits + integer.optionalDigits >= 2 {
                    marker.yearDigits = integer.mandatoryDigits + integer.optionalDigits
                }
            }
            if case .marker(var previous)? = parts.last, var previousInteger = previous.integer {
                previousInteger.parseWidth = previousInteger.mandatoryDigits
                previous.integer = previousInteger
                parts[parts.count - 1] = .marker(previous)
            }
            marker.integer = integer
        }
        if component == "Z" || component == "z" { marker.integer = try IntegerPicture(marker.presentation1) }
        return marker
    }

    static let days = ["", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    static let months = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
        "November", "December",
    ]

    /// Formats UTC milliseconds, shifted to `timezone` (`±hhmm`) when given.
    func format(_ millis: Double, timezone: String?) throws -> String {
        var offsetHours = 0
        var offsetMinutes = 0
        if let timezone, let offset = Int(timezone.prefix { $0.isNumber || $0 == "-" || $0 == "+" }) {
            offsetHours = Int((Double(offset) / 100).rounded(.down))
            offsetMinutes = offset % 100
        }
        let date = CivilTime(millis: millis + Double((60 * offsetHours + offsetMinutes) * 60 * 1000))
        var result = ""
        for part in parts {
            switch part {
            case .literal(let text): result += text
            case .marker(let marker):
                result += try format(marker, date, offsetHours: offsetHours, offsetMinutes: offsetMinutes)
            }
        }
        return result
    }

    private func format(_ marker: Marker, _ date: CivilTime, offsetHours: Int, offsetMinutes: Int) throws -> String {
        let component = marker.component
        if "YMDdFWwXxHhms".contains(component) {
            var value = date.fragment(component)
            if component == "Y" && marker.yearDigits != -1 {
                var modulus = 1
                for _ in 0..<marker.yearDigits { modulus *= 10 }
                value %= modulus
            }
            if let names = marker.names {
                var name: String
                if component == "M" || component == "x" {
                    name = Self.months[value - 1]
                } else if component == "F" {
                    name = Self.days[value]
                } else {
                    throw JSONataError("D3133", value: .string(String(component)))
                }
                if names == .upper { name = name.uppercased() } else if names == .lower { name = name.lowercased() }
                if let maximum = marker.widthMax, name.count > maximum { name = String(name.prefix(maximum)) }
                return name
            }
            return try marker.integer!.format(value)
        }
        switch component {
        case "f":
            return try marker.integer!.format(date.fragment("f"))
        case "Z", "z":
            let offset = offsetHours * 100 + offsetMinutes
            let integer = marker.integer!
            var text: String
            if integer.isRegular {
                text = try integer.format(offset)
            } else if integer.mandatoryDigits == 1 || integer.mandatoryDigits == 2 {
                text = try integer.format(offsetHours)
                if offsetMinutes != 0 { text += ":" + (try IntegerPicture("00").format(offsetMinutes)) }
            } else if integer.mandatoryDigits == 3 || integer.mandatoryDigits == 4 {
                text = try integer.format(offset)
            } else {
                throw JSONataError("D3134", value: .number(Double(integer.mandatoryDigits)))
            }
            if offset >= 0 { text = "+" + text }
            if component == "z" { text = "GMT" + text }
            if offset == 0 && marker.presentation2 == "t" { text = "Z" }
            return text
        case "P":
            let text = date.hour >= 12 ? "pm" : "am"
            return marker.names == .upper ? text.uppercased() : text
        case "C", "E":
            return "ISO"
        default:
            throw JSONataError("D3132", value: .string(String(component)))
        }
    }
}
