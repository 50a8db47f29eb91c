import Foundation

/// A `$formatNumber` picture (XPath `format-number`): digit family from `zero-digit`, optional `#` digits,
/// grouping and decimal separators, `%`/`‰` scaling, an exponent, and a second sub-picture for negatives.
struct NumberPicture {
    private struct SubPicture {
        var prefix: [Character] = []
        var suffix: [Character] = []
        var picture: [Character] = []
        var integerGrouping: [Int] = []
        var regularGrouping = 0
        var fractionalGrouping: [Int] = []
        var minimumInteger = 0
        var scalingFactor = 0
        var minimumFraction = 0
        var maximumFraction = 0
        var minimumExponent = 0
    }

    private var properties: [String: String] = [
        "decimal-separator": ".", "grouping-separator": ",", "exponent-separator": "e", "infinity": "Infinity",
        "minus-sign": "-", "NaN": "NaN", "percent": "%", "per-mille": "\u{2030}", "zero-digit": "0", "digit": "#",
        "pattern-separator": ";",
    ]
    private var family: [Character] = []
    private var subPictures: [SubPicture] = []

    private func property(_ name: String) -> Character { properties[name]?.first ?? " " }

    init(_ picture: String, options: JObject?) throws {
        for (key, value) in options?.pairs ?? [] { if let text = value.string { properties[key] = text } }
        let zero = properties["zero-digit"]!.unicodeScalars.first!.value
        family = (0..<10).compactMap { Unicode.Scalar(zero + $0).map(Character.init) }
        let parts = picture.split(separator: property("pattern-separator"), omittingEmptySubsequences: false)
        if parts.count > 2 { throw JSONataError("D3080") }
        subPictures = try parts.map { try analyse(Array($0)) }
        if subPictures.count == 1 {
            var negative = subPictures[0]
            negative.prefix = [property("minus-sign")] + negative.prefix
            subPictures.append(negative)
        }
    }

    private var activeCharacters: Set<Character> {
        Set(family).union([
            property("decimal-separator"), property("exponent-separator"), property("grouping-separator"),
            property("digit"), property("pattern-separator"),
        ])
    }

    private func isDigit(_ character: Character) -> Bool { family.contains(character) }

    private func analyse(_ sub: [Character]) throws -> SubPicture {
        let active = activeCharacters
        let exponentSeparator = property("exponent-separator")
        let decimal = property("decimal-separator")
        let grouping = property("grouping-separator")
        let digit = property("digit")
        let prefixEnd = sub.firstIndex { active.contains($0) && $0 != exponentSeparator } ?? 0
        let suffixStart = (sub.lastIndex { active.contains($0) && $0 != exponentSeparator }).map { $0 + 1 } ?? sub.count
        let prefix = Array(sub[..<prefixEnd])
        let suffix =
            prefixEnd == 0 && suffixStart == sub.count && sub.allSatisfy({ !active.contains($0) })
            ? [] : Array(sub[suffixStart...])
        let activePart = Array(sub[prefix.count..<(sub.count - suffix.count)])
        var mantissa = activePart
        var exponentPart: [Character]?
        if let position = sub[prefix.count...].firstIndex(of: exponentSeparator), position <= sub.count - suffix.count {
            // jsonata-js cuts the active part at the separator's offset in the whole sub-picture; so does this.
            let relative = position
            mantissa = Array(activePart[..<min(relative, activePart.count)])
            exponentPart = relative + 1 <= activePart.count ? Array(activePart[(relative + 1)...]) : []
        }
        var integerPart = mantissa
        var fractionalPart = suffix
        if let decimalPosition = mantissa.firstIndex(of: decimal) {
            integerPart = Array(mantissa[..<decimalPosition])
            fractionalPart = Array(mantissa[(decimalPosition + 1)...])
        }
        // Validation, the last rule broken winning as in jsonata-js.
        var error: String?
        let decimals = sub.indices.filter { sub[$0] == decimal }
        if decimals.count > 1 { error = "D3081" }
        if sub.filter({ $0 == property("percent") }).count > 1 { error = "D3082" }
        if sub.filter({ $0 == property("per-mille") }).count > 1 { error = "D3083" }
        let hasPercent = sub.contains(property("percent"))
        let hasPerMille = sub.contains(property("per-mille"))
        if hasPercent && hasPerMille { error = "D3084" }
        if !mantissa.contains(where: { isDigit($0) || $0 == digit }) { error = "D3085" }
        if activePart.contains(where: { !active.contains($0) }) { error = "D3086" }
        if let decimalPosition = decimals.first {
            if (decimalPosition > 0 && sub[decimalPosition - 1] == grouping)
                || (decimalPosition + 1 < sub.count && sub[decimalPosition + 1] == grouping)
            {
                error = "D3087"
            }
        } else if integerPart.last == grouping {
            error = "D3088"
        }
        if zip(sub, sub.dropFirst()).contains(where: { $0 == grouping && $1 == grouping }) { error = "D3089" }
        if let optional = integerPart.firstIndex(of: digit), integerPart[..<optional].contains(where: isDigit) {
            error = "D3090"
        }
        if let optional = fractionalPart.lastIndex(of: digit), fractionalPart[optional...].contains(where: isDigit) {
            error = "D3091"
        }
        if let exponentPart, !exponentPart.isEmpty, hasPercent || hasPerMille { error = "D3092" }
        if let exponentPart, exponentPart.isEmpty || exponentPart.contains(where: { !isDigit($0) }) { error = "D3093" }
        if let error { throw JSONataError(error) }

        var result = SubPicture(prefix: prefix, suffix: suffix, picture: sub)
        func groupingPositions(_ part: [Character], toLeft: Bool) -> [Int] {
            part.indices.filter { part[$0] == grouping }.map { position in
                let side = toLeft ? part[..<position] : part[position...]
                return side.filter { isDigit($0) || $0 == digit }.count
            }
        }
        result.integerGrouping = groupingPositions(integerPart, toLeft: false)
        result.regularGrouping = Self.regular(result.integerGrouping)
        result.fractionalGrouping = groupingPositions(fractionalPart, toLeft: true)
        result.minimumInteger = integerPart.filter(isDigit).count
        result.scalingFactor = result.minimumInteger
        result.minimumFraction = fractionalPart.filter(isDigit).count
        result.maximumFraction = fractionalPart.filter { isDigit($0) || $0 == digit }.count
        let exponentPresent = exponentPart != nil
        if result.minimumInteger == 0 && result.maximumFraction == 0 {
            if exponentPresent {
                result.minimumFraction = 1
                result.maximumFraction = 1
            } else {
                result.minimumInteger = 1
            }
        }
        if exponentPresent && result.minimumInteger == 0 && integerPart.contains(digit) { result.minimumInteger = 1 }
        if result.minimumInteger == 0 && result.minimumFraction == 0 { result.minimumFraction = 1 }
        result.minimumExponent = exponentPart?.filter(isDigit).count ?? 0
        return result
    }

    private static func regular(_ indexes: [Int]) -> Int {
        guard let first = indexes.first else { return 0 }
        func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
        let factor = indexes.dropFirst().reduce(first, gcd)
        guard factor > 0 else { return 0 }
        for index in 1...indexes.count where !indexes.contains(index * factor) { return 0 }
        return factor
    }

    private func digits(_ value: Double, places: Int) -> [Character] {
        let text = String(format: "%.\(max(0, min(places, 100)))f", abs(value))
        return text.map { character in
            if let ascii = character.asciiValue, ascii >= 48, ascii <= 57 { return family[Int(ascii) - 48] }
            return character
        }
    }

    func format(_ value: Double) throws -> String {
        let picture = value >= 0 ? subPictures[0] : subPictures[1]
        var adjusted = value
        if picture.picture.contains(property("percent")) {
            adjusted *= 100
        } else if picture.picture.contains(property("per-mille")) {
            adjusted *= 1000
        }
        var mantissa = adjusted
        var exponent: Int?
        if picture.minimumExponent > 0 {
            let maximum = pow(10, Double(picture.scalingFactor))
            let minimum = pow(10, Double(picture.scalingFactor - 1))
            var power = 0
            if mantissa != 0 {
                while abs(mantissa) < minimum {
                    mantissa *= 10
                    power -= 1
                }
                while abs(mantissa) > maximum {
                    mantissa /= 10
                    power += 1
                }
            }
            exponent = power
        }
        let rounded = Library.roundHalfEven(mantissa, precision: picture.maximumFraction)
        let zero = family[0]
        let decimal = property("decimal-separator")
        let grouping = property("grouping-separator")
        var text = digits(rounded, places: picture.maximumFraction)
        if let dot = text.firstIndex(of: ".") { text[dot] = decimal } else { text.append(decimal) }
        while text.first == zero { text.removeFirst() }
        while text.last == zero { text.removeLast() }
        var decimalPosition = text.firstIndex(of: decimal) ?? text.count
        let padLeft = picture.minimumInteger - decimalPosition
        let padRight = picture.minimumFraction - (text.count - decimalPosition - 1)
        if padLeft > 0 { text = Array(repeating: zero, count: padLeft) + text }
        if padRight > 0 { text += Array(repeating: zero, count: padRight) }
        decimalPosition = text.firstIndex(of: decimal) ?? text.count
        if picture.regularGrouping > 0 {
            let groups = (decimalPosition - 1) / picture.regularGrouping
            if groups >= 1 {
                for group in 1...groups { text.insert(grouping, at: decimalPosition - group * picture.regularGrouping) }
            }
        } else {
            for position in picture.integerGrouping where decimalPosition - position >= 0 {
                text.insert(grouping, at: decimalPosition - position)
                decimalPosition += 1
            }
        }
        decimalPosition = text.firstIndex(of: decimal) ?? text.count
        for position in picture.fractionalGrouping where position + decimalPosition + 1 <= text.count {
            text.insert(grouping, at: position + decimalPosition + 1)
        }
        decimalPosition = text.firstIndex(of: decimal) ?? text.count
        if !picture.picture.contains(decimal) || decimalPosition == text.count - 1 { text.removeLast() }
        var result = String(text)
        if let exponent {
            var exponentText = digits(Double(exponent), places: 0)
            if exponentText.count < picture.minimumExponent {
                exponentText =
                    Array(repeating: zero, count: picture.minimumExponent - exponentText.count) + exponentText
            }
            result +=
                String(property("exponent-separator")) + (exponent < 0 ? String(property("minus-sign")) : "")
                + String(exponentText)
        }
        return String(picture.prefix) + result + String(picture.suffix)
    }
}
