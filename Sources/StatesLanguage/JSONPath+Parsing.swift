import BatonJSON

/// A recursive-descent parser for `JSONPath` over Unicode scalars; never traps, limits filter nesting.
struct JSONPathParser {
    /// Deepest nesting of parentheses and `!` in a filter; deeper input is rejected, not recursed into.
    static let maximumFilterDepth = 32

    let scalars: [Unicode.Scalar]
    var index = 0
    var depth = 0

    init(_ text: String) { scalars = Array(text.unicodeScalars) }

    var atEnd: Bool { index >= scalars.count }
    var current: Unicode.Scalar? { atEnd ? nil : scalars[index] }

    func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        let position = index + offset
        return position < scalars.count ? scalars[position] : nil
    }

    func fail(_ reason: String) -> JSONPathSyntaxError { JSONPathSyntaxError(reason: reason, offset: index) }

    mutating func skipWhitespace() {
        while let scalar = current, scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" {
            index += 1
        }
    }

    mutating func consume(_ scalar: Unicode.Scalar) -> Bool {
        guard current == scalar else { return false }
        index += 1
        return true
    }

    mutating func expect(_ scalar: Unicode.Scalar) throws(JSONPathSyntaxError) {
        guard consume(scalar) else { throw fail("expected '\(scalar)'") }
    }

    // MARK: Paths

    mutating func parsePath() throws(JSONPathSyntaxError) -> (JSONPath.Root, [JSONPath.Segment]) {
        guard consume("$") else { throw fail("a path must start with '$'") }
        let root: JSONPath.Root
        if consume("$") {
            root = .context
        } else if let first = current, Self.startsVariableName(first) {
            let start = index
            while let scalar = current, Self.continuesVariableName(scalar) { index += 1 }
            var name = ""
            name.unicodeScalars.append(contentsOf: scalars[start..<index])
            root = .variable(name)
        } else {
            root = .input
        }
        let segments = try parseSegments(inFilter: false)
        guard atEnd else { throw fail("unexpected character '\(scalars[index])'") }
        return (root, segments)
    }

    /// A variable name (after `$`): a letter or `_`, then letters, digits or `_`.
    static func startsVariableName(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || scalar == "_"
    }

    static func continuesVariableName(_ scalar: Unicode.Scalar) -> Bool {
        startsVariableName(scalar) || ("0"..."9").contains(scalar)
    }

    /// Segments until the end of input or, inside a filter, until a character that cannot continue a path.
    mutating func parseSegments(inFilter: Bool) throws(JSONPathSyntaxError) -> [JSONPath.Segment] {
        var segments: [JSONPath.Segment] = []
        while let scalar = current {
            if scalar == "." {
                index += 1
                if consume(".") {
                    if current == "[" {
                        segments.append(.descendant(try parseBracket()))
                    } else {
                        segments.append(.descendant(try parseDotMember(inFilter: inFilter)))
                    }
                } else {
                    segments.append(.child(try parseDotMember(inFilter: inFilter)))
                }
            } else if scalar == "[" {
                segments.append(.child(try parseBracket()))
            } else {
                break
            }
        }
        return segments
    }

    mutating func parseDotMember(inFilter: Bool) throws(JSONPathSyntaxError) -> JSONPath.Selector {
        if consume("*") { return .wildcard }
        let start = index
        while let scalar = current, !Self.endsDotName(scalar, inFilter: inFilter) { index += 1 }
        guard index > start else { throw fail("expected a member name") }
        var name = String.UnicodeScalarView()
        name.append(contentsOf: scalars[start..<index])
        return .name(String(name))
    }

    static func endsDotName(_ scalar: Unicode.Scalar, inFilter: Bool) -> Bool {
        switch scalar {
        case ".", "[", " ", "\t", "\n", "\r": true
        case "<", ">", "=", "!", ")", "&", "|", ",", "]": inFilter
        default: false
        }
    }

    mutating func parseBracket() throws(JSONPathSyntaxError) -> JSONPath.Selector {
        try expect("[")
        skipWhitespace()
        let selector: JSONPath.Selector
        switch current {
        case "*":
            index += 1
            selector = .wildcard
        case "'", "\"":
            var names = [try parseQuotedString()]
            skipWhitespace()
            while consume(",") {
                skipWhitespace()
                names.append(try parseQuotedString())
                skipWhitespace()
            }
            selector = names.count == 1 ? .name(names[0]) : .names(names)
        case "?":
            index += 1
            skipWhitespace()
            try expect("(")
            let expression = try parseOr()
            skipWhitespace()
            try expect(")")
            selector = .filter(expression)
        default:
            selector = try parseIndexOrSlice()
        }
        skipWhitespace()
        try expect("]")
        return selector
    }

    mutating func parseIndexOrSlice() throws(JSONPathSyntaxError) -> JSONPath.Selector {
        let start = try parseOptionalInteger()
        skipWhitespace()
        if consume(":") {
            skipWhitespace()
            let end = try parseOptionalInteger()
            skipWhitespace()
            if current == ":" { throw fail("slice steps are not supported") }
            return .slice(start: start, end: end)
        }
        guard let first = start else { throw fail("expected an index, a quoted name, '*', a slice or a filter") }
        var indexes = [first]
        while consume(",") {
            skipWhitespace()
            guard let next = try parseOptionalInteger() else { throw fail("expected an index") }
            indexes.append(next)
            skipWhitespace()
        }
        return indexes.count == 1 ? .index(first) : .indexes(indexes)
    }

    mutating func parseOptionalInteger() throws(JSONPathSyntaxError) -> Int? {
        let start = index
        let negative = consume("-")
        var value = 0
        var digits = 0
        while let scalar = current, ("0"..."9").contains(scalar) {
            guard digits < 15 else { throw fail("index too large") }
            value = value * 10 + Int(scalar.value - 48)
            digits += 1
            index += 1
        }
        if digits == 0 {
            if negative { index = start; throw fail("expected digits after '-'") }
            return nil
        }
        return negative ? -value : value
    }

    mutating func parseQuotedString() throws(JSONPathSyntaxError) -> String {
        guard let quote = current else { throw fail("expected a quoted string") }
        index += 1
        var out = String.UnicodeScalarView()
        while true {
            guard let scalar = current else { throw fail("unterminated string") }
            index += 1
            if scalar == quote { return String(out) }
            if scalar == "\\" {
                guard let escaped = current else { throw fail("unterminated escape") }
                index += 1
                switch escaped {
                case "n": out.append("\n")
                case "t": out.append("\t")
                case "r": out.append("\r")
                default: out.append(escaped)
                }
            } else {
                out.append(scalar)
            }
        }
    }

    // MARK: Filters

    mutating func parseOr() throws(JSONPathSyntaxError) -> JSONPath.FilterExpression {
        var left = try parseAnd()
        while true {
            skipWhitespace()
            guard current == "|", peek(1) == "|" else { return left }
            index += 2
            left = .or(left, try parseAnd())
        }
    }

    mutating func parseAnd() throws(JSONPathSyntaxError) -> JSONPath.FilterExpression {
        var left = try parseUnary()
        while true {
            skipWhitespace()
            guard current == "&", peek(1) == "&" else { return left }
            index += 2
            left = .and(left, try parseUnary())
        }
    }

    mutating func parseUnary() throws(JSONPathSyntaxError) -> JSONPath.FilterExpression {
        skipWhitespace()
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maximumFilterDepth else { throw fail("filter nested too deeply") }
        if current == "!", peek(1) != "=" {
            index += 1
            return .not(try parseUnary())
        }
        if consume("(") {
            let inner = try parseOr()
            skipWhitespace()
            try expect(")")
            return inner
        }
        let left = try parseOperand()
        skipWhitespace()
        guard let op = parseComparisonOperator() else {
            guard case .literal = left else { return .exists(left) }
            throw fail("expected a comparison operator")
        }
        skipWhitespace()
        return .compare(left, op, try parseOperand())
    }

    mutating func parseComparisonOperator() -> JSONPath.ComparisonOperator? {
        for op in [JSONPath.ComparisonOperator.equal, .notEqual, .lessOrEqual, .greaterOrEqual, .less, .greater] {
            let text = Array(op.rawValue.unicodeScalars)
            if (0..<text.count).allSatisfy({ peek($0) == text[$0] }) {
                index += text.count
                return op
            }
        }
        return nil
    }

    mutating func parseOperand() throws(JSONPathSyntaxError) -> JSONPath.FilterOperand {
        switch current {
        case "@":
            index += 1
            return .current(try parseSegments(inFilter: true))
        case "$":
            index += 1
            return .root(try parseSegments(inFilter: true))
        case "'", "\"":
            return .literal(.string(try parseQuotedString()))
        case let scalar? where scalar == "-" || ("0"..."9").contains(scalar):
            return .literal(try parseNumber())
        default:
            for (word, value) in [("true", JSON.bool(true)), ("false", .bool(false)), ("null", .null)]
            where consumeWord(word) {
                return .literal(value)
            }
            throw fail("expected '@', '$', a string, a number, true, false or null")
        }
    }

    mutating func consumeWord(_ word: String) -> Bool {
        let text = Array(word.unicodeScalars)
        guard (0..<text.count).allSatisfy({ peek($0) == text[$0] }) else { return false }
        index += text.count
        return true
    }

    mutating func parseNumber() throws(JSONPathSyntaxError) -> JSON {
        let (end, value) = NumberLiteral.scan(scalars, from: index)
        guard let value else { throw fail("invalid number") }
        index = end
        return value
    }
}
