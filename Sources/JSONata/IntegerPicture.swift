import Foundation

/// An XPath integer picture (`$formatInteger`, `$parseInteger` and the date/time markers): decimal digits of any
/// Unicode digit family with grouping separators, `a`/`A` letters, `i`/`I` roman numerals, `w`/`W`/`Ww` words,
/// and `;o` for ordinals.
struct IntegerPicture {
    enum Primary { case decimal, letters, roman, words, sequence }
    enum Case { case upper, lower, title }

    var primary = Primary.decimal
    var letterCase = Case.lower
    var ordinal = false
    var zeroCode: UInt32 = 0x30
    var mandatoryDigits = 0
    var optionalDigits = 0
    /// Regular grouping: one separator every `regularPosition` digits.
    var regularPosition = 0
    var regularCharacter = ""
    var separators: [(position: Int, character: String)] = []
    var token = ""
    /// Fixed digit count when parsing a date component directly followed by another.
    var parseWidth: Int?

    var isRegular: Bool { regularPosition > 0 }

    static let decimalGroups: [UInt32] = [
        0x30, 0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6, 0x0D66, 0x0DE6,
        0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50, 0x1BB0, 0x1C40,
        0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
    ]

    init(_ picture: String) throws {
        var primaryFormat = picture
        if let semicolon = picture.lastIndex(of: ";") {
            primaryFormat = String(picture[..<semicolon])
            if picture[picture.index(after: semicolon)...].first == "o" { ordinal = true }
        }
        switch primaryFormat {
        case "A": (primary, letterCase) = (.letters, .upper)
        case "a": primary = .letters
        case "I": (primary, letterCase) = (.roman, .upper)
        case "i": primary = .roman
        case "W": (primary, letterCase) = (.words, .upper)
        case "Ww": (primary, letterCase) = (.words, .title)
        case "w": primary = .words
        default:
            var zero: UInt32?
            var position = 0
            var found: [(position: Int, character: String)] = []
            for scalar in primaryFormat.unicodeScalars.reversed() {
                if let group = Self.decimalGroups.first(where: { scalar.value >= $0 && scalar.value <= $0 + 9 }) {
                    mandatoryDigits += 1
                    position += 1
                    if zero == nil { zero = group } else if zero != group { throw JSONataError("D3131") }
                } else if scalar == "#" {
                    position += 1
                    optionalDigits += 1
                } else {
                    found.append((position, String(scalar)))
                }
            }
            guard mandatoryDigits > 0, let zero else {
                primary = .sequence
                token = primaryFormat
                return
            }
            zeroCode = zero
            let repeat_ = Self.regularRepeat(found)
            if repeat_ > 0 {
                regularPosition = repeat_
                regularCharacter = found[0].character
            } else {
                separators = found
            }
        }
    }

    private static func regularRepeat(_ separators: [(position: Int, character: String)]) -> Int {
        guard let first = separators.first, separators.allSatisfy({ $0.character == first.character }) else { return 0 }
        func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
        let positions = separators.map(\.position)
        let factor = positions.dropFirst().reduce(positions[0], gcd)
        guard factor > 0 else { return 0 }
        for index in 1...positions.count where !positions.contains(index * factor) { return 0 }
        return factor
    }

    func format(_ number: Int) throws -> String { try format(Double(number)) }

    func format(_ number: Double) throws -> String {
        let negative = number < 0
        let exact = abs(number)
        let value = clampedInt(exact)
        var text: String
        switch primary {
        case .letters:
            text = IntegerWords.letters(value, upper: letterCase == .upper)
        case .roman:
            text = IntegerWords.roman(value)
            if letterCase == .upper { text = text.uppercased() }
        case .words:
            text = IntegerWords.words(exact, ordinal: ordinal)
            if letterCase == .upper {
                text = text.uppercased()
            } else if letterCase == .lower {
                text = text.lowercased()
            }
        case .decimal:
            text = formatJS(exact)
            if text.count < mandatoryDigits {
                text = String(repeating: "0", count: mandatoryDigits - text.count) + text
            }
            if zeroCode != 0x30 {
                text = String(
                    String.UnicodeScalarView(
                        text.unicodeScalars.map { Unicode.Scalar($0.value + zeroCode - 0x30) ?? $0 }))
            }
            var scalars = Array(text.unicodeScalars).map { String($0) }
            if isRegular {
                let groups = (scalars.count - 1) / regularPosition
                if groups > 0 {
                    for index in stride(from: groups, to: 0, by: -1) {
                        scalars.insert(regularCharacter, at: scalars.count - index * regularPosition)
                    }
                }
            } else {
                for separator in separators.reversed() where separator.position <= scalars.count {
                    scalars.insert(separator.character, at: scalars.count - separator.position)
                }
            }
            text = scalars.joined()
            if ordinal {
                let last = text.last
                var suffix = last == "1" ? "st" : last == "2" ? "nd" : last == "3" ? "rd" : "th"
                if text.count > 1 && text.dropLast().last == "1" { suffix = "th" }
                text += suffix
            }
        case .sequence:
            throw JSONataError("D3130", value: .string(token))
        }
        return negative ? "-" + text : text
    }

    /// The regular expression matching a formatted integer, for parsing.
    func pattern() throws -> String {
        let upper = letterCase == .upper
        switch primary {
        case .letters: return upper ? "[A-Z]+" : "[a-z]+"
        case .roman: return upper ? "[MDCLXVI]+" : "[mdclxvi]+"
        case .words:
            return "(?:"
                + (IntegerWords.wordValues.keys.sorted { $0.count > $1.count } + ["and", "[\\-, ]"]).joined(
                    separator: "|") + ")+"
        case .decimal:
            var pattern = "[0-9]" + (parseWidth.map { "{\($0)}" } ?? "+")
            if ordinal { pattern += "(?:th|st|nd|rd)" }
            return pattern
        case .sequence: throw JSONataError("D3130", value: .string(token))
        }
    }

    func parse(_ text: String) -> Double? {
        switch primary {
        case .letters: return Double(IntegerWords.lettersValue(text, upper: letterCase == .upper))
        case .roman: return Double(IntegerWords.romanValue(text.uppercased()))
        case .words: return IntegerWords.wordsValue(text.lowercased())
        case .decimal:
            var digits = text
            if ordinal { digits = String(digits.dropLast(2)) }
            if isRegular {
                digits = digits.replacingOccurrences(of: regularCharacter, with: "")
            } else {
                for separator in separators { digits = digits.replacingOccurrences(of: separator.character, with: "") }
            }
            if zeroCode != 0x30 {
                digits = String(
                    String.UnicodeScalarView(
                        digits.unicodeScalars.map { Unicode.Scalar($0.value - zeroCode + 0x30) ?? $0 }))
            }
            let leading = digits.prefix { $0.isASCII && ($0.isNumber || $0 == "-") }
            return Double(leading)
        case .sequence: return nil
        }
    }
}
