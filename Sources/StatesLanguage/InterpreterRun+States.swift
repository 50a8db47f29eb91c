import BatonJSON
import Foundation

extension InterpreterRun {
    /// The (sub-)machine a frame runs: the definition, a Parallel branch or a Map item processor.
    func machine(at path: ScopePath) -> StateMachineDefinition {
        var machine = definition
        for step in path.steps {
            switch machine.states[step.state]?.kind {
            case .parallel(let parallel): machine = parallel.branches[step.index]
            case .map(let map): machine = map.itemProcessor
            default: preconditionFailure("scope \(path) does not name a Parallel or Map state")
            }
        }
        return machine
    }

    /// The state a frame's active state is in.
    func activeState(in path: ScopePath) -> State? {
        guard let name = state.frames[path]?.active?.name else { return nil }
        return machine(at: path).states[name]
    }

    /// Enters a state with its raw input and runs it as far as it goes without waiting.
    mutating func enter(_ name: String, input: JSON, in path: ScopePath) {
        assignedVariables = nil
        guard let definitionState = machine(at: path).states[name] else {
            leaving = RedrivePoint.Entry(path: path, state: name, input: JSONText(input))
            failFrame(path, StatesError(StatesError.Name.runtime, cause: "State '\(name)' is not defined"))
            return
        }
        let enteredId = record(.entered(definitionState.kind), .stateEntered(.entered(name, input: input)), in: path)
        var active = ActiveState(name: name, input: input, enteredAt: now, step: .entering)
        active.enteredEventId = enteredId
        state.frames[path]?.active = active
        do throws(StatesError) {
            if definitionState.queryLanguage == .jsonata {
                try enterJSONata(definitionState, input: input, in: path)
                return
            }
            let visible = variables(in: path)
            let assign = definitionState.io.assign
            switch definitionState.kind {
            case .pass(let pass):
                let effective = try selectInput(definitionState.io.inputPath, from: input, variables: visible)
                let result: JSON
                if let parameters = definitionState.io.parameters {
                    result = try render(parameters, input: effective, context: context(in: path), variables: visible)
                } else {
                    result = pass.result ?? effective
                }
                let output = try applyResultPath(definitionState.io.resultPath, input: input, result: result)
                let selected = try selectOutput(definitionState.io.outputPath, from: output, variables: visible)
                try assignJSONPath([assign], document: result, variables: visible, in: path)
                if path.isRoot, probe != nil {
                    let literal = pass.result != nil && definitionState.io.parameters == nil
                    probe?.observePass(
                        effective: effective, result: result, isLiteral: literal, afterResultPath: output)
                }
                exit(definitionState, output: selected, in: path)
            case .choice(let choice):
                let effective = try selectInput(definitionState.io.inputPath, from: input, variables: visible)
                if path.isRoot { probe?.afterInputPath = effective }
                let rule = try choice.matchingRule(for: effective, context: context(in: path), variables: visible)
                let next = if let rule { rule.next } else { try choice.fallback() }
                let output = try selectOutput(definitionState.io.outputPath, from: effective, variables: visible)
                try assignJSONPath([assign, rule?.assign], document: effective, variables: visible, in: path)
                record(.choiceStateExited, .stateExited(.exited(name, output: output)), in: path)
                state.frames[path]?.active = nil
                transition(to: next, output: output, in: path)
            case .wait(let wait):
                let effective = try selectInput(definitionState.io.inputPath, from: input, variables: visible)
                if path.isRoot { probe?.afterInputPath = effective }
                let fireAt = try waitDeadline(wait, input: effective, variables: visible)
                let timer = startTimer(at: fireAt, purpose: .wait, for: path)
                state.frames[path]?.active?.input = JSONText(effective)
                state.frames[path]?.active?.step = .wait(timer)
            case .succeed:
                let effective = try selectInput(definitionState.io.inputPath, from: input, variables: visible)
                if path.isRoot { probe?.afterInputPath = effective }
                exit(
                    definitionState,
                    output: try selectOutput(definitionState.io.outputPath, from: effective, variables: visible),
                    in: path)
            case .fail(let fail):
                if path.isRoot { probe?.afterInputPath = input }
                let error = try fail.error.map { setting throws(StatesError) in
                    try resolve(setting, in: input, variables: visible)
                }
                let cause = try fail.cause.map { setting throws(StatesError) in
                    try resolve(setting, in: input, variables: visible)
                }
                state.frames[path]?.active = nil
                leaving = RedrivePoint.Entry(path: path, state: name, input: JSONText(input))
                failFrame(path, StatesError(error ?? "", cause: cause ?? ""))
            case .task:
                try scheduleTask(in: path)
            case .parallel where path.isRoot && probe?.mock != nil, .map where path.isRoot && probe?.mock != nil:
                try enterMocked(definitionState, in: path)
            case .parallel:
                try startParallel(in: path)
            case .map:
                try startMap(in: path)
            }
        } catch {
            evaluationFailed(error, in: path)
        }
    }

    /// A Wait state's timer fired: exit with the (effective) input through OutputPath.
    mutating func waitElapsed(in path: ScopePath) {
        guard let active = state.frames[path]?.active, let waitState = activeState(in: path) else { return }
        do throws(StatesError) {
            if waitState.queryLanguage == .jsonata {
                let states = statesBinding(input: active.input.value, in: path)
                let output = try jsonataOutput(waitState, states: states, default: active.input.value, in: path)
                try assign([waitState.io.assign], states: states, in: path)
                exit(waitState, output: output, in: path)
                return
            }
            let visible = variables(in: path)
            let output = try selectOutput(waitState.io.outputPath, from: active.input.value, variables: visible)
            try assignJSONPath([waitState.io.assign], document: active.input.value, variables: visible, in: path)
            exit(waitState, output: output, in: path)
        } catch {
            evaluationFailed(error, in: path)
        }
    }

    /// Leaves a state with its output: checks the payload limit, records `…StateExited`, follows Next or End.
    mutating func exit(_ definitionState: State, output: JSON, in path: ScopePath) {
        let left = state.frames[path]?.active
        state.frames[path]?.active = nil
        if output.serializedByteCount > maximumPayloadBytes {
            if let left {
                leaving = RedrivePoint.Entry(path: path, state: left.name, input: left.input)
            }
            let cause =
                "The state/task '\(definitionState.name)' returned a result with a size exceeding "
                + "the maximum number of bytes service limit."
            failFrame(path, StatesError(StatesError.Name.dataLimitExceeded, cause: cause))
            return
        }
        if let type = HistoryEventType.exited(definitionState.kind) {
            record(type, .stateExited(.exited(definitionState.name, output: output)), in: path)
        }
        switch definitionState.transition {
        case .next(let next): transition(to: next, output: output, in: path)
        case .end, nil: frameSucceeded(path, output: output)
        }
    }

    /// Queues entering the next state of the same frame.
    mutating func transition(to next: String, output: JSON, in path: ScopePath) {
        if path.isRoot, probe != nil {
            probe?.transition = (next, output)
            return
        }
        guard let serial = state.frames[path]?.serial else { return }
        queue.append(.enter(path, serial: serial, state: next, input: output))
    }

    /// A Wait state's deadline from Seconds, SecondsPath, Timestamp or TimestampPath.
    func waitDeadline(_ wait: WaitState, input: JSON, variables: [String: JSON]) throws(StatesError) -> Date {
        switch wait {
        case .seconds(let seconds): return deadline(after: TimeInterval(seconds))
        case .secondsPath(let path):
            let value = try value(at: path, in: input, variables: variables)
            guard let seconds = value.doubleValue, seconds >= 0 else {
                throw StatesError(
                    StatesError.Name.runtime,
                    cause: "The SecondsPath parameter does not reference a valid non-negative number: \(path)")
            }
            return deadline(after: seconds)
        case .timestamp(let text):
            guard let date = Self.parseTimestamp(text) else {
                throw StatesError(StatesError.Name.runtime, cause: "Invalid Timestamp: \(text)")
            }
            return date
        case .timestampPath(let path):
            let value = try value(at: path, in: input, variables: variables)
            guard let text = value.stringValue, let date = Self.parseTimestamp(text) else {
                throw StatesError(
                    StatesError.Name.runtime,
                    cause: "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time "
                        + "format string: \(path)")
            }
            return date
        case .secondsExpression, .timestampExpression:
            throw StatesError(StatesError.Name.runtime, cause: "a JSONata Wait is resolved by its JSONata state")
        }
    }

    /// Parses an RFC 3339 timestamp with or without fractional seconds.
    static func parseTimestamp(_ text: String) -> Date? {
        let withFraction = ISO8601DateFormatter()
        withFraction.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = withFraction.date(from: text) { return date }
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        return plain.date(from: text)
    }

    /// A Fail state's Error/Cause: literal, or a path into the state input that must select a string.
    func resolve(_ setting: StringSetting, in input: JSON, variables: [String: JSON]) throws(StatesError) -> String {
        switch setting {
        case .literal(let text): return text
        case .path(let path):
            let value = try value(at: path, in: input, variables: variables)
            guard let text = value.stringValue else {
                throw StatesError(
                    StatesError.Name.runtime,
                    cause: "The path '\(path)' must reference a string, found \(value.typeName)")
            }
            return text
        }
    }
}
