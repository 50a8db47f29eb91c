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

    /// The template with every expression evaluated; a member or element whose expression has no value is left
    /// out, and an expression without a value at the top fails.
    static func evaluate(
        _ template: JSON, states: JSON, variables: [String: JSON] = [:], field: String, seed: UInt64 = 0
    ) throws(StatesError) -> JSON {
        var bindings = variables
        bindings["states"] = states
        let functions = awsFunctions(seed: seed)
        guard let value = try evaluateMember(template, bindings: bindings, functions: functions, field: field) else {
            throw StatesError(
                StatesError.Name.queryEvaluation,
                cause: "The JSONata expression in the field '\(field)' returned no value (undefined).")
        }
        return value
    }

    private static func evaluateMember(
        _ template: JSON, bindings: [String: JSON], functions: [String: JSONataFunction], field: String
    ) throws(StatesError) -> JSON? {
        switch template {
        case .string(let string):
            guard let text = expression(in: string) else { return template }
            do {
                return try compiled(text).evaluate(nil, bindings: bindings, functions: functions)
            } catch {
                throw StatesError(
                    StatesError.Name.queryEvaluation,
                    cause: "An error occurred while evaluating the JSONata expression '\(text)' in the field "
                        + "'\(field)': \(error.code) \(error.message)")
            }
        case .array(let elements):
            var result: [JSON] = []
            for element in elements {
                if let value = try evaluateMember(element, bindings: bindings, functions: functions, field: field) {
                    result.append(value)
                }
            }
            return .array(result)
        case .object(let object):
            var result = JSONObject()
            for (key, value) in object {
                if let evaluated = try evaluateMember(value, bindings: bindings, functions: functions, field: field) {
                    result[key] = evaluated
                }
            }
            return .object(result)
        default:
            return template
        }
    }
}
