import BatonJSON

extension JSONPath {
    /// Evaluates the path with Jayway's semantics.
    ///
    /// A definite path returns the single node it selects, or `nil` when nothing matches (a missing member, an index
    /// out of range, a member of a non-object). An indefinite path returns a JSON array of every match (possibly
    /// empty) and never `nil`.
    /// - Parameters:
    ///   - input: the document `$` refers to.
    ///   - context: the document `$$` refers to (the context object).
    ///   - variables: the variables `$name` refers to; a path on a variable that is not set selects nothing.
    public func evaluate(_ input: JSON, context: JSON = .null, variables: [String: JSON] = [:]) -> JSON? {
        guard let document = document(input: input, context: context, variables: variables) else { return nil }
        let matches = Self.select(segments, from: document, root: document)
        if isDefinite { return matches.first }
        return .array(matches)
    }

    /// The document the path starts from; `nil` for a variable that is not set.
    public func document(input: JSON, context: JSON, variables: [String: JSON]) -> JSON? {
        switch root {
        case .input: input
        case .context: context
        case .variable(let name): variables[name]
        }
    }

    /// The end of an error message for a path that found nothing, after "could not be found": AWS's
    /// " in the input '…'" with the document searched, or ": the variable 'x' is not set".
    func notFound(input: JSON, context: JSON, variables: [String: JSON]) -> String {
        if case .variable(let name) = root, variables[name] == nil { return ": the variable '\(name)' is not set" }
        let document = document(input: input, context: context, variables: variables) ?? .null
        return " in the input '\(document.serialized)'"
    }

    /// All nodes the segments select, in document order.
    static func select(_ segments: [Segment], from start: JSON, root: JSON) -> [JSON] {
        var nodes = [start]
        for segment in segments {
            var next: [JSON] = []
            for node in nodes {
                switch segment {
                case .child(let selector): apply(selector, to: node, root: root, into: &next)
                case .descendant(let selector): scan(selector, in: node, root: root, into: &next)
                }
            }
            nodes = next
            if nodes.isEmpty { break }
        }
        return nodes
    }

    /// Applies a selector to `node` and then to every descendant, pre-order (document order).
    static func scan(_ selector: Selector, in node: JSON, root: JSON, into out: inout [JSON]) {
        var stack: [JSON] = [node]
        while let current = stack.popLast() {
            apply(selector, to: current, root: root, into: &out)
            switch current {
            case .array(let elements): stack.append(contentsOf: elements.reversed())
            case .object(let object): stack.append(contentsOf: object.map(\.value).reversed())
            default: break
            }
        }
    }

    static func apply(_ selector: Selector, to node: JSON, root: JSON, into out: inout [JSON]) {
        switch selector {
        case .name(let name):
            if let value = node.objectValue?[name] { out.append(value) }
        case .names(let names):
            guard let object = node.objectValue else { return }
            for name in names { if let value = object[name] { out.append(value) } }
        case .index(let index):
            if let elements = node.arrayValue, let value = element(elements, at: index) { out.append(value) }
        case .indexes(let indexes):
            guard let elements = node.arrayValue else { return }
            for index in indexes { if let value = element(elements, at: index) { out.append(value) } }
        case .wildcard:
            switch node {
            case .array(let elements): out.append(contentsOf: elements)
            case .object(let object): out.append(contentsOf: object.map(\.value))
            default: break
            }
        case .slice(let start, let end):
            guard let elements = node.arrayValue else { return }
            let count = elements.count
            let from = clamp(start ?? 0, count)
            let to = clamp(end ?? count, count)
            if from < to { out.append(contentsOf: elements[from..<to]) }
        case .filter(let expression):
            switch node {
            case .array(let elements):
                for element in elements where matches(expression, current: element, root: root) {
                    out.append(element)
                }
            case .object:
                // Jayway applies a filter on an object to the object itself.
                if matches(expression, current: node, root: root) { out.append(node) }
            default: break
            }
        }
    }

    static func element(_ elements: [JSON], at index: Int) -> JSON? {
        let position = index < 0 ? elements.count + index : index
        guard elements.indices.contains(position) else { return Optional.none }
        return elements[position]
    }

    static func clamp(_ bound: Int, _ count: Int) -> Int {
        bound < 0 ? max(0, count + bound) : min(bound, count)
    }

    // MARK: Filters

    static func matches(_ expression: FilterExpression, current: JSON, root: JSON) -> Bool {
        switch expression {
        case .exists(let operand): return value(of: operand, current: current, root: root) != nil
        case .not(let inner): return !matches(inner, current: current, root: root)
        case .and(let left, let right):
            return matches(left, current: current, root: root) && matches(right, current: current, root: root)
        case .or(let left, let right):
            return matches(left, current: current, root: root) || matches(right, current: current, root: root)
        case .compare(let left, let op, let right):
            guard let lhs = value(of: left, current: current, root: root),
                let rhs = value(of: right, current: current, root: root)
            else { return false }
            return compare(lhs, op, rhs)
        }
    }

    /// The value of an operand; `nil` when a path selects nothing. A path selecting several nodes is an array.
    static func value(of operand: FilterOperand, current: JSON, root: JSON) -> JSON? {
        let segments: [Segment]
        let start: JSON
        switch operand {
        case .literal(let value): return value
        case .current(let path): (segments, start) = (path, current)
        case .root(let path): (segments, start) = (path, root)
        }
        let definite = segments.allSatisfy {
            if case .child(.name) = $0 { return true }
            if case .child(.index) = $0 { return true }
            return false
        }
        let found = select(segments, from: start, root: root)
        return definite ? found.first : .array(found)
    }

    static func compare(_ lhs: JSON, _ op: ComparisonOperator, _ rhs: JSON) -> Bool {
        switch op {
        case .equal: return lhs == rhs
        case .notEqual: return lhs != rhs
        default: break
        }
        let order: Bool?
        if let a = lhs.doubleValue, let b = rhs.doubleValue {
            order = orderOf(a, b, op)
        } else if let a = lhs.stringValue, let b = rhs.stringValue {
            order = orderOf(a, b, op)
        } else {
            order = nil
        }
        return order ?? false
    }

    static func orderOf<T: Comparable>(_ a: T, _ b: T, _ op: ComparisonOperator) -> Bool {
        switch op {
        case .less: a < b
        case .lessOrEqual: a <= b
        case .greater: a > b
        case .greaterOrEqual: a >= b
        case .equal: a == b
        case .notEqual: a != b
        }
    }
}
