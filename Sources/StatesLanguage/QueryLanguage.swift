import BatonJSON
import Foundation
import JSONata
import Synchronization

/// Parsed expressions by text, shared by every execution: a definition's expressions are parsed once, not on
/// every evaluation. Bounded: emptied when it reaches `JSONataTemplate.cacheLimit` entries.
private let expressionCache = Mutex<[String: JSONataExpression]>([:])

/// The query language of a state machine or state (`QueryLanguage`).
public enum QueryLanguage: String, Sendable, Hashable {
    case jsonPath = "JSONPath"
    case jsonata = "JSONata"
}

/// JSONata fields of a state (`Arguments`, `Output`, Choice `Condition`, Fail `Error`/`Cause`): any JSON value
/// whose strings of the form `{% expression %}` are JSONata expressions evaluated with `$states` bound.
enum JSONataTemplate {
    static let cacheLimit = 4096

    /// The parsed expression for a text, from the cache when it was parsed before.
    static func compiled(_ text: String) throws(JSONataError) -> JSONataExpression {
        if let cached = expressionCache.withLock({ $0[text] }) { return cached }
        let expression = try JSONataExpression(text)
        expressionCache.withLock { cache in
            if cache.count >= cacheLimit { cache.removeAll(keepingCapacity: true) }
            cache[text] = expression
        }
        return expression
    }

    /// The expression inside `{% … %}`, or `nil` for a plain string.
    static func expression(in string: String) -> String? {
        let trimmed = string.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix("{%"), trimmed.hasSuffix("%}"), trimmed.count >= 4 else { return nil }
        return String(trimmed.dropFirst(2).dropLast(2))
    }

    /// Syntax errors of every expression in a template, as definition issue messages.
    static func syntaxIssues(_ template: JSON) -> [String] {
        switch template {
        case .string(let string):
            guard let text = expression(in: string) else { return [] }
            do {
                _ = try compiled(text)
                return []
            } catch {
                let shown = text.trimmingCharacters(in: .whitespacesAndNewlines)
                return ["the JSONata expression '\(shown)' is invalid: \(error.code) \(error.message)"]
            }
        case .array(let elements): return elements.flatMap(syntaxIssues)
        case .object(let object): return object.flatMap { syntaxIssues($0.value) }
        default: return []
        }
    }

    /// The template with every expression evaluated. An expression without a value (JSONata's undefined) fails,
    /// at the top or in a member or element, as AWS does; so does one that throws. Causes are AWS's, naming the
    /// expression and the field, with nested members as `Output/result`.
    static func evaluate(
        _ template: JSON, states: JSON, variables: [String: JSON] = [:], field: String, seed: UInt64 = 0
    ) throws(StatesError) -> JSON {
        var bindings = variables
        bindings["states"] = states
        let functions = awsFunctions(seed: seed)
        return try evaluateMember(template, bindings: bindings, functions: functions, location: field)
    }

    /// A States.QueryEvaluationError about the expression of a field, in AWS's words: "The JSONata expression
    /// '…' specified for the field '…' " followed by `problem`.
    static func failure(_ text: String, location: String, _ problem: String) -> StatesError {
        let shown = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return StatesError(
            StatesError.Name.queryEvaluation,
            cause: "The JSONata expression '\(shown)' specified for the field '\(location)' \(problem)",
            location: location)
    }

    /// AWS's failure for an expression whose value has the wrong type, e.g. Map's `Items` not giving an array.
    static func unexpectedType(_ text: String, location: String, expected: String, value: JSON) -> StatesError {
        failure(
            text, location: location,
            "returned an unexpected result type. Expected '\(expected)', but was '\(value.typeName)' for value: "
                + value.serialized)
    }

    private static func evaluateMember(
        _ template: JSON, bindings: [String: JSON], functions: [String: JSONataFunction], location: String
    ) throws(StatesError) -> JSON {
        switch template {
        case .string(let string):
            guard let text = expression(in: string) else { return template }
            let value: JSON?
            do {
                value = try compiled(text).evaluate(nil, bindings: bindings, functions: functions)
            } catch {
                throw failure(
                    text, location: location, "threw an error during evaluation. \(error.code): \(error.message)")
            }
            guard let value else { throw failure(text, location: location, "returned nothing (undefined).") }
            return value
        case .array(let elements):
            var result: [JSON] = []
            result.reserveCapacity(elements.count)
            for (index, element) in elements.enumerated() {
                result.append(
                    try evaluateMember(
                        element, bindings: bindings, functions: functions, location: "\(location)/\(index)"))
            }
            return .array(result)
        case .object(let object):
            var result = JSONObject()
            for (key, value) in object {
                result[key] = try evaluateMember(
                    value, bindings: bindings, functions: functions, location: "\(location)/\(key)")
            }
            return .object(result)
        default:
            return template
        }
    }
}
