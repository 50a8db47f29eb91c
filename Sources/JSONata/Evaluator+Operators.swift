extension Evaluator {
    func evaluateBinary(_ expr: Node, _ input: Value?, _ env: Frame) throws -> Value? {
        let lhs = try evaluate(expr.lhs!, input, env)
        let op = expr.value
        do {
            if op == "and" || op == "or" {
                let left = try boolean(lhs) ?? false
                if op == "and" && !left { return .bool(false) }
                if op == "or" && left { return .bool(true) }
                return .bool(try boolean(try evaluate(expr.rhs!, input, env)) ?? false)
            }
            let rhs = try evaluate(expr.rhs!, input, env)
            switch op {
            case "+", "-", "*", "/", "%":
                return try arithmetic(lhs, rhs, op)
            case "=", "!=":
                guard lhs != nil, rhs != nil else { return .bool(false) }
                try checkNesting(lhs)
                try checkNesting(rhs)
                return .bool(deepEqual(lhs, rhs) == (op == "="))
            case "<", "<=", ">", ">=":
                return try compare(lhs, rhs, op)
            case "&":
                return .string((try lhs.map { try stringify($0) } ?? "") + (try rhs.map { try stringify($0) } ?? ""))
            case "..":
                return try range(lhs, rhs)
            case "in":
                guard let lhs, let rhs else { return .bool(false) }
                let candidates = rhs.array?.items ?? [rhs]
                return .bool(candidates.contains { strictEqual($0, lhs) })
            default:
                return nil
            }
        } catch var error as JSONataError {
            if error.position == nil { error.position = expr.position }
            if error.token == nil { error.token = op }
            throw error
        }
    }

    private func arithmetic(_ lhs: Value?, _ rhs: Value?, _ op: String) throws -> Value? {
        if let lhs, !(try isNumeric(lhs)) { throw JSONataError("T2001", value: lhs) }
        if let rhs, !(try isNumeric(rhs)) { throw JSONataError("T2002", value: rhs) }
        guard case .number(let a)? = lhs, case .number(let b)? = rhs else { return nil }
        switch op {
        case "+": return .number(a + b)
        case "-": return .number(a - b)
        case "*": return .number(a * b)
        case "/": return .number(a / b)
        default: return .number(a.truncatingRemainder(dividingBy: b))
        }
    }

    private func compare(_ lhs: Value?, _ rhs: Value?, _ op: String) throws -> Value? {
        func comparable(_ value: Value?) -> Bool {
            switch value {
            case nil, .string?: true
            case .number?: true
            default: false
            }
        }
        guard comparable(lhs), comparable(rhs) else {
            let bad = (lhs?.string != nil || lhs?.number != nil) ? rhs : lhs
            throw JSONataError("T2010", value: bad)
        }
        guard let lhs, let rhs else { return nil }
        let order: Int
        switch (lhs, rhs) {
        case (.number(let a), .number(let b)):
            order = a < b ? -1 : (a > b ? 1 : 0)
        case (.string(let a), .string(let b)):
            order = compareStrings(a, b)
        default:
            var error = JSONataError("T2009", value: lhs)
            error.value2 = renderForMessage(rhs)
            throw error
        }
        switch op {
        case "<": return .bool(order < 0)
        case "<=": return .bool(order <= 0)
        case ">": return .bool(order > 0)
        default: return .bool(order >= 0)
        }
    }

    private func range(_ lhs: Value?, _ rhs: Value?) throws -> Value? {
        func integer(_ value: Value?) -> Double? {
            guard case .number(let number)? = value, number == number.rounded(), number.isFinite else { return nil }
            return number
        }
        if lhs != nil && integer(lhs) == nil { throw JSONataError("T2003", value: lhs) }
        if rhs != nil && integer(rhs) == nil { throw JSONataError("T2004", value: rhs) }
        guard let low = integer(lhs), let high = integer(rhs), low <= high else { return nil }
        let size = high - low + 1
        if size > 10_000_000 { throw JSONataError("D2014", value: .number(size)) }
        let result = Value.sequence()
        result.items.reserveCapacity(Int(size))
        var item = low
        while item <= high {
            result.append(.number(item))
            item += 1
        }
        return .array(result)
    }

    func evaluateUnary(_ expr: Node, _ input: Value?, _ env: Frame) throws -> Value? {
        switch expr.value {
        case "-":
            let value = try evaluate(expr.expression!, input, env)
            guard let value else { return nil }
            guard try isNumeric(value), case .number(let number) = value else {
                throw JSONataError("D1002", position: expr.position, token: "-", value: value)
            }
            return .number(-number)
        case "[":
            let result = JArray()
            for item in expr.expressions {
                guard let value = try evaluate(item, input, env) else { continue }
                if item.kind == .unary && item.value == "[" {
                    result.append(value)
                } else if case .array(let array) = value {
                    result.items.append(contentsOf: array.items)
                } else {
                    result.append(value)
                }
            }
            if expr.isConsArray { result.isCons = true }
            return .array(result)
        case "{":
            return try evaluateGroup(Group(pairs: expr.pairs, position: expr.position), input, env)
        default:
            return nil
        }
    }

    func sort(_ expr: Node, _ input: JArray, _ env: Frame) throws -> JArray {
        let isTupleSort = input.isTupleStream
        func key(_ item: Value, _ term: SortTerm) throws -> Value? {
            if isTupleSort {
                return try evaluate(term.expression, item.object?["@"], Frame.from(tuple: item, parent: env))
            }
            return try evaluate(term.expression, item, env)
        }
        // Whether `a` goes after `b`.
        func after(_ a: Value, _ b: Value) throws -> Bool {
            for term in expr.terms {
                let aa = try key(a, term)
                let bb = try key(b, term)
                var comparison = 0
                switch (aa, bb) {
                case (nil, nil): continue
                case (nil, _): comparison = 1
                case (_, nil): comparison = -1
                case (.number(let x)?, .number(let y)?): comparison = x == y ? 0 : (x < y ? -1 : 1)
                case (.string(let x)?, .string(let y)?): comparison = compareStrings(x, y)
                case (.number?, .string?), (.string?, .number?):
                    var error = JSONataError("T2007", position: expr.position, value: aa)
                    error.value2 = renderForMessage(bb!)
                    throw error
                default:
                    let bad = (aa?.string == nil && aa?.number == nil) ? aa : bb
                    throw JSONataError("T2008", position: expr.position, value: bad)
                }
                if comparison == 0 { continue }
                if term.descending && (aa != nil && bb != nil) { comparison = -comparison }
                return comparison == 1
            }
            return false
        }
        let sorted = try mergeSort(input.items, after: after)
        let result = Value.sequence(sorted)
        result.isTupleStream = isTupleSort
        return result
    }

    /// A stable merge sort with a throwing "goes after" test, as jsonata-js sorts.
    func mergeSort(_ items: [Value], after: (Value, Value) throws -> Bool) throws -> [Value] {
        guard items.count > 1 else { return items }
        let middle = items.count / 2
        let left = try mergeSort(Array(items[..<middle]), after: after)
        let right = try mergeSort(Array(items[middle...]), after: after)
        var merged: [Value] = []
        merged.reserveCapacity(items.count)
        var i = 0
        var j = 0
        while i < left.count && j < right.count {
            if try after(left[i], right[j]) {
                merged.append(right[j])
                j += 1
            } else {
                merged.append(left[i])
                i += 1
            }
        }
        merged.append(contentsOf: left[i...])
        merged.append(contentsOf: right[j...])
        return merged
    }
}

/// JavaScript's string order: by UTF-16 code unit.
func compareStrings(_ a: String, _ b: String) -> Int {
    if a == b { return 0 }
    return a.utf16.lexicographicallyPrecedes(b.utf16) ? -1 : 1
}
