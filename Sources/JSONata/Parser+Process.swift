extension Parser {
    /// Rewrites the raw tree for the evaluator: `.` chains become paths of steps, `[…]` become predicates or
    /// stages, `{…}` after a step becomes its group, `^(…)` a sort step, `@`/`#` tuple bindings, `%` parent
    /// slots, and lambda bodies get tail calls marked.
    mutating func process(_ expr: Node) throws -> Node {
        var result: Node
        switch expr.kind {
        case .binary:
            result = try processBinary(expr)
        case .unary:
            result = Node(.unary, expr.value, position: expr.position)
            if expr.value == "[" {
                result.expressions = try expr.expressions.map { item in
                    let value = try process(item)
                    pushAncestry(result, value)
                    return value
                }
            } else if expr.value == "{" {
                result.pairs = try expr.pairs.map { pair in
                    let key = try process(pair.0)
                    pushAncestry(result, key)
                    let value = try process(pair.1)
                    pushAncestry(result, value)
                    return (key, value)
                }
            } else {
                let operand = try process(expr.expression!)
                if expr.value == "-" && operand.kind == .number {
                    operand.number = -operand.number
                    result = operand
                } else {
                    result.expression = operand
                    pushAncestry(result, operand)
                }
            }
        case .function, .partial:
            result = Node(expr.kind, expr.value, position: expr.position)
            result.arguments = try expr.arguments.map { argument in
                let processed = try process(argument)
                pushAncestry(result, processed)
                return processed
            }
            result.procedure = try process(expr.procedure!)
        case .lambda:
            result = Node(.lambda, expr.value, position: expr.position)
            result.arguments = expr.arguments
            result.signature = expr.signature
            result.body = tailCallOptimize(try process(expr.body!))
        case .condition:
            result = Node(.condition, position: expr.position)
            result.condition = try process(expr.condition!)
            pushAncestry(result, result.condition!)
            result.then = try process(expr.then!)
            pushAncestry(result, result.then!)
            if let otherwise = expr.otherwise {
                result.otherwise = try process(otherwise)
                pushAncestry(result, result.otherwise!)
            }
        case .transform:
            result = Node(.transform, position: expr.position)
            result.pattern = try process(expr.pattern!)
            result.update = try process(expr.update!)
            if let delete = expr.delete { result.delete = try process(delete) }
        case .block:
            result = Node(.block, position: expr.position)
            result.expressions = try expr.expressions.map { item in
                let part = try process(item)
                pushAncestry(result, part)
                if part.isConsArray || (part.kind == .path && part.steps[0].isConsArray) { result.isConsArray = true }
                return part
            }
        case .name:
            result = Node(.path, position: expr.position)
            result.steps = [expr]
            if expr.keepArray { result.keepSingletonArray = true }
        case .parent:
            result = Node(.parent, position: expr.position)
            result.slot = Slot(label: "!\(ancestorLabel)", level: 1, index: ancestry.count)
            ancestorLabel += 1
            ancestry.append(result)
        case .string, .number, .value, .wildcard, .descendant, .variable, .regex:
            result = expr
        case .placeholder:
            if expr.value == "and" || expr.value == "or" || expr.value == "in" {
                expr.kind = .name
                result = try process(expr)
            } else if expr.value == "?" {
                result = expr
            } else {
                throw JSONataError("S0201", position: expr.position, token: expr.value)
            }
        case .end:
            throw JSONataError("S0207", position: expr.position, token: "(end)")
        default:
            throw JSONataError("S0206", position: expr.position, token: expr.value)
        }
        if expr.keepArray { result.keepArray = true }
        return result
    }

    private mutating func processBinary(_ expr: Node) throws -> Node {
        var result: Node
        switch expr.value {
        case ".":
            let left = try process(expr.lhs!)
            if left.kind == .path {
                result = left
            } else {
                result = Node(.path, position: expr.position)
                result.steps = [left]
            }
            if left.kind == .parent { result.seekingParent = [left.slot!] }
            let rest = try process(expr.rhs!)
            if rest.kind == .path {
                result.steps.append(contentsOf: rest.steps)
            } else {
                if rest.predicate != nil {
                    rest.stages = rest.predicate
                    rest.predicate = nil
                }
                result.steps.append(rest)
            }
            for step in result.steps {
                if step.kind == .number || step.kind == .value {
                    throw JSONataError("S0213", position: step.position, value: "\"\(step.value)\"")
                }
                if step.kind == .string { step.kind = .name }
            }
            if result.steps.contains(where: { $0.keepArray }) { result.keepSingletonArray = true }
            if let first = result.steps.first, first.kind == .unary, first.value == "[" { first.isConsArray = true }
            if let last = result.steps.last, last.kind == .unary, last.value == "[" { last.isConsArray = true }
            try resolveAncestry(result)
        case "[":
            result = try process(expr.lhs!)
            var step = result
            var isStage = false
            if result.kind == .path {
                step = result.steps[result.steps.count - 1]
                isStage = true
            }
            if step.group != nil { throw JSONataError("S0209", position: expr.position) }
            let predicate = try process(expr.rhs!)
            if let seeking = predicate.seekingParent {
                for slot in seeking {
                    if slot.level == 1 {
                        _ = try seekParent(step, slot)
                    } else {
                        slot.level -= 1
                    }
                }
                pushAncestry(step, predicate)
            }
            let stage = Stage(kind: .filter, expression: predicate, position: expr.position)
            if isStage {
                step.stages = (step.stages ?? []) + [stage]
            } else {
                step.predicate = (step.predicate ?? []) + [stage]
            }
        case "{":
            result = try process(expr.lhs!)
            if result.group != nil { throw JSONataError("S0210", position: expr.position) }
            result.group = Group(
                pairs: try expr.pairs.map { (try process($0.0), try process($0.1)) }, position: expr.position)
        case "^":
            result = try process(expr.lhs!)
            if result.kind != .path {
                let path = Node(.path, position: expr.position)
                path.steps = [result]
                result = path
            }
            let sortStep = Node(.sort, position: expr.position)
            sortStep.terms = try expr.rawTerms.map { term in
                let expression = try process(term.expression)
                pushAncestry(sortStep, expression)
                return SortTerm(descending: term.descending, expression: expression)
            }
            result.steps.append(sortStep)
            try resolveAncestry(result)
        case ":=":
            result = Node(.bind, expr.value, position: expr.position)
            result.lhs = try process(expr.lhs!)
            result.rhs = try process(expr.rhs!)
            pushAncestry(result, result.rhs!)
        case "@":
            result = try process(expr.lhs!)
            var step = result
            if result.kind == .path { step = result.steps[result.steps.count - 1] }
            if step.stages != nil || step.predicate != nil { throw JSONataError("S0215", position: expr.position) }
            if step.kind == .sort { throw JSONataError("S0216", position: expr.position) }
            if expr.keepArray { step.keepArray = true }
            step.focus = expr.rhs!.value
            step.tuple = true
        case "#":
            result = try process(expr.lhs!)
            var step = result
            if result.kind == .path {
                step = result.steps[result.steps.count - 1]
            } else {
                let path = Node(.path, position: expr.position)
                path.steps = [result]
                result = path
                if step.predicate != nil {
                    step.stages = step.predicate
                    step.predicate = nil
                }
            }
            if step.stages == nil {
                step.index = expr.rhs!.value
            } else {
                step.stages!.append(Stage(kind: .index, variable: expr.rhs!.value, position: expr.position))
            }
            step.tuple = true
        case "~>":
            result = Node(.apply, expr.value, position: expr.position)
            result.lhs = try process(expr.lhs!)
            result.rhs = try process(expr.rhs!)
            result.keepArray = result.lhs!.keepArray || result.rhs!.keepArray
        default:
            result = Node(.binary, expr.value, position: expr.position)
            result.lhs = try process(expr.lhs!)
            result.rhs = try process(expr.rhs!)
            pushAncestry(result, result.lhs!)
            pushAncestry(result, result.rhs!)
        }
        return result
    }

    private func tailCallOptimize(_ expr: Node) -> Node {
        switch expr.kind {
        case .function where expr.predicate == nil:
            let thunk = Node(.lambda, position: expr.position)
            thunk.isThunk = true
            thunk.body = expr
            return thunk
        case .condition:
            expr.then = tailCallOptimize(expr.then!)
            if let otherwise = expr.otherwise { expr.otherwise = tailCallOptimize(otherwise) }
            return expr
        case .block:
            if let last = expr.expressions.last {
                expr.expressions[expr.expressions.count - 1] = tailCallOptimize(last)
            }
            return expr
        default:
            return expr
        }
    }

    private func seekParent(_ node: Node, _ start: Slot) throws -> Slot {
        var slot = start
        switch node.kind {
        case .name, .wildcard:
            slot.level -= 1
            if slot.level == 0 {
                if let existing = node.ancestor {
                    ancestry[slot.index].slot!.label = existing.label
                }
                node.ancestor = slot
                node.tuple = true
            }
        case .parent:
            slot.level += 1
        case .block:
            if let last = node.expressions.last {
                node.tuple = true
                slot = try seekParent(last, slot)
            }
        case .path:
            node.tuple = true
            var index = node.steps.count - 1
            slot = try seekParent(node.steps[index], slot)
            index -= 1
            while slot.level > 0 && index >= 0 {
                slot = try seekParent(node.steps[index], slot)
                index -= 1
            }
        default:
            throw JSONataError("S0217", position: node.position, token: "\(node.kind)")
        }
        return slot
    }

    private func pushAncestry(_ result: Node, _ value: Node) {
        guard value.seekingParent != nil || value.kind == .parent else { return }
        var slots = value.seekingParent ?? []
        if value.kind == .parent { slots.append(value.slot!) }
        result.seekingParent = (result.seekingParent ?? []) + slots
    }

    private func resolveAncestry(_ path: Node) throws {
        let last = path.steps[path.steps.count - 1]
        var slots = last.seekingParent ?? []
        if last.kind == .parent { slots.append(last.slot!) }
        for var slot in slots {
            var index = path.steps.count - 2
            while slot.level > 0 {
                if index < 0 {
                    path.seekingParent = (path.seekingParent ?? []) + [slot]
                    break
                }
                var step = path.steps[index]
                index -= 1
                while index >= 0 && step.focus != nil && path.steps[index].focus != nil {
                    step = path.steps[index]
                    index -= 1
                }
                slot = try seekParent(step, slot)
            }
        }
    }
}
