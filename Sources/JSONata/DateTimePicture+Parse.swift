import Foundation

extension DateTimePicture {
    private struct Matcher {
        var pattern: String
        var component: Character?
        var parse: ((String) -> Double?)?
    }

    private func matchers() throws -> [Matcher] {
        try parts.map { part in
            switch part {
            case .literal(let text):
                return Matcher(pattern: NSRegularExpression.escapedPattern(for: text))
            case .marker(let marker):
                let component = marker.component
                if component == "Z" || component == "z" {
                    let separator = marker.integer?.isRegular == true ? marker.integer!.regularCharacter : nil
                    var pattern = component == "z" ? "GMT" : ""
                    pattern += "[-+][0-9]+"
                    if let separator { pattern += NSRegularExpression.escapedPattern(for: separator) + "[0-9]+" }
                    return Matcher(pattern: pattern, component: component) { text in
                        var value = text
                        if component == "z" { value = String(value.dropFirst(3)) }
                        if let separator, let range = value.range(of: separator) {
                            let hours = Double(value[..<range.lowerBound]) ?? 0
                            let minutes = Double(value[range.upperBound...]) ?? 0
                            return hours * 60 + (hours < 0 ? -minutes : minutes)
                        }
                        let digits = value.count - 1
                        if digits <= 2 { return (Double(value) ?? 0) * 60 }
                        let hours = Double(value.prefix(3)) ?? 0
                        let minutes = Double(value.dropFirst(3)) ?? 0
                        return hours * 60 + minutes
                    }
                }
                if component == "f" {
                    return Matcher(pattern: "[0-9]+", component: "f") { text in
                        (Double("0." + text.prefix(3)) ?? 0) * 1000
                    }
                }
                if let integer = marker.integer {
                    return Matcher(pattern: try integer.pattern(), component: component) { integer.parse($0) }
                }
                var lookup: [String: Double] = [:]
                if component == "M" || component == "x" {
                    for (index, name) in Self.months.enumerated() {
                        lookup[String(name.prefix(marker.widthMax ?? name.count)).lowercased()] = Double(index + 1)
                    }
                } else if component == "F" {
                    for (index, name) in Self.days.enumerated() where index > 0 {
                        lookup[String(name.prefix(marker.widthMax ?? name.count)).lowercased()] = Double(index)
                    }
                } else if component == "P" {
                    lookup = ["am": 0, "pm": 1]
                } else {
                    throw JSONataError("D3133", value: .string(String(component)))
                }
                return Matcher(pattern: "[a-zA-Z]+", component: component) { lookup[$0.lowercased()] }
            }
        }
    }

    /// Parses a timestamp written with this picture into UTC milliseconds; `nil` when it does not match.
    func parse(_ text: String, now: Double) throws -> Double? {
        let matchers = try matchers()
        let pattern = "^" + matchers.map { "(" + $0.pattern + ")" }.joined() + "$"
        guard let regex = try? NSRegularExpression(pattern: pattern, options: [.caseInsensitive]),
            let match = regex.firstMatch(in: text, range: NSRange(location: 0, length: (text as NSString).length))
        else { return nil }
        var components: [Character: Double] = [:]
        for (index, matcher) in matchers.enumerated() {
            guard let parse = matcher.parse, let component = matcher.component else { continue }
            let range = match.range(at: index + 1)
            guard range.location != NSNotFound else { continue }
            components[component] = parse((text as NSString).substring(with: range))
        }
        if components.isEmpty { return nil }
        func mask(_ letters: String) -> Int {
            letters.reduce(0) { ($0 << 1) + (components[$1] != nil ? 1 : 0) }
        }
        func isType(_ type: Int, _ mask: Int) -> Bool { (~type & mask) == 0 && (type & mask) != 0 }
        let dateMask = mask("YXMxWwdD")
        let dateA = isType(161, dateMask)
        let dateB = !dateA && isType(130, dateMask)
        let dateC = isType(84, dateMask)
        let dateD = !dateC && isType(72, dateMask)
        let timeMask = mask("PHhmsf")
        let timeA = isType(23, timeMask)
        let timeB = !timeA && isType(47, timeMask)
        let dateComponents = dateB ? "YD" : dateC ? "XxwF" : dateD ? "XWF" : "YMD"
        let timeComponents = timeB ? "Phmsf" : "Hmsf"
        let current = CivilTime(millis: now)
        var startSpecified = false
        var endSpecified = false
        for part in dateComponents + timeComponents {
            if components[part] == nil {
                if startSpecified {
                    components[part] = "MDd".contains(part) ? 1 : 0
                    endSpecified = true
                } else {
                    components[part] = Double(part == "P" ? (current.hour >= 12 ? 1 : 0) : current.fragment(part))
                }
            } else {
                startSpecified = true
                if endSpecified { throw JSONataError("D3136") }
            }
        }
        var month = (components["M"] ?? 0) > 0 ? Int(components["M"]!) - 1 : 0
        var day = Int(components["D"] ?? 1)
        let year = Int(components["Y"] ?? 1970)
        if dateB {
            let derived = CivilTime(
                millis: CivilTime.utc(year: year, month: 0) + ((components["d"] ?? 1) - 1) * CivilTime.millisPerDay)
            month = derived.month - 1
            day = derived.day
        }
        if dateC || dateD { throw JSONataError("D3136") }
        var hour = Int(components["H"] ?? 0)
        if timeB {
            let twelve = Int(components["h"] ?? 0)
            hour = twelve == 12 ? 0 : twelve
            if components["P"] == 1 { hour += 12 }
        }
        var millis = CivilTime.utc(
            year: year, month: month, day: day, hour: hour, minute: Int(components["m"] ?? 0),
            second: Int(components["s"] ?? 0), millis: components["f"] ?? 0)
        if let offset = components["Z"] ?? components["z"], offset != 0 { millis -= offset * 60 * 1000 }
        return millis
    }
}
