import Foundation

/// A node of a JSONata syntax tree, first as the Pratt parser builds it and then as `Parser.process` rewrites it
/// (paths flattened into steps with stages, groups and tuple bindings) for the evaluator.
///
/// `@unchecked Sendable`: nodes are mutated only while `Parser` builds and rewrites the tree; once a
/// `JSONataExpression` holds the tree nothing writes to it again.
final class Node: @unchecked Sendable {
    enum Kind {
        case path, binary, unary, name, string, number, value, wildcard, descendant, parent, condition, block, bind
        case regex, function, partial, variable, lambda, apply, transform, sort, placeholder, end
    }

    var kind: Kind
    /// Operator, name, variable name or string contents.
    var value: String
    var position: Int
    var number: Double = 0
    var literal: Value = .null
    var regex: Regex?

    var lhs: Node?
    var rhs: Node?
    var expression: Node?
    var expressions: [Node] = []
    var pairs: [(Node, Node)] = []
    var steps: [Node] = []
    var predicate: [Stage]?
    var stages: [Stage]?
    var group: Group?
    var keepArray = false
    var keepSingletonArray = false
    var isConsArray = false
    var tuple = false
    var focus: String?
    var index: String?
    var ancestor: Slot?
    var slot: Slot?
    var seekingParent: [Slot]?

    var procedure: Node?
    var arguments: [Node] = []
    var body: Node?
    var signature: Signature?
    var isThunk = false
    var condition: Node?
    var then: Node?
    var otherwise: Node?
    var pattern: Node?
    var update: Node?
    var delete: Node?
    var terms: [SortTerm] = []
    /// Raw ordering terms before processing.
    var rawTerms: [(descending: Bool, expression: Node)] = []

    init(_ kind: Kind, _ value: String = "", position: Int) {
        self.kind = kind
        self.value = value
        self.position = position
    }

    /// A deep copy of a raw (unprocessed) tree, for operators that evaluate their left side twice.
    func clone() -> Node {
        let copy = Node(kind, value, position: position)
        copy.number = number
        copy.literal = literal
        copy.regex = regex
        copy.lhs = lhs?.clone()
        copy.rhs = rhs?.clone()
        copy.expression = expression?.clone()
        copy.expressions = expressions.map { $0.clone() }
        copy.pairs = pairs.map { ($0.0.clone(), $0.1.clone()) }
        copy.keepArray = keepArray
        copy.procedure = procedure?.clone()
        copy.arguments = arguments.map { $0.clone() }
        copy.body = body?.clone()
        copy.signature = signature
        copy.condition = condition?.clone()
        copy.then = then?.clone()
        copy.otherwise = otherwise?.clone()
        copy.pattern = pattern?.clone()
        copy.update = update?.clone()
        copy.delete = delete?.clone()
        copy.rawTerms = rawTerms.map { ($0.descending, $0.expression.clone()) }
        return copy
    }
}

/// A predicate (`[expr]`) or a position binding (`#$i`) applied to the results of a step.
struct Stage {
    enum Kind { case filter, index }
    var kind: Kind
    var expression: Node?
    var variable: String = ""
    var position: Int
}

/// A grouping expression (`{key: value}` after a step).
struct Group {
    var pairs: [(Node, Node)]
    var position: Int
}

/// One term of an order-by clause.
struct SortTerm {
    var descending: Bool
    var expression: Node
}

/// A parent reference (`%`) waiting to be tied to the step whose input it names.
final class Slot {
    var label: String
    var level: Int
    var index: Int

    init(label: String, level: Int, index: Int) {
        self.label = label
        self.level = level
        self.index = index
    }
}

/// A compiled regular expression literal.
struct Regex: @unchecked Sendable {
    // `@unchecked Sendable`: NSRegularExpression is immutable and documented as safe to share between threads.
    let expression: NSRegularExpression
    let source: String
}
