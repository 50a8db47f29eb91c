import BatonJSON
import Foundation

extension InterpreterRun {
    /// Starts a Parallel state: InputPath → Parameters, `ParallelStateStarted`, then every branch in its own frame
    /// with the same input.
    mutating func startParallel(in path: ScopePath) throws(StatesError) {
        guard let active = state.frames[path]?.active, let parallelState = activeState(in: path),
            case .parallel(let parallel) = parallelState.kind
        else { return }
        let visible = variables(in: path)
        var input = try selectInput(parallelState.io.inputPath, from: active.input.value, variables: visible)
        if parallelState.queryLanguage == .jsonata {
            if let arguments = parallelState.io.arguments {
                let states = statesBinding(input: input, in: path)
                input = try evaluateField(arguments, states: states, field: "Arguments", in: path)
            }
        } else if let parameters = parallelState.io.parameters {
            input = try render(parameters, input: input, context: context(in: path), variables: visible)
        }
        let started = record(.parallelStateStarted, in: path)
        state.frames[path]?.active?.step = .parallel(Array(repeating: nil, count: parallel.branches.count))
        for (index, branch) in parallel.branches.enumerated() {
            let child = path.appending(parallelState.name, index)
            let serial = nextFrameSerial()
            state.frames[child] = Frame(path: child, serial: serial, lastEventId: started, active: nil)
            queue.append(.enter(child, serial: serial, state: branch.startAt, input: input))
        }
    }

    /// Starts a Map state: InputPath, ItemsPath (must be an array), ItemSelector per item with `$$.Map.Item`,
    /// `MapStateStarted`, then as many iterations as MaxConcurrency allows (0 or absent: all).
    mutating func startMap(in path: ScopePath) throws(StatesError) {
        guard let active = state.frames[path]?.active, let mapDefinition = activeState(in: path),
            case .map(let map) = mapDefinition.kind
        else { return }
        let visible = variables(in: path)
        let effective = try selectInput(mapDefinition.io.inputPath, from: active.input.value, variables: visible)
        let isJSONata = mapDefinition.queryLanguage == .jsonata
        var itemsValue: JSON
        switch map.itemsPath {
        case .absent, .null: itemsValue = effective
        case .path(let itemsPath): itemsValue = try value(at: itemsPath, in: effective, variables: visible)
        }
        if isJSONata, let items = map.items {
            itemsValue = try evaluateField(
                items, states: statesBinding(input: effective, in: path), field: "Items", in: path)
        }
        guard let items = itemsValue.arrayValue else {
            if isJSONata, case .string(let string)? = map.items, let text = JSONataTemplate.expression(in: string) {
                throw JSONataTemplate.unexpectedType(text, location: "Items", expected: "array", value: itemsValue)
            }
            if isJSONata {
                throw StatesError(
                    StatesError.Name.queryEvaluation,
                    cause: "Map state input must be an array but was: \(itemsValue.serialized)")
            }
            throw StatesError(
                StatesError.Name.runtime,
                cause: "Map state input must be an array, but was \(itemsValue.typeName) at ItemsPath")
        }
        var limit = 0
        if let setting = map.maxConcurrency {
            switch setting {
            case .seconds(let value): limit = value
            case .expression(let text):
                let value = try evaluateField(
                    .string(text), states: statesBinding(input: effective, in: path), field: "MaxConcurrency", in: path)
                guard let number = value.doubleValue, number >= 0, number == number.rounded(), number <= 99_999_999
                else {
                    throw StatesError(
                        StatesError.Name.queryEvaluation,
                        cause: "The field 'MaxConcurrency' must evaluate to a non-negative integer.")
                }
                limit = Int(number)
            case .path(let concurrencyPath):
                let value = try value(at: concurrencyPath, in: effective, variables: visible)
                // AWS also takes the number as a string ("1"), as a recorded execution shows.
                let given = value.doubleValue ?? value.stringValue.flatMap { Double($0) }
                guard let number = given, number >= 0, number == number.rounded(), number <= 99_999_999 else {
                    throw StatesError(
                        StatesError.Name.runtime,
                        cause: "The MaxConcurrencyPath parameter does not reference a valid non-negative integer")
                }
                limit = Int(number)
            }
        }
        var inputs: [JSONText?] = []
        inputs.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            if let selector = map.itemSelector, isJSONata {
                let states: JSON = ["input": effective, "context": context(in: path, mapItem: (index, item))]
                inputs.append(JSONText(try evaluateField(selector, states: states, field: "ItemSelector", in: path)))
            } else if let selector = map.itemSelector {
                let context = context(in: path, mapItem: (index, item))
                inputs.append(JSONText(try render(selector, input: effective, context: context, variables: visible)))
            } else {
                inputs.append(JSONText(item))
            }
        }
        record(.mapStateStarted, .mapStateStarted(.init(length: items.count)), in: path)
        let progress = MapProgress(pending: inputs, results: Array(repeating: nil, count: items.count), limit: limit)
        state.frames[path]?.active?.step = .map(progress)
        if items.isEmpty {
            record(.mapStateSucceeded, in: path)
            completeState(path, result: .array([]))
        } else {
            startIterations(in: path)
        }
    }

    /// Starts pending Map iterations while MaxConcurrency allows.
    mutating func startIterations(in path: ScopePath) {
        guard let name = state.frames[path]?.active?.name, case .map(let map) = activeState(in: path)?.kind else {
            return
        }
        while case .map(var progress) = state.frames[path]?.active?.step, progress.canStartAnother {
            let index = progress.nextIndex
            let input = progress.pending[index]?.value ?? .null
            progress.pending[index] = nil
            progress.nextIndex += 1
            progress.running += 1
            state.frames[path]?.active?.step = .map(progress)
            let child = path.appending(name, index)
            let serial = nextFrameSerial()
            let parentLast = state.frames[path]?.lastEventId ?? 0
            state.frames[child] = Frame(path: child, serial: serial, lastEventId: parentLast, active: nil)
            record(.mapIterationStarted, .mapIteration(.init(name: name, index: index)), in: child)
            queue.append(.enter(child, serial: serial, state: map.itemProcessor.startAt, input: input))
        }
    }
}
