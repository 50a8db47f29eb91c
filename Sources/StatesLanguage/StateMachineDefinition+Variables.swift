import BatonJSON
import Foundation
import JSONata

extension StateMachineDefinition {
    /// The variables each state reads, by state name, nested states included; states that read none are left
    /// out. DescribeStateMachine returns it as `variableReferences`. In a JSONata state: `$name` in its
    /// expressions, without `$states`, the names an expression binds itself and the functions of JSONata and AWS.
    /// In a JSONPath state: the `$name` roots of its paths, intrinsic functions' path arguments included.
    public var variableReferences: [String: [String]] {
        var references: [String: [String]] = [:]
        collectVariableReferences(into: &references)
        return references
    }

    private func collectVariableReferences(into references: inout [String: [String]]) {
        let excluded: Set<String> = Set(["states"] + JSONataTemplate.awsFunctions(seed: 0).keys)
        for name in stateNames {
            guard let state = states[name] else { continue }
            var names: Set<String> = []
            if state.queryLanguage == .jsonata {
                for text in Self.expressions(of: state) {
                    guard let expression = try? JSONataTemplate.compiled(text) else { continue }
                    names.formUnion(expression.variableReferences)
                }
            } else {
                for text in Self.paths(of: state) { Self.collectVariables(inPath: text, into: &names) }
            }
            names.subtract(excluded)
            if !names.isEmpty { references[name] = names.sorted() }
            switch state.kind {
            case .parallel(let parallel):
                for branch in parallel.branches { branch.collectVariableReferences(into: &references) }
            case .map(let map): map.itemProcessor.collectVariableReferences(into: &references)
            default: break
            }
        }
    }

    /// The text of every `{% … %}` expression of a JSONata state.
    private static func expressions(of state: State) -> [String] {
        var templates: [JSON] = [state.io.arguments, state.io.output, state.io.assign].compactMap { $0 }
        templates += state.catchers.flatMap { [$0.output, $0.assign].compactMap { $0 } }
        var texts: [String] = []
        switch state.kind {
        case .choice(let choice):
            templates += choice.choices.flatMap { [$0.jsonataCondition, $0.assign].compactMap { $0 } }
        case .fail(let fail):
            for case .literal(let text)? in [fail.error, fail.cause] { templates.append(.string(text)) }
        case .wait(.secondsExpression(let text)), .wait(.timestampExpression(let text)):
            texts.append(text)
        case .task(let task):
            for case .expression(let text)? in [task.timeout, task.heartbeat] { texts.append(text) }
        case .map(let map):
            templates += [map.items, map.itemSelector].compactMap { $0 }
            if case .expression(let text)? = map.maxConcurrency { texts.append(text) }
        default:
            break
        }
        for template in templates { collect(template, into: &texts) }
        return texts.compactMap { JSONataTemplate.expression(in: $0) ?? nil }
    }

    /// Every path (or intrinsic function call) text of a JSONPath state.
    private static func paths(of state: State) -> [String] {
        var texts: [String] = []
        for case .path(let text) in [state.io.inputPath, state.io.outputPath] { texts.append(text) }
        var templates: [JSON] = [state.io.parameters, state.io.resultSelector, state.io.assign].compactMap { $0 }
        templates += state.catchers.compactMap(\.assign)
        switch state.kind {
        case .choice(let choice):
            templates += choice.choices.compactMap(\.assign)
            for rule in choice.choices { collectPaths(rule.condition, into: &texts) }
        case .wait(.secondsPath(let text)), .wait(.timestampPath(let text)):
            texts.append(text)
        case .task(let task):
            for case .path(let text)? in [task.timeout, task.heartbeat] { texts.append(text) }
        case .fail(let fail):
            for case .path(let text)? in [fail.error, fail.cause] { texts.append(text) }
        case .map(let map):
            if case .path(let text) = map.itemsPath { texts.append(text) }
            if case .path(let text)? = map.maxConcurrency { texts.append(text) }
            if let selector = map.itemSelector { templates.append(selector) }
        default:
            break
        }
        for template in templates { collectTemplatePaths(template, into: &texts) }
        return texts
    }

    /// The values of a payload template's `name.$` members, however deeply nested.
    private static func collectTemplatePaths(_ template: JSON, into texts: inout [String]) {
        switch template {
        case .object(let object):
            for (key, value) in object {
                if key.hasSuffix(".$"), case .string(let text) = value {
                    texts.append(text)
                } else {
                    collectTemplatePaths(value, into: &texts)
                }
            }
        case .array(let elements): for element in elements { collectTemplatePaths(element, into: &texts) }
        default: break
        }
    }

    /// A Choice rule's Variable and `…Path` operands.
    private static func collectPaths(_ condition: ChoiceCondition, into texts: inout [String]) {
        switch condition {
        case .and(let conditions), .or(let conditions):
            for nested in conditions { collectPaths(nested, into: &texts) }
        case .not(let nested): collectPaths(nested, into: &texts)
        case .comparison(let comparison):
            texts.append(comparison.variable)
            if comparison.operator.isPath, let operand = comparison.operand.stringValue { texts.append(operand) }
        }
    }

    /// The variable a path starts from, or those an intrinsic function's path arguments start from.
    private static func collectVariables(inPath text: String, into names: inout Set<String>) {
        if IntrinsicFunction.looksLikeCall(text) {
            guard let function = try? IntrinsicFunction(text) else { return }
            collectVariables(in: function.call, into: &names)
        } else if case .variable(let name)? = try? JSONPath(text).root {
            names.insert(name)
        }
    }

    private static func collectVariables(in call: IntrinsicFunction.Call, into names: inout Set<String>) {
        for argument in call.arguments {
            switch argument {
            case .path(let path): if case .variable(let name) = path.root { names.insert(name) }
            case .call(let inner): collectVariables(in: inner, into: &names)
            default: break
            }
        }
    }

    private static func collect(_ template: JSON, into texts: inout [String]) {
        switch template {
        case .string(let text): texts.append(text)
        case .array(let elements): for element in elements { collect(element, into: &texts) }
        case .object(let object): for (_, value) in object { collect(value, into: &texts) }
        default: break
        }
    }
}
