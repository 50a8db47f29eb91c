import BatonJSON
import Foundation

extension ChoiceState {
    /// The cause AWS reports with States.NoChoiceMatched.
    public static let noChoiceMatchedCause = "No Matches!"

    /// The state to go to for an input: the first matching rule's Next, else Default.
    ///
    /// - Parameters:
    ///   - input: the Choice state's effective input (after InputPath).
    ///   - context: the context object `$$` refers to.
    ///   - variables: the variables `$name` paths refer to.
    /// - Throws: `StatesError` States.NoChoiceMatched when no rule matches and there is no Default;
    ///   States.Runtime when a rule's Variable (or an operand path) does not resolve.
    public func nextState(for input: JSON, context: JSON, variables: [String: JSON] = [:]) throws(StatesError)
        -> String
    {
        if let rule = try matchingRule(for: input, context: context, variables: variables) { return rule.next }
        return try fallback()
    }

    /// The first rule whose condition holds, `nil` when none does.
    public func matchingRule(for input: JSON, context: JSON, variables: [String: JSON] = [:]) throws(StatesError)
        -> ChoiceRule?
    {
        for rule in choices where try rule.evaluate(input: input, context: context, variables: variables) {
            return rule
        }
        return nil
    }

    /// Default, or States.NoChoiceMatched without one.
    func fallback() throws(StatesError) -> String {
        guard let fallback = `default` else {
            throw StatesError(StatesError.Name.noChoiceMatched, cause: Self.noChoiceMatchedCause)
        }
        return fallback
    }
}

extension ChoiceRule {
    /// Whether the rule's condition holds for an input.
    /// - Throws: `StatesError` States.Runtime when a Variable or operand path does not resolve
    ///   (except for `IsPresent`, which tests exactly that).
    public func evaluate(input: JSON, context: JSON, variables: [String: JSON] = [:]) throws(StatesError) -> Bool {
        try condition.evaluate(input: input, context: context, variables: variables)
    }
}

extension ChoiceCondition {
    /// Whether the condition holds for an input; And and Or short-circuit left to right, as AWS does.
    /// - Throws: `StatesError` States.Runtime when a Variable or operand path does not resolve.
    public func evaluate(input: JSON, context: JSON, variables: [String: JSON] = [:]) throws(StatesError) -> Bool {
        switch self {
        case .and(let conditions):
            for condition in conditions
            where !(try condition.evaluate(input: input, context: context, variables: variables)) { return false }
            return true
        case .or(let conditions):
            for condition in conditions
            where try condition.evaluate(input: input, context: context, variables: variables) { return true }
            return false
        case .not(let condition):
            return !(try condition.evaluate(input: input, context: context, variables: variables))
        case .comparison(let comparison):
            return try comparison.evaluate(input: input, context: context, variables: variables)
        }
    }
}

extension ChoiceComparison {
    /// Whether the comparison holds. A value of the wrong type makes the comparison false, not an error.
    /// - Throws: `StatesError` States.Runtime when `variable` (or a `...Path` operand) does not resolve.
    public func evaluate(input: JSON, context: JSON, variables: [String: JSON] = [:]) throws(StatesError) -> Bool {
        let value = try Self.resolve(variable, input: input, context: context, variables: variables)
        if `operator` == .isPresent { return (value != nil) == (operand.boolValue ?? true) }
        guard let value else { throw Self.invalidPath(variable) }
        let expected: JSON
        if `operator`.isPath {
            let path = operand.stringValue ?? ""
            guard let resolved = try Self.resolve(path, input: input, context: context, variables: variables) else {
                throw Self.invalidPath(path)
            }
            expected = resolved
        } else {
            expected = operand
        }
        let relation = `operator`.relation
        switch `operator`.family {
        case .string:
            guard case .string(let lhs) = value, case .string(let rhs) = expected else { return false }
            return Self.holds(relation, Self.compareUTF16(lhs, rhs))
        case .stringMatches:
            guard case .string(let lhs) = value, case .string(let pattern) = expected else { return false }
            return StringPattern(pattern).matches(lhs)
        case .numeric:
            guard value.isNumber, expected.isNumber else { return false }
            return Self.holds(relation, Self.compareNumbers(value, expected))
        case .boolean:
            guard case .bool(let lhs) = value, case .bool(let rhs) = expected else { return false }
            return lhs == rhs
        case .timestamp:
            guard let lhs = value.stringValue.flatMap(RFC3339Timestamp.init(parsing:)),
                let rhs = expected.stringValue.flatMap(RFC3339Timestamp.init(parsing:))
            else { return false }
            return Self.holds(relation, lhs < rhs ? -1 : (lhs == rhs ? 0 : 1))
        case .typeTest:
            return typeTest(value) == (operand.boolValue ?? true)
        }
    }

    private func typeTest(_ value: JSON) -> Bool {
        switch `operator` {
        case .isNull: value == .null
        case .isNumeric: value.isNumber
        case .isString: value.stringValue != nil
        case .isBoolean: value.boolValue != nil
        default: value.stringValue.flatMap(RFC3339Timestamp.init(parsing:)) != nil  // IsTimestamp
        }
    }

    /// AWS's States.Runtime for a Choice path that does not resolve.
    static func invalidPath(_ path: String) -> StatesError {
        StatesError(
            StatesError.Name.runtime,
            cause: "Invalid path '\(path)': The choice state's condition path references an invalid value.")
    }

    /// The value a path selects, `nil` when nothing matches.
    static func resolve(_ path: String, input: JSON, context: JSON, variables: [String: JSON]) throws(StatesError)
        -> JSON?
    {
        do {
            return try JSONPath(path).evaluate(input, context: context, variables: variables)
        } catch {
            throw invalidPath(path)
        }
    }

    static func holds(_ relation: ChoiceOperator.Relation, _ order: Int) -> Bool {
        switch relation {
        case .equals: order == 0
        case .lessThan: order < 0
        case .greaterThan: order > 0
        case .lessThanEquals: order <= 0
        case .greaterThanEquals: order >= 0
        }
    }

    /// Orders strings by UTF-16 code units, as Java's `String.compareTo` (and so AWS) does.
    static func compareUTF16(_ lhs: String, _ rhs: String) -> Int {
        if lhs == rhs { return 0 }
        return lhs.utf16.lexicographicallyPrecedes(rhs.utf16) ? -1 : 1
    }

    /// Orders numbers exactly when both are integers, as doubles otherwise.
    static func compareNumbers(_ lhs: JSON, _ rhs: JSON) -> Int {
        if case .integer(let a) = lhs, case .integer(let b) = rhs { return a < b ? -1 : (a == b ? 0 : 1) }
        let a = lhs.doubleValue ?? 0
        let b = rhs.doubleValue ?? 0
        return a < b ? -1 : (a == b ? 0 : 1)
    }
}

/// A StringMatches pattern: `*` matches any run of characters, `\*` a literal star and `\\` a backslash.
struct StringPattern {
    enum Token: Equatable {
        case literal(Character)
        case wildcard
    }

    let tokens: [Token]

    init(_ pattern: String) {
        var tokens: [Token] = []
        var escaped = false
        for character in pattern {
            if escaped {
                tokens.append(.literal(character))
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else {
                tokens.append(character == "*" ? .wildcard : .literal(character))
            }
        }
        if escaped { tokens.append(.literal("\\")) }
        self.tokens = tokens
    }

    /// Whole-string match, linear-time greedy matching with backtracking to the last wildcard only.
    func matches(_ text: String) -> Bool {
        let characters = Array(text)
        var t = 0
        var p = 0
        var star: Int?
        var resume = 0
        while t < characters.count {
            if p < tokens.count, tokens[p] == .literal(characters[t]) {
                t += 1
                p += 1
            } else if p < tokens.count, tokens[p] == .wildcard {
                star = p
                resume = t
                p += 1
            } else if let star {
                p = star + 1
                resume += 1
                t = resume
            } else {
                return false
            }
        }
        while p < tokens.count, tokens[p] == .wildcard { p += 1 }
        return p == tokens.count
    }
}
