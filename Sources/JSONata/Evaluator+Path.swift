extension Evaluator {
    func evaluatePath(_ expr: Node, _ input: Value?, _ env: Frame) throws -> Value? {
        var inputSequence: [Value?]
        if case .array(let array)? = input, expr.steps[0].kind != .variable {
            inputSequence = array.items
        } else {
            inputSequence = [input]
        }
        var resultSequence: JArray?
        var isTupleStream = false
        var tupleBindings: JArray?
        for (index, step) in expr.steps.enumerated() {
            if step.tuple { isTupleStream = true }
            if index == 0 && step.isConsArray {
                let whole = Value.array(Value.sequence(inputSequence.compactMap { $0 }))
                switch try evaluate(step, whole, env) {
                case .array(let array)?: resultSequence = array
                case let value?: resultSequence = Value.sequence([value])
                case nil: resultSequence = nil
                }
            } else if isTupleStream {
                tupleBindings = try evaluateTupleStep(step, inputSequence, tupleBindings, env)
            } else {
                resultSequence = try evaluateStep(step, inputSequence, env, isLast: index == expr.steps.count - 1)
            }
            if !isTupleStream && (resultSequence == nil || resultSequence!.isEmpty) { break }
            if step.focus == nil { inputSequence = resultSequence?.items ?? [] }
        }
        if isTupleStream {
            let bindings =
                tupleBindings
                ?? {
                    let empty = Value.sequence(); empty.isTupleStream = true; return empty
                }()
            if expr.tuple {
                resultSequence = bindings
            } else {
                resultSequence = Value.sequence(bindings.items.compactMap { $0.object?["@"] })
            }
        }
        if expr.keepSingletonArray, var result = resultSequence {
            if result.isCons && !result.isSequence {
                result = Value.sequence([.array(result)])
                resultSequence = result
            }
            result.keepSingleton = true
        }
        if let group = expr.group {
            return try evaluateGroup(group, (isTupleStream ? tupleBindings : resultSequence).map { .array($0) }, env)
        }
        return resultSequence.map { .array($0) }
    }

    private func evaluateStep(_ expr: Node, _ input: [Value?], _ env: Frame, isLast: Bool) throws -> JArray {
        if expr.kind == .sort {
            var result = try sort(expr, Value.sequence(input.compactMap { $0 }), env)
            if let stages = expr.stages { result = try evaluateStages(stages, result, env) }
            return result
        }
        var results: [Value] = []
        for item in input {
            var value = try evaluate(expr, item, env)
            if let stages = expr.stages {
                for stage in stages { value = .array(try filter(stage.expression!, value, env)) }
            }
            if let value { results.append(value) }
        }
        if isLast && results.count == 1, case .array(let array) = results[0], !array.isSequence {
            return array
        }
        let sequence = Value.sequence()
        for value in results {
            if case .array(let array) = value, !array.isCons {
                sequence.items.append(contentsOf: array.items)
            } else {
                sequence.append(value)
            }
        }
        return sequence
    }

    func evaluateStages(_ stages: [Stage], _ input: JArray, _ env: Frame) throws -> JArray {
        var result = input
        for stage in stages {
            switch stage.kind {
            case .filter:
                result = try filter(stage.expression!, .array(result), env)
            case .index:
                for (position, tuple) in result.items.enumerated() {
                    tuple.object?[stage.variable] = .number(Double(position))
                }
            }
        }
        return result
    }

    private func tupleStream(_ items: [Value] = []) -> JArray {
        let stream = Value.sequence(items)
        stream.isTupleStream = true
        return stream
    }

    private func evaluateTupleStep(_ expr: Node, _ input: [Value?], _ bindings: JArray?, _ env: Frame) throws -> JArray
    {
        if expr.kind == .sort {
            var result: JArray
            if let bindings {
                result = try sort(expr, bindings, env)
            } else {
                let sorted = try sort(expr, Value.sequence(input.compactMap { $0 }), env)
                result = tupleStream()
                for (position, item) in sorted.items.enumerated() {
                    let tuple = JObject([("@", item)])
                    if let index = expr.index { tuple[index] = .number(Double(position)) }
                    result.append(.object(tuple))
                }
            }
            if let stages = expr.stages { result = try evaluateStages(stages, result, env) }
            return result
        }
        var result = tupleStream()
        let tuples: [JObject] =
            bindings?.items.compactMap(\.object)
            ?? input.map { item in
                let tuple = JObject()
                tuple["@"] = item
                return tuple
            }
        for tuple in tuples {
            let stepEnv = Frame.from(tuple: .object(tuple), parent: env)
            guard let value = try evaluate(expr, tuple["@"], stepEnv) else { continue }
            let items: [Value]
            var isStream = false
            if case .array(let array) = value {
                items = array.items
                isStream = array.isTupleStream
            } else {
                items = [value]
            }
            for (position, item) in items.enumerated() {
                let next = tuple.copy()
                if isStream {
                    for (key, member) in item.object?.pairs ?? [] { next[key] = member }
                } else {
                    if let focus = expr.focus {
                        next[focus] = item
                        next["@"] = tuple["@"]
                    } else {
                        next["@"] = item
                    }
                    if let index = expr.index { next[index] = .number(Double(position)) }
                    if let ancestor = expr.ancestor { next[ancestor.label] = tuple["@"] }
                }
                result.append(.object(next))
            }
        }
        if let stages = expr.stages { result = try evaluateStages(stages, result, env) }
        return result
    }

    func filter(_ predicate: Node, _ input: Value?, _ env: Frame) throws -> JArray {
        var results = Value.sequence()
        let items: [Value]
        var isStream = false
        if case .array(let array)? = input {
            items = array.items
            isStream = array.isTupleStream
            results.isTupleStream = isStream
        } else {
            items = input.map { [$0] } ?? []
        }
        if predicate.kind == .number {
            var index = Int(exactly: predicate.number.rounded(.down)) ?? Int.max
            if index < 0 { index += items.count }
            if index >= 0 && index < items.count {
                if case .array(let array) = items[index] { results = array } else { results.append(items[index]) }
            }
            return results
        }
        for (index, item) in items.enumerated() {
            var context: Value? = item
            var frame = env
            if isStream {
                context = item.object?["@"]
                frame = Frame.from(tuple: item, parent: env)
            }
            var value = try evaluate(predicate, context, frame)
            if case .number? = value { value = .array(JArray([value!])) }
            if case .array(let array)? = value, try array.items.allSatisfy({ try isNumeric($0) }) {
                for case .number(let number) in array.items {
                    var position = Int(exactly: number.rounded(.down)) ?? Int.max
                    if position < 0 { position += items.count }
                    if position == index { results.append(item) }
                }
            } else if try boolean(value) == true {
                results.append(item)
            }
        }
        return results
    }

    /// Whether a value is a number, failing with D1001 for infinities as JSONata does.
    func isNumeric(_ value: Value?) throws -> Bool {
        guard case .number(let number)? = value, !number.isNaN else { return false }
        if !number.isFinite { throw JSONataError("D1001", value: value) }
        return true
    }

    func evaluateGroup(_ group: Group, _ input: Value?, _ env: Frame) throws -> Value? {
        let isReduce: Bool
        var items: [Value?]
        if case .array(let array)? = input {
            isReduce = array.isTupleStream
            items = array.items
        } else {
            isReduce = false
            items = [input]
        }
        if items.isEmpty && !isReduce { items = [nil] }
        var order: [String] = []
        var groups: [String: (data: Value?, pair: Int)] = [:]
        for item in items {
            let frame = isReduce ? Frame.from(tuple: item!, parent: env) : env
            for (pairIndex, pair) in group.pairs.enumerated() {
                let key = try evaluate(pair.0, isReduce ? item?.object?["@"] : item, frame)
                guard let key else { continue }
                guard case .string(let name) = key else {
                    throw JSONataError("T1003", position: group.position, value: key)
                }
                if let existing = groups[name] {
                    if existing.pair != pairIndex { throw JSONataError("D1009", position: group.position, value: key) }
                    groups[name] = (append(existing.data, item), pairIndex)
                } else {
                    order.append(name)
                    groups[name] = (item, pairIndex)
                }
            }
        }
        let result = JObject()
        for name in order {
            let entry = groups[name]!
            var context = entry.data
            var frame = env
            if isReduce {
                let tuple = reduceTupleStream(entry.data)
                context = tuple["@"]
                tuple["@"] = nil
                frame = Frame.from(tuple: .object(tuple), parent: env)
            }
            if let value = try evaluate(group.pairs[entry.pair].1, context, frame) { result[name] = value }
        }
        return .object(result)
    }

    private func reduceTupleStream(_ stream: Value?) -> JObject {
        guard case .array(let array)? = stream else { return stream?.object?.copy() ?? JObject() }
        let result = array.items.first?.object?.copy() ?? JObject()
        for tuple in array.items.dropFirst() {
            for (key, value) in tuple.object?.pairs ?? [] { result[key] = append(result[key], value) }
        }
        return result
    }

    /// `$append`: undefined disappears, everything else is concatenated into a new (non-sequence) array.
    func append(_ first: Value?, _ second: Value?) -> Value? {
        guard let first else { return second }
        guard let second else { return first }
        var items = first.array?.items ?? [first]
        if case .array(let array) = second { items.append(contentsOf: array.items) } else { items.append(second) }
        return .array(JArray(items))
    }
}
