import Foundation

/// Evaluates a processed tree against input, one evaluation at a time (not shared between threads).
final class Evaluator {
    let limits: JSONataLimits
    let start = ContinuousClock.now
    let timestamp: Date
    var depth = 0
    private var ticks = 0
    /// Address of a local of the first `evaluate` call: how far the stack has grown is measured from it.
    private var stackBase: UInt?
    /// Lowest address evaluation may reach.
    private var stackFloor: UInt = 0
    /// Stack this evaluation may use, in bytes.
    let stackBudget: Int
    /// Set when evaluation stopped for want of stack (rather than depth or time), so that it can be run again on a
    /// larger stack.
    private(set) var ranOutOfStack = false
    let root: Frame

    init(limits: JSONataLimits, timestamp: Date, stackBudget: Int) {
        self.limits = limits
        self.stackBudget = stackBudget
        self.timestamp = timestamp
        root = Frame(parent: nil)
        for native in Library.all {
            root.bind(native.name, .function(JFunction(.native(native), signature: native.signature)))
        }
    }

    /// Counts evaluation depth and time against the limits (JSONata's U1001 for runaway recursion or loops).
    private func enter(_ expr: Node) throws {
        depth += 1
        ticks &+= 1
        if depth > limits.maximumDepth {
            throw JSONataError("U1001", position: expr.position, token: expr.value)
        }
        // The depth limit alone does not bound the stack (a level can take a few frames or many, and frames are
        // far larger in debug builds), so the stack's growth is measured too.
        let here = StackGuard.current()
        if stackBase == nil {
            stackBase = here
            stackFloor = here > UInt(stackBudget) ? here - UInt(stackBudget) : 0
        }
        if here < stackFloor {
            ranOutOfStack = true
            throw JSONataError("U1001", position: expr.position, token: expr.value)
        }
        if ticks % 1024 == 0, ContinuousClock.now - start > limits.timeLimit {
            throw JSONataError("U1001", position: expr.position, token: expr.value)
        }
    }

    func evaluate(_ expr: Node, _ input: Value?, _ env: Frame) throws -> Value? {
        try enter(expr)
        defer { depth -= 1 }
        var result: Value?
        switch expr.kind {
        case .path: result = try evaluatePath(expr, input, env)
        case .binary: result = try evaluateBinary(expr, input, env)
        case .unary: result = try evaluateUnary(expr, input, env)
        case .name: result = try lookup(input, expr.value)
        case .string: result = .string(expr.value)
        case .number: result = .number(expr.number)
        case .value: result = expr.literal
        case .wildcard: result = .array(try wildcard(input))
        case .descendant:
            try checkNesting(input)
            result = descendants(input)
        case .parent: result = env.lookup(expr.slot!.label)
        case .condition:
            let condition = try evaluate(expr.condition!, input, env)
            if try boolean(condition) == true {
                result = try evaluate(expr.then!, input, env)
            } else if let otherwise = expr.otherwise {
                result = try evaluate(otherwise, input, env)
            }
        case .block:
            let frame = Frame(parent: env)
            for item in expr.expressions { result = try evaluate(item, input, frame) }
        case .bind:
            result = try evaluate(expr.rhs!, input, env)
            env.bind(expr.lhs!.value, result)
        case .regex: result = .function(JFunction(.regex(expr.regex!)))
        case .function: result = try evaluateFunction(expr, input, env, applyTo: nil)
        case .variable:
            if expr.value.isEmpty {
                if case .array(let array)? = input, array.outerWrapper, let first = array.items.first {
                    result = first
                } else {
                    result = input
                }
            } else {
                result = env.lookup(expr.value)
            }
        case .lambda:
            result = .function(
                JFunction(
                    .lambda(
                        body: expr.body!, parameters: expr.arguments.map(\.value), input: input, frame: env,
                        isThunk: expr.isThunk), signature: expr.signature))
        case .partial: result = try evaluatePartial(expr, input, env)
        case .apply: result = try evaluateApply(expr, input, env)
        case .transform:
            result = .function(JFunction(.transform(expr, env), signature: Library.transformSignature))
        case .sort, .placeholder, .end:
            result = nil
        }
        if let predicate = expr.predicate {
            for stage in predicate { result = .array(try filter(stage.expression!, result, env)) }
        }
        if expr.kind != .path, let group = expr.group {
            result = try evaluateGroup(group, result, env)
        }
        if case .array(let array)? = result, array.isSequence, !array.isTupleStream {
            if expr.keepArray { array.keepSingleton = true }
            if array.isEmpty {
                result = nil
            } else if array.count == 1 && !array.keepSingleton {
                result = array.items[0]
            }
        }
        return result
    }

    /// A member of an object, or of each object in an array (flattened into a sequence).
    func lookup(_ input: Value?, _ key: String, depth: Int = 0) throws -> Value? {
        switch input {
        case .array(let array)?:
            if depth > maximumNesting { throw JSONataError("U1002", detail: "nested deeper than \(maximumNesting)") }
            let result = Value.sequence()
            for item in array.items {
                switch try lookup(item, key, depth: depth + 1) {
                case .array(let inner)?: result.items.append(contentsOf: inner.items)
                case let value?: result.append(value)
                case nil: break
                }
            }
            return .array(result)
        case .object(let object)?:
            return object[key]
        default:
            return nil
        }
    }

    private func wildcard(_ input: Value?) throws -> JArray {
        let results = Value.sequence()
        var value = input
        if case .array(let array)? = input, array.outerWrapper, let first = array.items.first { value = first }
        let members: [Value]
        switch value {
        case .object(let object)?: members = object.pairs.map(\.1)
        case .array(let array)?: members = array.items
        default: members = []
        }
        for member in members {
            if case .array(let array) = member {
                try checkNesting(member)
                results.items.append(contentsOf: flatten(array.items))
            } else {
                results.append(member)
            }
        }
        return results
    }

    func flatten(_ items: [Value]) -> [Value] {
        var result: [Value] = []
        for item in items {
            if case .array(let inner) = item {
                result.append(contentsOf: flatten(inner.items))
            } else {
                result.append(item)
            }
        }
        return result
    }

    private func descendants(_ input: Value?) -> Value? {
        guard let input else { return nil }
        let results = Value.sequence()
        func recurse(_ value: Value) {
            if case .array(let array) = value {
                for member in array.items { recurse(member) }
                return
            }
            results.append(value)
            if case .object(let object) = value {
                for (_, member) in object.pairs { recurse(member) }
            }
        }
        recurse(input)
        return results.count == 1 ? results.items[0] : .array(results)
    }

    /// The truthiness of a value as `$boolean` defines it (`nil` for undefined).
    func boolean(_ value: Value?) throws -> Bool? {
        guard let value else { return nil }
        if case .array = value { try checkNesting(value) }
        switch value {
        case .null: return false
        case .bool(let flag): return flag
        case .number(let number): return number != 0
        case .string(let string): return !string.isEmpty
        case .object(let object): return object.count > 0
        case .function: return false
        case .array(let array):
            if array.count == 1 { return try boolean(array.items[0]) }
            for item in array.items where try boolean(item) == true { return true }
            return false
        }
    }
}

/// Bounds for one evaluation: nesting depth (deep or non-tail recursion) and wall-clock time (loops).
public struct JSONataLimits: Sendable {
    /// Deepest nesting of evaluation steps; past it evaluation fails with U1001.
    public var maximumDepth: Int
    /// Longest an evaluation may run; past it evaluation fails with U1001.
    public var timeLimit: Duration

    /// Most stack an evaluation may use, in bytes (on a thread of its own when it needs more than a secondary
    /// thread has); past it evaluation fails with U1001.
    public var maximumStackBytes: Int

    /// Limits with defaults that keep evaluation within a thread's stack and a few seconds.
    public init(maximumDepth: Int = 900, timeLimit: Duration = .seconds(5), maximumStackBytes: Int = 8 * 1024 * 1024) {
        self.maximumDepth = maximumDepth
        self.timeLimit = timeLimit
        self.maximumStackBytes = maximumStackBytes
    }
}

extension Evaluator {
    /// The evaluation's fixed timestamp in milliseconds since 1970 (`$now()` and `$millis()` agree within one
    /// evaluation).
    var millis: Double { (timestamp.timeIntervalSince1970 * 1000).rounded(.down) }
}
