import BatonJSON
import Foundation

/// The fields of a Choice state: rules tried in order, then `Default`.
public struct ChoiceState: Sendable, Hashable {
    /// The top-level rules, each with a `Next`; the first that matches wins.
    public var choices: [ChoiceRule]
    /// The state to go to when no rule matches; without it, no match fails with States.NoChoiceMatched.
    public var `default`: String?

    /// Creates a Choice state's fields.
    public init(choices: [ChoiceRule], default: String? = nil) {
        self.choices = choices
        self.default = `default`
    }
}

/// A top-level Choice rule: a condition and the state to go to when it holds.
public struct ChoiceRule: Sendable, Hashable {
    /// The boolean expression to test.
    public var condition: ChoiceCondition
    /// The state to go to when the condition holds (top-level rules only have `Next`).
    public var next: String
    /// In a JSONata Choice state, the rule's `Condition` (`{% … %}` text or a boolean literal as text);
    /// `condition` is then unused.
    public var jsonataCondition: JSON?
    /// The rule's `Assign` (top-level rules), applied after the state's own when the rule is taken.
    public var assign: JSON?

    /// Creates a rule.
    public init(condition: ChoiceCondition, next: String, jsonataCondition: JSON? = nil) {
        self.condition = condition
        self.next = next
        self.jsonataCondition = jsonataCondition
    }
}

/// A boolean expression of a Choice rule: a comparison on a `Variable`, or And/Or/Not of nested expressions.
public indirect enum ChoiceCondition: Sendable, Hashable {
    /// `And`: every nested condition holds (non-empty).
    case and([ChoiceCondition])
    /// `Or`: at least one nested condition holds (non-empty).
    case or([ChoiceCondition])
    /// `Not`: the nested condition does not hold.
    case not(ChoiceCondition)
    /// A data-test expression: `Variable` compared with one operator.
    case comparison(ChoiceComparison)
}

/// A data-test expression: a `Variable` path, one comparison operator and its operand.
public struct ChoiceComparison: Sendable, Hashable {
    /// The `Variable` path into the state input (`$...`) or the context object (`$$...`).
    public var variable: String
    /// The comparison operator (the field name, e.g. `StringEquals`).
    public var `operator`: ChoiceOperator
    /// The operand as written: a literal, a path string for `...Path` operators, a boolean for `Is...` tests.
    public var operand: JSON

    /// Creates a comparison.
    public init(variable: String, operator: ChoiceOperator, operand: JSON) {
        self.variable = variable
        self.operator = `operator`
        self.operand = operand
    }
}

/// Every comparison operator of a Choice rule; the raw value is the ASL field name.
public enum ChoiceOperator: String, Sendable, Hashable, CaseIterable {
    case stringEquals = "StringEquals", stringEqualsPath = "StringEqualsPath"
    case stringLessThan = "StringLessThan", stringLessThanPath = "StringLessThanPath"
    case stringGreaterThan = "StringGreaterThan", stringGreaterThanPath = "StringGreaterThanPath"
    case stringLessThanEquals = "StringLessThanEquals", stringLessThanEqualsPath = "StringLessThanEqualsPath"
    case stringGreaterThanEquals = "StringGreaterThanEquals"
    case stringGreaterThanEqualsPath = "StringGreaterThanEqualsPath"
    case stringMatches = "StringMatches"
    case numericEquals = "NumericEquals", numericEqualsPath = "NumericEqualsPath"
    case numericLessThan = "NumericLessThan", numericLessThanPath = "NumericLessThanPath"
    case numericGreaterThan = "NumericGreaterThan", numericGreaterThanPath = "NumericGreaterThanPath"
    case numericLessThanEquals = "NumericLessThanEquals", numericLessThanEqualsPath = "NumericLessThanEqualsPath"
    case numericGreaterThanEquals = "NumericGreaterThanEquals"
    case numericGreaterThanEqualsPath = "NumericGreaterThanEqualsPath"
    case booleanEquals = "BooleanEquals", booleanEqualsPath = "BooleanEqualsPath"
    case timestampEquals = "TimestampEquals", timestampEqualsPath = "TimestampEqualsPath"
    case timestampLessThan = "TimestampLessThan", timestampLessThanPath = "TimestampLessThanPath"
    case timestampGreaterThan = "TimestampGreaterThan", timestampGreaterThanPath = "TimestampGreaterThanPath"
    case timestampLessThanEquals = "TimestampLessThanEquals"
    case timestampLessThanEqualsPath = "TimestampLessThanEqualsPath"
    case timestampGreaterThanEquals = "TimestampGreaterThanEquals"
    case timestampGreaterThanEqualsPath = "TimestampGreaterThanEqualsPath"
    case isNull = "IsNull", isPresent = "IsPresent", isNumeric = "IsNumeric", isString = "IsString"
    case isBoolean = "IsBoolean", isTimestamp = "IsTimestamp"

    /// The kind of value an operator compares.
    public enum Family: Sendable, Hashable {
        case string, numeric, boolean, timestamp, stringMatches, typeTest
    }

    /// How an operator orders its two values.
    public enum Relation: Sendable, Hashable {
        case equals, lessThan, greaterThan, lessThanEquals, greaterThanEquals
    }

    /// Whether the operand is a reference path (the `...Path` operators).
    public var isPath: Bool { rawValue.hasSuffix("Path") }

    /// The kind of value compared.
    public var family: Family {
        let name = rawValue
        if name == "StringMatches" { return .stringMatches }
        if name.hasPrefix("Is") { return .typeTest }
        if name.hasPrefix("String") { return .string }
        if name.hasPrefix("Numeric") { return .numeric }
        if name.hasPrefix("Boolean") { return .boolean }
        return .timestamp
    }

    /// The ordering relation of a comparison operator (`equals` for BooleanEquals, StringMatches and tests).
    public var relation: Relation {
        let name = isPath ? String(rawValue.dropLast(4)) : rawValue
        if name.hasSuffix("LessThanEquals") { return .lessThanEquals }
        if name.hasSuffix("GreaterThanEquals") { return .greaterThanEquals }
        if name.hasSuffix("LessThan") { return .lessThan }
        if name.hasSuffix("GreaterThan") { return .greaterThan }
        return .equals
    }
}
