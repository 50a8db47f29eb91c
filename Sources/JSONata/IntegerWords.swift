import Foundation

/// Integers as English words, roman numerals and letters, and back.
enum IntegerWords {
    static let few = [
        "Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten", "Eleven", "Twelve",
        "Thirteen", "Fourteen", "Fifteen", "Sixteen", "Seventeen", "Eighteen", "Nineteen",
    ]
    static let ordinals = [
        "Zeroth", "First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth", "Ninth", "Tenth",
        "Eleventh", "Twelfth", "Thirteenth", "Fourteenth", "Fifteenth", "Sixteenth", "Seventeenth", "Eighteenth",
        "Nineteenth",
    ]
    static let decades = ["Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety", "Hundred"]
    static let magnitudes = ["Thousand", "Million", "Billion", "Trillion"]

    static func words(_ value: Double, ordinal: Bool) -> String {
        func lookup(_ number: Double, _ previous: Bool, _ ordinal: Bool) -> String {
            if number <= 19 {
                let index = Int(number)
                return (previous ? " and " : "") + (ordinal ? ordinals[index] : few[index])
            }
            if number < 100 {
                let tens = Int(number / 10)
                let remainder = number - Double(tens * 10)
                var words = (previous ? " and " : "") + decades[tens - 2]
                if remainder > 0 {
                    words += "-" + lookup(remainder, false, ordinal)
                } else if ordinal {
                    words = String(words.dropLast()) + "ieth"
                }
                return words
            }
            if number < 1000 {
                let hundreds = Int(number / 100)
                let remainder = number - Double(hundreds * 100)
                var words = (previous ? ", " : "") + few[hundreds] + " Hundred"
                if remainder > 0 {
                    words += lookup(remainder, true, ordinal)
                } else if ordinal {
                    words += "th"
                }
                return words
            }
            let magnitude = min(Int((log10(number) / 3).rounded(.down)), magnitudes.count)
            let factor = pow(10, Double(magnitude * 3))
            let mantissa = (number / factor).rounded(.down)
            let remainder = number - mantissa * factor
            var words = (previous ? ", " : "") + lookup(mantissa, false, false) + " " + magnitudes[magnitude - 1]
            if remainder > 0 {
                words += lookup(remainder, true, ordinal)
            } else if ordinal {
                words += "th"
            }
            return words
        }
        return lookup(value.rounded(.down), false, ordinal)
    }

    static let wordValues: [String: Double] = {
        var values: [String: Double] = [:]
        for (index, word) in few.enumerated() { values[word.lowercased()] = Double(index) }
        for (index, word) in ordinals.enumerated() { values[word.lowercased()] = Double(index) }
        for (index, word) in decades.enumerated() {
            let lower = word.lowercased()
            values[lower] = Double((index + 2) * 10)
            values[String(lower.dropLast()) + "ieth"] = Double((index + 2) * 10)
        }
        values["hundredth"] = 100
        var magnitude = 1000.0
        for word in magnitudes {
            values[word.lowercased()] = magnitude
            values[word.lowercased() + "th"] = magnitude
            magnitude *= 1000
        }
        return values
    }()

    static func wordsValue(_ text: String) -> Double? {
        var parts: [String] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            if rest.hasPrefix(", ") {
                parts.append("")
                rest = rest.dropFirst(2)
            } else if rest.hasPrefix(" and ") {
                parts.append("")
                rest = rest.dropFirst(5)
            } else if rest.first == " " || rest.first == "-" || rest.first == "\\" {
                parts.append("")
                rest = rest.dropFirst()
            } else {
                if parts.isEmpty { parts.append("") }
                parts[parts.count - 1].append(rest.removeFirst())
            }
        }
        var segments: [Double] = [0]
        for part in parts where !part.isEmpty {
            guard let value = wordValues[part] else { return nil }
            if value < 100 {
                var top = segments.removeLast()
                if top >= 1000 {
                    segments.append(top)
                    top = 0
                }
                segments.append(top + value)
            } else {
                segments.append(segments.removeLast() * value)
            }
        }
        return segments.reduce(0, +)
    }

    static func roman(_ value: Int) -> String {
        let table: [(Int, String)] = [
            (1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"), (40, "xl"),
            (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"),
        ]
        var rest = value
        var result = ""
        for (number, letters) in table {
            while rest >= number {
                result += letters
                rest -= number
            }
        }
        return result
    }

    static func romanValue(_ text: String) -> Int {
        let values: [Character: Int] = ["M": 1000, "D": 500, "C": 100, "L": 50, "X": 10, "V": 5, "I": 1]
        var total = 0
        var maximum = 1
        for character in text.reversed() {
            let value = values[character] ?? 0
            if value < maximum {
                total -= value
            } else {
                maximum = value
                total += value
            }
        }
        return total
    }

    static func letters(_ value: Int, upper: Bool) -> String {
        let base: UInt32 = upper ? 65 : 97
        var rest = value
        var result: [Character] = []
        while rest > 0 {
            result.insert(Character(Unicode.Scalar(UInt32((rest - 1) % 26) + base)!), at: 0)
            rest = (rest - 1) / 26
        }
        return String(result)
    }

    static func lettersValue(_ text: String, upper: Bool) -> Int {
        let base = Int(upper ? 65 : 97)
        var total = 0
        var power = 1
        for scalar in text.unicodeScalars.reversed() {
            total += (Int(scalar.value) - base + 1) * power
            power *= 26
        }
        return total
    }
}
