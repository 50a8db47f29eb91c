import Foundation

/// JSONata's standard function library, bound in the root frame of every evaluation.
enum Library {
    static let all: [Native] =
        stringFunctions + regexFunctions + numericFunctions + collectionFunctions
        + higherOrderFunctions + dateTimeFunctions

    static let transformSignature = try! Signature("<(oa):o>")

    /// The items of an array argument (signatures wrap single values), empty for undefined.
    static func items(_ value: Value?) -> [Value] {
        switch value {
        case .array(let array)?: array.items
        case let value?: [value]
        case nil: []
        }
    }

    static func argument(_ arguments: [Value?], _ index: Int) -> Value? {
        index < arguments.count ? arguments[index] : nil
    }

    /// The arguments a higher-order function passes: the value, then index and array if the callback takes them.
    static func callbackArguments(_ function: Value?, _ value: Value, _ index: Int, _ array: Value) -> [Value?] {
        let arity = function?.function?.arity ?? 1
        var arguments: [Value?] = [value]
        if arity >= 2 { arguments.append(.number(Double(index))) }
        if arity >= 3 { arguments.append(array) }
        return arguments
    }

    static func number(_ value: Double) -> Value { .number(value) }
}

/// A number as an `Int`, truncated and clamped to ±9e18 (NaN is 0), so that no input traps a conversion.
func clampedInt(_ number: Double) -> Int {
    number.isNaN ? 0 : Int(max(min(number.rounded(.towardZero), 9e18), -9e18))
}
