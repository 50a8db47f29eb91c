import BatonJSON
import Foundation

/// Running states whose query language is JSONata: `$states` holds `input`, `context` (with `Task.Token` for a
/// task's `Arguments`) and, after a task, `result`; `Output` gives the state's output (by default the input, or
/// the result of a task).
extension InterpreterRun {
    /// The value bound to `$states` in a state's expressions.
    func statesBinding(input: JSON, in path: ScopePath, taskToken: String? = nil, result: JSON? = nil) -> JSON {
        var states: JSONObject = ["input": input, "context": context(in: path, taskToken: taskToken)]
        if let result { states["result"] = result }
        return .object(states)
    }

    /// A state's `Output`, or `fallback` without one.
    func jsonataOutput(_ definitionState: State, states: JSON, default fallback: JSON) throws(StatesError) -> JSON {
        guard let output = definitionState.io.output else { return fallback }
        return try JSONataTemplate.evaluate(output, states: states, field: "Output")
    }

    mutating func enterJSONata(_ definitionState: State, input: JSON, in path: ScopePath) throws(StatesError) {
        let states = statesBinding(input: input, in: path)
        switch definitionState.kind {
        case .pass, .succeed:
            exit(definitionState, output: try jsonataOutput(definitionState, states: states, default: input), in: path)
        case .choice(let choice):
            var next = choice.default
            for rule in choice.choices {
                let value = try JSONataTemplate.evaluate(
                    rule.jsonataCondition ?? false, states: states, field: "Condition")
                guard case .bool(let holds) = value else {
                    throw StatesError(
                        StatesError.Name.queryEvaluation,
                        cause: "The Condition of a Choice rule must evaluate to a boolean; it gave \(value.typeName).")
                }
                if holds {
                    next = rule.next
                    break
                }
            }
            guard let target = next else {
                throw StatesError(StatesError.Name.noChoiceMatched, cause: ChoiceState.noChoiceMatchedCause)
            }
            let output = try jsonataOutput(definitionState, states: states, default: input)
            record(.choiceStateExited, .stateExited(.exited(definitionState.name, output: output)), in: path)
            state.frames[path]?.active = nil
            transition(to: target, output: output, in: path)
        case .fail(let fail):
            let error = try fail.error.map { setting throws(StatesError) in
                try jsonataString(setting, states: states, field: "Error")
            }
            let cause = try fail.cause.map { setting throws(StatesError) in
                try jsonataString(setting, states: states, field: "Cause")
            }
            state.frames[path]?.active = nil
            failFrame(path, StatesError(error ?? "", cause: cause ?? ""))
        case .task:
            try scheduleTask(in: path)
        case .wait, .parallel, .map:
            throw StatesError(StatesError.Name.runtime, cause: "JSONata is not supported in this state type yet")
        }
    }

    /// Fail's Error or Cause: a literal, or an expression that must give a string.
    private func jsonataString(_ setting: StringSetting, states: JSON, field: String) throws(StatesError) -> String {
        guard case .literal(let text) = setting else { return "" }
        let value = try JSONataTemplate.evaluate(.string(text), states: states, field: field)
        guard case .string(let string) = value else {
            throw StatesError(
                StatesError.Name.queryEvaluation, cause: "The field '\(field)' must evaluate to a string.")
        }
        return string
    }
}
