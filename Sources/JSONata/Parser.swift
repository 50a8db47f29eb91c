import Foundation

/// JSONata's top-down operator precedence parser: builds a raw tree, then `process` rewrites it for evaluation.
struct Parser {
    private var lexer: Lexer
    private var token: Token
    private let length: Int
    /// Nesting of `expression` calls, bounded so that no input overflows the stack.
    private var depth = 0
    static let maximumDepth = 400
    /// Stack the parser may use on the caller's thread (its rewriting pass recurses as deep again): well within
    /// a secondary thread's 512 KiB. A deeper expression is parsed again on a thread of its own.
    static let inlineStackBudget: UInt = 160 * 1024
    private var stackBudget: UInt = Parser.inlineStackBudget
    private var stackBase: UInt = 0
    /// Set when parsing stopped for want of stack rather than because the expression is too deep.
    private(set) var ranOutOfStack = false

    var ancestorLabel = 0
    var ancestry: [Node] = []

    /// Parses an expression and returns the processed tree.
    static func parse(_ text: String, stackBudget: UInt = Parser.inlineStackBudget) throws -> Node {
        var parser = Parser(text)
        parser.stackBudget = stackBudget
        do {
            return try parser.parseAll()
        } catch let error as JSONataError where parser.ranOutOfStack {
            throw StackExhausted(error: error)
        }
    }

    /// A U1001 raised because the stack budget ran out (as opposed to the depth limit).
    struct StackExhausted: Error {
        var error: JSONataError
    }

    private mutating func parseAll() throws -> Node {
        try advance(operandExpected: true)
        let raw = try expression(0)
        if token.kind != .end {
            throw JSONataError("S0201", position: token.position, token: token.text)
        }
        let processed = try process(raw)
        if processed.kind == .parent || processed.seekingParent != nil {
            throw JSONataError("S0217", position: processed.position, token: "\(processed.kind)")
        }
        return processed
    }

    private init(_ text: String) {
        lexer = Lexer(text)
        length = lexer.source.count
        token = Token(kind: .end, position: 0)
    }

    private var id: String {
        switch token.kind {
        case .op: token.text
        case .end: "(end)"
        case .name, .variable: "(name)"
        case .string, .number, .value: "(literal)"
        case .regex: "(regex)"
        }
    }

    private static func bindingPower(_ op: String) -> Int {
        switch op {
        case "[", "(", "@", "#": 80
        case ".": 75
        case "{": 70
        case "*", "/", "%": 60
        case "+", "-", "&": 50
        case "=", "<", ">", "!=", "<=", ">=", "~>", "?:", "??", "^", "in": 40
        case "and": 30
        case "or": 25
        case "?": 20
        case ":=": 10
        default: 0
        }
    }

    private static let knownOperators: Set<String> = [
        ".", "[", "]", "{", "}", "(", ")", ",", "@", "#", ";", ":", "?", "+", "-", "*", "/", "%", "|", "=", "<", ">",
        "^", "**", "..", ":=", "!=", "<=", ">=", "~>", "?:", "??", "and", "or", "in", "&",
    ]

    private var leftBindingPower: Int { token.kind == .op ? Self.bindingPower(token.text) : 0 }

    private mutating func advance(_ expected: String? = nil, operandExpected: Bool = true) throws {
        if let expected, id != expected {
            let code = token.kind == .end ? "S0203" : "S0202"
            throw JSONataError(code, position: token.position, token: token.text, value: "\"\(expected)\"")
        }
        token = try lexer.next(operandExpected: operandExpected)
        if token.kind == .op && !Self.knownOperators.contains(token.text) {
            throw JSONataError("S0204", position: token.position, token: token.text)
        }
    }

    private mutating func expression(_ rightBindingPower: Int) throws -> Node {
        depth += 1
        defer { depth -= 1 }
        let here = StackGuard.current()
        if stackBase == 0 { stackBase = here }
        if depth > Self.maximumDepth { throw JSONataError("U1001", position: token.position, token: token.text) }
        if stackBase > here && stackBase - here > stackBudget {
            ranOutOfStack = true
            throw JSONataError("U1001", position: token.position, token: token.text)
        }
        var current = token
        try advance(operandExpected: false)
        var left = try nud(current)
        while rightBindingPower < leftBindingPower {
            current = token
            try advance()
            left = try led(current, left)
        }
        return left
    }

    private func leaf(_ token: Token) -> Node {
        switch token.kind {
        case .name: return Node(.name, token.text, position: token.position)
        case .variable: return Node(.variable, token.text, position: token.position)
        case .string: return Node(.string, token.text, position: token.position)
        case .number:
            let node = Node(.number, token.text, position: token.position)
            node.number = token.number
            return node
        case .value:
            let node = Node(.value, token.text, position: token.position)
            node.literal = token.literal
            return node
        case .end: return Node(.end, "", position: length)
        case .regex, .op: return Node(.placeholder, token.text, position: token.position)
        }
    }

    private mutating func nud(_ token: Token) throws -> Node {
        if token.kind == .regex {
            let node = Node(.regex, token.text, position: token.position)
            var options: NSRegularExpression.Options = []
            if token.regexFlags.contains("i") { options.insert(.caseInsensitive) }
            if token.regexFlags.contains("m") { options.insert(.anchorsMatchLines) }
            guard let compiled = try? NSRegularExpression(pattern: token.text, options: options) else {
                throw JSONataError("S0303", position: token.position, token: token.text)
            }
            node.regex = Regex(expression: compiled, source: token.text)
            return node
        }
        guard token.kind == .op else { return leaf(token) }
        let node = Node(.unary, token.text, position: token.position)
        switch token.text {
        case "-":
            node.expression = try expression(70)
        case "*": node.kind = .wildcard
        case "**": node.kind = .descendant
        case "%": node.kind = .parent
        case "and", "or", "in": node.kind = .placeholder
        case "(":
            var expressions: [Node] = []
            while id != ")" {
                expressions.append(try expression(0))
                if id != ";" { break }
                try advance(";")
            }
            try advance(")", operandExpected: false)
            node.kind = .block
            node.expressions = expressions
        case "[":
            if id != "]" {
                while true {
                    var item = try expression(0)
                    if id == ".." {
                        let range = Node(.binary, "..", position: self.token.position)
                        range.lhs = item
                        try advance("..")
                        range.rhs = try expression(0)
                        item = range
                    }
                    node.expressions.append(item)
                    if id != "," { break }
                    try advance(",")
                }
            }
            try advance("]", operandExpected: false)
        case "{":
            node.pairs = try objectPairs()
        case "|":
            node.kind = .transform
            node.pattern = try expression(0)
            try advance("|")
            node.update = try expression(0)
            if id == "," {
                try advance(",")
                node.delete = try expression(0)
            }
            try advance("|", operandExpected: false)
        default:
            throw JSONataError("S0211", position: token.position, token: token.text)
        }
        return node
    }

    private mutating func objectPairs() throws -> [(Node, Node)] {
        var pairs: [(Node, Node)] = []
        if id != "}" {
            while true {
                let name = try expression(0)
                try advance(":")
                let value = try expression(0)
                pairs.append((name, value))
                if id != "," { break }
                try advance(",")
            }
        }
        try advance("}", operandExpected: false)
        return pairs
    }

    private mutating func led(_ token: Token, _ left: Node) throws -> Node {
        let op = token.text
        let node = Node(.binary, op, position: token.position)
        node.lhs = left
        switch op {
        case "??", "?:":
            node.kind = .condition
            if op == "??" {
                let exists = Node(.function, "(", position: token.position)
                exists.procedure = Node(.variable, "exists", position: token.position)
                exists.arguments = [left.clone()]
                node.condition = exists
            } else {
                node.condition = left.clone()
            }
            node.then = left
            node.otherwise = try expression(0)
        case "(":
            return try call(token, left)
        case "[":
            if id == "]" {
                var step: Node? = left
                while let current = step, current.kind == .binary, current.value == "[" { step = current.lhs }
                step?.keepArray = true
                try advance("]", operandExpected: false)
                return left
            }
            node.rhs = try expression(0)
            try advance("]", operandExpected: false)
        case "^":
            try advance("(")
            while true {
                var descending = false
                if id == "<" {
                    try advance("<")
                } else if id == ">" {
                    descending = true
                    try advance(">")
                }
                node.rawTerms.append((descending, try expression(0)))
                if id != "," { break }
                try advance(",")
            }
            try advance(")", operandExpected: false)
        case "{":
            node.pairs = try objectPairs()
        case ":=":
            if left.kind != .variable { throw JSONataError("S0212", position: left.position, token: left.value) }
            node.rhs = try expression(Self.bindingPower(":=") - 1)
        case "@", "#":
            node.rhs = try expression(Self.bindingPower(op))
            if node.rhs?.kind != .variable {
                throw JSONataError("S0214", position: node.rhs?.position ?? token.position, token: op)
            }
        case "?":
            node.kind = .condition
            node.condition = left
            node.then = try expression(0)
            if id == ":" {
                try advance(":")
                node.otherwise = try expression(0)
            }
        default:
            node.rhs = try expression(Self.bindingPower(op))
        }
        return node
    }

    private mutating func call(_ token: Token, _ left: Node) throws -> Node {
        let node = Node(.function, "(", position: token.position)
        node.procedure = left
        if id != ")" {
            while true {
                if self.token.kind == .op && id == "?" {
                    node.kind = .partial
                    node.arguments.append(Node(.placeholder, "?", position: self.token.position))
                    try advance("?")
                } else {
                    node.arguments.append(try expression(0))
                }
                if id != "," { break }
                try advance(",")
            }
        }
        try advance(")", operandExpected: false)
        guard left.kind == .name, left.value == "function" || left.value == "\u{03BB}" else { return node }
        for (offset, argument) in node.arguments.enumerated() where argument.kind != .variable {
            throw JSONataError("S0208", position: argument.position, token: argument.value, value: "\(offset + 1)")
        }
        node.kind = .lambda
        if id == "<" {
            let start = self.token.position
            var depth = 1
            var text = "<"
            while depth > 0 && id != "{" && id != "(end)" {
                try advance()
                if id == ">" { depth -= 1 } else if id == "<" { depth += 1 }
                text += self.token.kind == .variable ? "$" + self.token.text : self.token.text
            }
            try advance(">")
            do {
                node.signature = try Signature(text)
            } catch var error as JSONataError {
                error.position = start + (error.position ?? 0)
                throw error
            }
        }
        try advance("{")
        node.body = try expression(0)
        try advance("}", operandExpected: false)
        return node
    }
}
