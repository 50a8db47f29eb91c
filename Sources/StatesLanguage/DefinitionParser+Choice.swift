import BatonJSON
import Foundation

extension DefinitionParser {
    static let booleanOperators = ["And", "Or", "Not"]

    /// Reads a Choice state's rules. A rule whose condition is invalid is kept with an empty `Or` (never
    /// true), and one without a valid Next targets the Choice state itself, so rule indexes stay aligned with
    /// the definition for the graph checks; such a definition is never returned, as issues were reported.
    mutating func choice(_ object: JSONObject, named name: String, at pointer: String) -> ChoiceState {
        let choicesPointer = Self.pointer(pointer, "Choices")
        let fallback = optionalString(object, "Default", at: pointer)
        if object["Default"] != nil, fallback == nil { transitionsIncomplete = true }
        guard let value = object["Choices"] else {
            report(choicesPointer, "is required")
            return ChoiceState(choices: [], default: fallback)
        }
        guard let elements = value.arrayValue, !elements.isEmpty else {
            report(choicesPointer, "must be a non-empty array")
            return ChoiceState(choices: [], default: fallback)
        }
        var rules: [ChoiceRule] = []
        for (index, element) in elements.enumerated() {
            let rulePointer = Self.pointer(choicesPointer, index)
            let condition = self.condition(element, at: rulePointer, topLevel: true)
            let next = element.objectValue.flatMap { requiredString($0, "Next", at: rulePointer) }
            if next == nil { transitionsIncomplete = true }
            var rule = ChoiceRule(condition: condition ?? .or([]), next: next ?? name)
            if let object = element.objectValue { rule.assign = assignField(object, at: rulePointer) }
            rules.append(rule)
        }
        return ChoiceState(choices: rules, default: fallback)
    }

    /// One Choice rule: exactly one of And, Or, Not, or a Variable with one comparison operator.
    mutating func condition(_ json: JSON, at pointer: String, topLevel: Bool) -> ChoiceCondition? {
        guard let object = json.objectValue else {
            report(pointer, "must be a JSON object")
            return nil
        }
        var allowed = Set(Self.booleanOperators + ChoiceOperator.allCases.map(\.rawValue) + ["Variable", "Comment"])
        if topLevel { allowed.formUnion(["Next", "Assign"]) }
        for key in object.keys where !allowed.contains(key) {
            report(
                Self.pointer(pointer, key),
                ["Next", "Assign"].contains(key)
                    ? "\(key) is only allowed in top-level Choice rules" : "is not a field of a Choice rule")
        }
        _ = optionalString(object, "Comment", at: pointer)
        let combinators = Self.booleanOperators.filter { object[$0] != nil }
        let operators = ChoiceOperator.allCases.filter { object[$0.rawValue] != nil }
        guard combinators.count + operators.count == 1 else {
            report(pointer, "must have exactly one of And, Or, Not or a comparison operator")
            return nil
        }
        if let combinator = combinators.first {
            if object["Variable"] != nil {
                report(Self.pointer(pointer, "Variable"), "must not be used with \(combinator)")
            }
            return combination(combinator, object[combinator]!, at: Self.pointer(pointer, combinator))
        }
        let variable = requiredString(object, "Variable", at: pointer)
        if let variable { pathIssues(variable, at: Self.pointer(pointer, "Variable"), requireReference: false) }
        let choiceOperator = operators[0]
        let operand = object[choiceOperator.rawValue]!
        guard operandIsValid(operand, for: choiceOperator, at: Self.pointer(pointer, choiceOperator.rawValue)),
            let variable
        else { return nil }
        return .comparison(ChoiceComparison(variable: variable, operator: choiceOperator, operand: operand))
    }

    private mutating func combination(_ combinator: String, _ value: JSON, at pointer: String) -> ChoiceCondition? {
        if combinator == "Not" {
            return condition(value, at: pointer, topLevel: false).map { .not($0) }
        }
        guard let elements = value.arrayValue, !elements.isEmpty else {
            report(pointer, "must be a non-empty array")
            return nil
        }
        let nested = elements.enumerated().map { condition($1, at: Self.pointer(pointer, $0), topLevel: false) }
        let conditions = nested.compactMap { $0 }
        guard conditions.count == nested.count else { return nil }
        return combinator == "And" ? .and(conditions) : .or(conditions)
    }

    private mutating func operandIsValid(_ operand: JSON, for choiceOperator: ChoiceOperator, at pointer: String)
        -> Bool
    {
        if choiceOperator.isPath {
            guard let path = operand.stringValue else {
                report(pointer, "must be a reference path string")
                return false
            }
            let before = issues.count
            pathIssues(path, at: pointer, requireReference: true)
            return issues.count == before
        }
        let message: String?
        switch choiceOperator.family {
        case .string, .stringMatches: message = operand.stringValue == nil ? "must be a string" : nil
        case .numeric: message = operand.isNumber ? nil : "must be a number"
        case .boolean, .typeTest: message = operand.boolValue == nil ? "must be a boolean" : nil
        case .timestamp:
            message =
                operand.stringValue.flatMap(RFC3339Timestamp.init(parsing:)) == nil
                ? "must be an RFC 3339 timestamp" : nil
        }
        if let message { report(pointer, message) }
        return message == nil
    }
}
