import Foundation

/// A `$formatNumber` picture (XPath `format-number`): mandatory `0` and optional `#` digits, `,` grouping, `.`
/// decimal separator, `%`/`‰` suffixes, `e` exponent, and a second sub-picture after `;` for negatives.
struct NumberPicture {
    private var prefix = ""
    private var suffix = ""
    private var minimumInteger = 0
    private var groupingPositions: [Int] = []
    private var minimumFraction = 0
    private var maximumFraction = 0
    private var percent = false
    private var perMille = false
    private var exponentDigits = 0
    private var negative: (prefix: String, suffix: String)?

    init(_ picture: String, options: JObject?) throws {
        let parts = picture.components(separatedBy: ";")
        if parts.count > 2 { throw JSONataError("D3080") }
        try parse(parts[0])
        if parts.count == 2 {
            var other = self
            try other.parse(parts[1])
            negative = (other.prefix, other.suffix)
        }
    }

    private static let active: Set<Character> = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "#", ".", ",", "e"]

    private mutating func parse(_ picture: String) throws {
        let characters = Array(picture)
        guard let first = characters.firstIndex(where: { Self.active.contains($0) && $0 != "e" }) else {
            throw JSONataError("D3085")
        }
        let last = characters.lastIndex(where: { Self.active.contains($0) })!
        prefix = String(characters[..<first])
        suffix = String(characters[(last + 1)...])
        if suffix.contains("%") { percent = true }
        if suffix.contains("‰") { perMille = true }
        var body = String(characters[first...last])
        if let e = body.firstIndex(of: "e") {
            exponentDigits = body[body.index(after: e)...].filter { $0 == "0" }.count
            body = String(body[..<e])
        }
        let pieces = body.components(separatedBy: ".")
        if pieces.count > 2 { throw JSONataError("D3081") }
        let integer = pieces[0]
        let fraction = pieces.count > 1 ? pieces[1] : ""
        if integer.contains(",,") { throw JSONataError("D3089") }
        if integer.hasSuffix(",") { throw JSONataError("D3088") }
        minimumInteger = integer.filter(\.isNumber).count
        var position = 0
        for character in integer.reversed() {
            if character == "," { groupingPositions.append(position) } else { position += 1 }
        }
        minimumFraction = fraction.filter(\.isNumber).count
        maximumFraction = fraction.filter { $0.isNumber || $0 == "#" }.count
        if minimumInteger == 0 && maximumFraction == 0 && exponentDigits == 0 { minimumInteger = 1 }
    }

    func format(_ value: Double) throws -> String {
        var number = abs(value)
        if percent { number *= 100 }
        if perMille { number *= 1000 }
        var exponent = 0
        if exponentDigits > 0 && number != 0 {
            let integerDigits = max(minimumInteger, 1)
            while number >= pow(10, Double(integerDigits)) {
                number /= 10
                exponent += 1
            }
            while number < pow(10, Double(integerDigits - 1)) {
                number *= 10
                exponent -= 1
            }
        }
        let scale = pow(10, Double(maximumFraction))
        var rounded = (number * scale).rounded(.toNearestOrEven) / scale
        if abs(rounded * scale - (number * scale)) == 0.5 {
            rounded = (number * scale).rounded(.toNearestOrEven) / scale
        }
        var text = String(format: "%.\(maximumFraction)f", rounded)
        var integerPart = text
        var fractionPart = ""
        if let dot = text.firstIndex(of: ".") {
            integerPart = String(text[..<dot])
            fractionPart = String(text[text.index(after: dot)...])
        }
        while fractionPart.count > minimumFraction && fractionPart.hasSuffix("0") { fractionPart.removeLast() }
        if integerPart == "0" && minimumInteger == 0 { integerPart = "" }
        while integerPart.count < minimumInteger { integerPart = "0" + integerPart }
        if !groupingPositions.isEmpty {
            var grouped = ""
            let regular =
                groupingPositions.count == 1
                || Set(zip(groupingPositions, groupingPositions.dropFirst()).map { $1 - $0 }).count == 1
                    && groupingPositions.first.map { $0 == groupingPositions[1] - groupingPositions[0] } == true
            for (index, character) in integerPart.reversed().enumerated() {
                let boundary =
                    regular && groupingPositions[0] > 0
                    ? index > 0 && index % groupingPositions[0] == 0
                    : groupingPositions.contains(index) && index > 0
                if boundary { grouped = "," + grouped }
                grouped = String(character) + grouped
            }
            integerPart = grouped
        }
        text = integerPart + (fractionPart.isEmpty ? "" : "." + fractionPart)
        if exponentDigits > 0 {
            var digits = String(abs(exponent))
            while digits.count < exponentDigits { digits = "0" + digits }
            text += "e" + (exponent < 0 ? "-" : "") + digits
        }
        if value < 0 {
            if let negative { return negative.prefix + text + negative.suffix }
            return "-" + prefix + text + suffix
        }
        return prefix + text + suffix
    }
}
