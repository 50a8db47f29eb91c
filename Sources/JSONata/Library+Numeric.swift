import Foundation

extension Library {
    static func numbers(_ value: Value?) -> [Double] { items(value).compactMap(\.number) }

    static func unary(_ name: String, _ body: @escaping @Sendable (Double) throws -> Double) -> Native {
        Native(name, "<n-:n>") { _, arguments, _, _ in
            guard case .number(let number)? = arguments[0] else { return nil }
            return .number(try body(number))
        }
    }

    /// Shifts the decimal point of a number through its text, as jsonata-js does to round without binary error.
    static func shift(_ number: Double, by places: Int) -> Double {
        let text = formatJS(number)
        let parts = text.split(separator: "e", maxSplits: 1)
        let exponent = (parts.count > 1 ? Int(parts[1]) ?? 0 : 0) + places
        return Double(String(parts[0]) + "e" + String(exponent)) ?? number
    }

    static let numericFunctions: [Native] = [
        Native("sum", "<a<n>:n>") { _, arguments, _, _ in
            arguments[0] == nil ? nil : .number(numbers(arguments[0]).reduce(0, +))
        },
        Native("count", "<a:n>") { _, arguments, _, _ in .number(Double(items(arguments[0]).count)) },
        Native("max", "<a<n>:n>") { _, arguments, _, _ in numbers(arguments[0]).max().map { .number($0) } },
        Native("min", "<a<n>:n>") { _, arguments, _, _ in numbers(arguments[0]).min().map { .number($0) } },
        Native("average", "<a<n>:n>") { _, arguments, _, _ in
            let values = numbers(arguments[0])
            return values.isEmpty ? nil : .number(values.reduce(0, +) / Double(values.count))
        },
        Native("number", "<(nsb)-:n>") { _, arguments, _, _ in
            switch arguments[0] {
            case nil: return nil
            case .number?: return arguments[0]
            case .bool(let flag)?: return .number(flag ? 1 : 0)
            case .string(let text)?:
                if let value = decimalNumber(text) { return .number(value) }
                if let value = radixNumber(text) { return .number(value) }
                throw JSONataError("D3030", value: arguments[0])
            default: throw JSONataError("D3030", value: arguments[0])
            }
        },
        unary("abs") { abs($0) },
        unary("floor") { $0.rounded(.down) },
        unary("ceil") { $0.rounded(.up) },
        unary("sqrt") { number in
            if number < 0 { throw JSONataError("D3060", value: .number(number)) }
            return number.squareRoot()
        },
        Native("round", "<n-n?:n>") { _, arguments, _, _ in
            guard case .number(let number)? = arguments[0] else { return nil }
            return .number(roundHalfEven(number, precision: clampedInt(argument(arguments, 1)?.number ?? 0)))
        },
        Native("power", "<n-n:n>") { _, arguments, _, _ in
            guard case .number(let base)? = arguments[0], case .number(let exponent)? = arguments[1] else { return nil }
            let result = pow(base, exponent)
            if !result.isFinite { throw JSONataError("D3061", value: arguments[0]) }
            return .number(result)
        },
        Native("random", "<:n>") { _, _, _, _ in .number(Double.random(in: 0..<1)) },
        Native("formatBase", "<n-n?:s>") { _, arguments, _, _ in
            guard case .number(let number)? = arguments[0] else { return nil }
            let radix = argument(arguments, 1)?.number ?? 10
            if radix < 2 || radix > 36 { throw JSONataError("D3100", value: .number(radix)) }
            let rounded = (number + 0.5).rounded(.down)
            return .string(String(clampedInt(rounded), radix: clampedInt(radix)))
        },
        Native("formatInteger", "<n-s:s>") { _, arguments, _, _ in
            guard case .number(let number)? = arguments[0], case .string(let picture)? = arguments[1] else {
                return nil
            }
            return .string(try IntegerPicture(picture).format(number.rounded(.down)))
        },
        Native("parseInteger", "<s-s:n>") { _, arguments, _, _ in
            guard case .string(let text)? = arguments[0], case .string(let picture)? = arguments[1] else { return nil }
            let format = try IntegerPicture(picture)
            _ = try format.pattern()
            return format.parse(text).map { .number($0) }
        },
        Native("formatNumber", "<n-so?:s>") { _, arguments, _, _ in
            guard case .number(let number)? = arguments[0], case .string(let picture)? = arguments[1] else {
                return nil
            }
            return .string(try NumberPicture(picture, options: argument(arguments, 2)?.object).format(number))
        },
    ]

    /// `$round`: half to even at `precision` decimal places, shifting the point through the number's text.
    static func roundHalfEven(_ value: Double, precision: Int) -> Double {
        var number = value
        if precision != 0 { number = shift(number, by: precision) }
        var result = (number + 0.5).rounded(.down)
        if abs(result - number) == 0.5 && abs(result.truncatingRemainder(dividingBy: 2)) == 1 { result -= 1 }
        if precision != 0 { result = shift(result, by: -precision) }
        return result == 0 ? 0 : result
    }

    static func decimalNumber(_ text: String) -> Double? {
        var scalars = Array(text.unicodeScalars)[...]
        func digits() -> Int {
            var count = 0
            while let first = scalars.first, ("0"..."9").contains(first) {
                scalars.removeFirst()
                count += 1
            }
            return count
        }
        if scalars.first == "-" { scalars.removeFirst() }
        guard digits() > 0 else { return nil }
        if scalars.first == "." {
            scalars.removeFirst()
            guard digits() > 0 else { return nil }
        }
        if let e = scalars.first, e == "e" || e == "E" {
            scalars.removeFirst()
            if let sign = scalars.first, sign == "+" || sign == "-" { scalars.removeFirst() }
            guard digits() > 0 else { return nil }
        }
        guard scalars.isEmpty, let value = Double(text), value.isFinite else { return nil }
        return value
    }

    private static func radixNumber(_ text: String) -> Double? {
        guard text.count > 2, text.hasPrefix("0") else { return nil }
        let marker = text[text.index(after: text.startIndex)]
        let body = String(text.dropFirst(2))
        let radix: Int
        switch marker {
        case "x", "X": radix = 16
        case "o", "O": radix = 8
        case "b", "B": radix = 2
        default: return nil
        }
        return UInt64(body, radix: radix).map { Double($0) }
    }
}
