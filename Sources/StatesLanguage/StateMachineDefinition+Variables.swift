import BatonJSON
import Foundation
import JSONata

extension StateMachineDefinition {
    /// The variables each JSONata state reads (`$name` in its expressions, without `$states`, the names an
    /// expression binds itself and the functions of JSONata and AWS), by state name, nested states included;
    /// states that read none are left out. DescribeStateMachine returns it as `variableReferences`.
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

    private static func collect(_ template: JSON, into texts: inout [String]) {
        switch template {
        case .string(let text): texts.append(text)
        case .array(let elements): for element in elements { collect(element, into: &texts) }
        case .object(let object): for (_, value) in object { collect(value, into: &texts) }
        default: break
        }
    }
}
