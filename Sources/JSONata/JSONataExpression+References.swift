extension JSONataExpression {
    /// The variables the expression reads from outside (`$name`), without `$` itself, the names it binds
    /// (`:=`, lambda parameters, `@`/`#` bindings) and the standard library's functions.
    public var variableReferences: Set<String> {
        var read: Set<String> = []
        var bound: Set<String> = []
        root.collectVariables(read: &read, bound: &bound)
        return read.subtracting(bound).subtracting(Library.byName.keys)
    }
}

extension Node {
    /// Every variable read and every name bound anywhere in the tree (its depth is bounded by the parser).
    func collectVariables(read: inout Set<String>, bound: inout Set<String>) {
        switch kind {
        case .variable where !value.isEmpty: read.insert(value)
        case .bind: if let name = lhs?.value { bound.insert(name) }
        case .lambda: for argument in arguments { bound.insert(argument.value) }
        default: break
        }
        if let focus { bound.insert(focus) }
        if let index { bound.insert(index) }
        var children: [Node] = []
        children += [lhs, rhs, expression, procedure, body, condition, then, otherwise, pattern, update, delete]
            .compactMap { $0 }
        children += expressions + steps + pairs.flatMap { [$0.0, $0.1] } + terms.map(\.expression)
        if kind != .lambda { children += arguments }
        children += (predicate ?? []).compactMap(\.expression) + (stages ?? []).compactMap(\.expression)
        for stage in stages ?? [] where stage.kind == .index { bound.insert(stage.variable) }
        children += (group?.pairs ?? []).flatMap { [$0.0, $0.1] }
        for child in children where child !== self { child.collectVariables(read: &read, bound: &bound) }
    }
}
