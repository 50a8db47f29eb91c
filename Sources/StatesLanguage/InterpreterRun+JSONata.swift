import BatonJSON
import Foundation

/// Running states whose query language is JSONata: `$states` holds `input`, `context` (with `Task.Token` for a
/// task's `Arguments`) and, after a task, `result`; `Output` gives the state's output (by default the input, or
/// the result of a task); `Assign` sets variables, which later expressions read as `$name`.
extension InterpreterRun {
    /// The value bound to `$states` in a state's expressions.
    func statesBinding(input: JSON, in path: ScopePath, taskToken: String? = nil, result: JSON? = nil) -> JSON {
        var states: JSONObject = ["input": input, "context": context(in: path, taskToken: taskToken)]
        if let result { states["result"] = result }
        return .object(states)
    }

    /// A JSONata field of a state evaluated with `$states` and the frame's variables.
    ///
    /// `$random()` and `$uuid()` draw from a generator seeded from the interpreter's injected random source,
    /// as States.MathRandom and States.UUID do.
    mutating func evaluateField(
        _ template: JSON, states: JSON, field: String, in path: ScopePath
    ) throws(StatesError) -> JSON {
        let seed = random.next()
        return try JSONataTemplate.evaluate(
            template, states: states, variables: variables(in: path), field: field, seed: seed)
    }

    /// A state's `Output`, or `fallback` without one.
    mutating func jsonataOutput(
        _ definitionState: State, states: JSON, default fallback: JSON, in path: ScopePath
    ) throws(StatesError) -> JSON {
        guard let output = definitionState.io.output else { return fallback }
        return try evaluateField(output, states: states, field: "Output", in: path)
    }

    /// Evaluates `Assign` blocks (a state's, then a Choice rule's) all with the variables from before the state,
    /// then stores the values in the frame.
    mutating func assign(_ blocks: [JSON?], states: JSON, in path: ScopePath) throws(StatesError) {
        var assigned: [(String, JSON)] = []
        for case .object(let members)? in blocks {
            for (name, template) in members {
                assigned.append((name, try evaluateField(template, states: states, field: "Assign/\(name)", in: path)))
            }
        }
        try store(assigned, in: path)
    }

    mutating func enterJSONata(_ definitionState: State, input: JSON, in path: ScopePath) throws(StatesError) {
        let states = statesBinding(input: input, in: path)
        switch definitionState.kind {
        case .pass, .succeed:
            let output = try jsonataOutput(definitionState, states: states, default: input, in: path)
            try assign([definitionState.io.assign], states: states, in: path)
            exit(definitionState, output: output, in: path)
        case .choice(let choice):
            var next = choice.default
            var ruleAssign: JSON?
            for rule in choice.choices {
                let value = try evaluateField(
                    rule.jsonataCondition ?? false, states: states, field: "Condition", in: path)
                guard case .bool(let holds) = value else {
                    let text = rule.jsonataCondition?.stringValue.flatMap(JSONataTemplate.expression(in:)) ?? ""
                    throw JSONataTemplate.unexpectedType(text, location: "Condition", expected: "boolean", value: value)
                }
                if holds {
                    next = rule.next
                    ruleAssign = rule.assign
                    break
                }
            }
            guard let target = next else {
                throw StatesError(StatesError.Name.noChoiceMatched, cause: ChoiceState.noChoiceMatchedCause)
            }
            let output = try jsonataOutput(definitionState, states: states, default: input, in: path)
            try assign([definitionState.io.assign, ruleAssign], states: states, in: path)
            record(.choiceStateExited, .stateExited(.exited(definitionState.name, output: output)), in: path)
            state.frames[path]?.active = nil
            transition(to: target, output: output, in: path)
        case .fail(let fail):
            let error = try fail.error.map { setting throws(StatesError) in
                try jsonataString(setting, states: states, field: "Error", in: path)
            }
            let cause = try fail.cause.map { setting throws(StatesError) in
                try jsonataString(setting, states: states, field: "Cause", in: path)
            }
            state.frames[path]?.active = nil
            failFrame(path, StatesError(error ?? "", cause: cause ?? ""))
        case .task:
            try scheduleTask(in: path)
        case .wait(let wait):
            let timer = startTimer(at: try jsonataDeadline(wait, states: states, in: path), purpose: .wait, for: path)
            state.frames[path]?.active?.step = .wait(timer)
        case .parallel where path.isRoot && probe?.mock != nil, .map where path.isRoot && probe?.mock != nil:
            try enterMocked(definitionState, in: path)
        case .parallel:
            try startParallel(in: path)
        case .map:
            try startMap(in: path)
        }
    }

    /// A JSONata Wait's deadline: literal seconds or timestamp, or an expression giving one.
    private mutating func jsonataDeadline(_ wait: WaitState, states: JSON, in path: ScopePath) throws(StatesError)
        -> Date
    {
        switch wait {
        case .secondsExpression(let text):
            let value = try evaluateField(.string(text), states: states, field: "Seconds", in: path)
            guard let seconds = value.doubleValue, seconds >= 0, seconds <= 99_999_999 else {
                throw StatesError(
                    StatesError.Name.queryEvaluation,
                    cause: "The field 'Seconds' must evaluate to a non-negative number; it gave \(value.serialized).")
            }
            return deadline(after: seconds)
        case .timestampExpression(let text):
            let value = try evaluateField(.string(text), states: states, field: "Timestamp", in: path)
            guard let timestamp = value.stringValue, let date = Self.parseTimestamp(timestamp) else {
                throw StatesError(
                    StatesError.Name.queryEvaluation,
                    cause: "The field 'Timestamp' must evaluate to an RFC 3339 timestamp; it gave \(value.serialized).")
            }
            return date
        default:
            return try waitDeadline(wait, input: .null, variables: [:])
        }
    }

    /// Fail's Error or Cause: a literal, or an expression that must give a string.
    private mutating func jsonataString(
        _ setting: StringSetting, states: JSON, field: String, in path: ScopePath
    ) throws(StatesError) -> String {
        guard case .literal(let text) = setting else { return "" }
        let value = try evaluateField(.string(text), states: states, field: field, in: path)
        guard case .string(let string) = value else {
            throw StatesError(
                StatesError.Name.queryEvaluation, cause: "The field '\(field)' must evaluate to a string.")
        }
        return string
    }
}

extension InterpreterRun {
    /// A JSONata state's catcher took an error: `$states.errorOutput` is `{Error, Cause}`; the catcher's `Output`
    /// (default: the error output) goes to its Next, after its `Assign`.
    mutating func caught(
        _ error: StatesError, by catcher: Catcher, in definitionState: State, input: JSON, path: ScopePath
    ) {
        let errorOutput = Catcher.errorOutput(for: error)
        var states = statesBinding(input: input, in: path).objectValue ?? JSONObject()
        states["errorOutput"] = errorOutput
        do throws(StatesError) {
            var output = errorOutput
            if let template = catcher.output {
                output = try evaluateField(template, states: .object(states), field: "Output", in: path)
            }
            try assign([catcher.assign], states: .object(states), in: path)
            leave(definitionState, output: output, to: catcher.next, in: path)
        } catch {
            failFrame(path, error)
        }
    }
}
