extension Evaluator {
    private func procedureName(_ expr: Node) -> String? {
        guard let procedure = expr.procedure else { return nil }
        return procedure.kind == .path ? procedure.steps.first?.value : procedure.value
    }

    /// A call `f(args)`; with `applyTo`, the left side of `~>` goes first.
    func evaluateFunction(_ expr: Node, _ input: Value?, _ env: Frame, applyTo: Value??) throws -> Value? {
        let procedure = try evaluate(expr.procedure!, input, env)
        if procedure == nil, expr.procedure!.kind == .path, let name = expr.procedure!.steps.first?.value,
            env.lookup(name) != nil
        {
            throw JSONataError("T1005", position: expr.position, token: name)
        }
        var arguments: [Value?] = []
        if let applyTo { arguments.append(applyTo) }
        for argument in expr.arguments { arguments.append(try evaluate(argument, input, env)) }
        do {
            return try apply(procedure, arguments, input, env)
        } catch var error as JSONataError {
            error.position = expr.position
            if error.token == nil { error.token = procedureName(expr) }
            throw error
        }
    }

    /// Applies a function, running tail calls (thunks) in a loop so that tail recursion does not grow the stack.
    func apply(_ procedure: Value?, _ arguments: [Value?], _ input: Value?, _ env: Frame) throws -> Value? {
        var result = try applyInner(procedure, arguments, input, env)
        while case .function(let function)? = result, function.isThunk,
            case .lambda(let thunkBody, _, let thunkInput, let thunkFrame, _) = function.kind
        {
            let call = thunkBody
            let next = try evaluate(call.procedure!, thunkInput, thunkFrame)
            var nextArguments: [Value?] = []
            for argument in call.arguments { nextArguments.append(try evaluate(argument, thunkInput, thunkFrame)) }
            do {
                result = try applyInner(next, nextArguments, input, env)
            } catch var error as JSONataError {
                error.position = call.position
                if error.token == nil { error.token = procedureName(call) }
                throw error
            }
        }
        return result
    }

    private func applyInner(_ procedure: Value?, _ arguments: [Value?], _ input: Value?, _ env: Frame) throws
        -> Value?
    {
        guard case .function(let function)? = procedure else { throw JSONataError("T1006") }
        let validated = try function.signature?.validate(arguments, context: input) ?? arguments
        switch function.kind {
        case .lambda(let body, let parameters, let lambdaInput, let frame, let isThunk):
            if isThunk { return try evaluate(body, lambdaInput, frame) }
            let scope = Frame(parent: frame)
            for (index, name) in parameters.enumerated() {
                scope.bind(name, index < validated.count ? validated[index] : nil)
            }
            return try evaluate(body, lambdaInput, scope)
        case .native(let native):
            return try native.run(self, validated, input, env)
        case .partial(let target, let bound, let holes):
            var filled = bound
            for (offset, hole) in holes.enumerated() {
                filled[hole] = offset < validated.count ? validated[offset] : nil
            }
            return try applyInner(.function(target), filled, input, env)
        case .regex(let regex):
            guard case .string(let text)? = validated.first else { return nil }
            return RegexMatch.first(regex, in: text, from: 0).map(\.value)
        case .transform(let node, let frame):
            return try transform(node, frame, validated.first ?? nil)
        case .chain(let first, let second):
            let intermediate = try apply(.function(first), [validated.first ?? nil], nil, env)
            return try apply(.function(second), [intermediate], nil, env)
        }
    }

    /// A lambda thunk's body is a call; evaluating the thunk itself (outside `apply`) just makes the call.
    func evaluatePartial(_ expr: Node, _ input: Value?, _ env: Frame) throws -> Value? {
        var arguments: [Value?] = []
        var holes: [Int] = []
        for (index, argument) in expr.arguments.enumerated() {
            if argument.kind == .placeholder && argument.value == "?" {
                holes.append(index)
                arguments.append(nil)
            } else {
                arguments.append(try evaluate(argument, input, env))
            }
        }
        let procedure = try evaluate(expr.procedure!, input, env)
        if procedure == nil, expr.procedure!.kind == .path, let name = expr.procedure!.steps.first?.value,
            env.lookup(name) != nil
        {
            throw JSONataError("T1007", position: expr.position, token: name)
        }
        guard case .function(let function)? = procedure else {
            throw JSONataError("T1008", position: expr.position, token: procedureName(expr))
        }
        var arity = function.arity
        if case .native(let native) = function.kind { arity = native.arity }
        while arguments.count < arity { arguments.append(nil) }
        return .function(JFunction(.partial(target: function, arguments: arguments, holes: holes)))
    }

    func evaluateApply(_ expr: Node, _ input: Value?, _ env: Frame) throws -> Value? {
        let lhs = try evaluate(expr.lhs!, input, env)
        let rhsNode = expr.rhs!
        if rhsNode.kind == .function {
            return try evaluateFunction(rhsNode, input, env, applyTo: .some(lhs))
        }
        let function = try evaluate(rhsNode, input, env)
        guard case .function(let second)? = function else {
            throw JSONataError("T2006", position: expr.position, value: function)
        }
        if case .function(let first)? = lhs {
            return .function(JFunction(.chain(first, second)))
        }
        return try apply(function, [lhs], nil, env)
    }

    private func transform(_ expr: Node, _ env: Frame, _ object: Value?) throws -> Value? {
        guard let object else { return nil }
        guard case .function? = env.lookup("clone") else { throw JSONataError("T2013", position: expr.position) }
        let result = try apply(env.lookup("clone"), [object], nil, env)
        guard let matches = try evaluate(expr.pattern!, result, env) else { return result }
        for match in matches.array?.items ?? [matches] {
            if let update = try evaluate(expr.update!, match, env) {
                guard case .object(let fields) = update else {
                    throw JSONataError("T2011", position: expr.update!.position, value: update)
                }
                if case .object(let target) = match {
                    for (key, value) in fields.pairs { target[key] = value }
                }
            }
            if let deleteNode = expr.delete, let deletions = try evaluate(deleteNode, match, env) {
                let names = deletions.array?.items ?? [deletions]
                guard names.allSatisfy({ $0.string != nil }) else {
                    throw JSONataError("T2012", position: deleteNode.position, value: deletions)
                }
                if case .object(let target) = match {
                    for name in names { target[name.string!] = nil }
                }
            }
        }
        return result
    }
}
