import BatonJSON

/// A recursive-descent parser for intrinsic calls over Unicode scalars; never traps, limits nesting.
struct IntrinsicParser {
    let scalars: [Unicode.Scalar]
    var index = 0
    var depth = 0

    init(_ text: String) { scalars = Array(text.unicodeScalars) }

    var current: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

    func fail(_ reason: String, at offset: Int? = nil) -> IntrinsicSyntaxError {
        IntrinsicSyntaxError(reason: reason, offset: offset ?? index)
    }

    mutating func skipWhitespace() {
        while let scalar = current, scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" {
            index += 1
        }
    }

    func text(_ range: Range<Int>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[range])
        return String(view)
    }

    mutating func parseExpression() throws(IntrinsicSyntaxError) -> IntrinsicFunction.Call {
        skipWhitespace()
        let call = try parseCall()
        skipWhitespace()
        guard current == nil else { throw fail("unexpected text after the call") }
        return call
    }

    mutating func parseCall() throws(IntrinsicSyntaxError) -> IntrinsicFunction.Call {
        depth += 1
        defer { depth -= 1 }
        guard depth <= IntrinsicFunction.maximumNesting else {
            throw fail("intrinsic functions are nested more than \(IntrinsicFunction.maximumNesting) deep")
        }
        let start = index
        while let scalar = current, scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "." {
            index += 1
        }
        let name = text(start..<index)
        guard let function = IntrinsicFunction.Function(rawValue: name) else {
            throw fail("unknown intrinsic function '\(name)'", at: start)
        }
        skipWhitespace()
        guard current == "(" else { throw fail("expected '(' after \(name)") }
        index += 1
        skipWhitespace()
        var arguments: [IntrinsicFunction.Argument] = []
        if current == ")" {
            index += 1
        } else {
            while true {
                skipWhitespace()
                arguments.append(try parseArgument())
                skipWhitespace()
                guard let scalar = current else { throw fail("expected ',' or ')'") }
                index += 1
                if scalar == ")" { break }
                guard scalar == "," else { throw fail("expected ',' or ')'", at: index - 1) }
            }
        }
        guard function.arity.contains(arguments.count) else {
            throw fail(
                "\(name) takes \(function.arityDescription) argument(s) but \(arguments.count) were given",
                at: start
            )
        }
        if function == .format, case .string(_, let template) = arguments[0] {
            let placeholders = template.filter { $0 == .placeholder }.count
            guard placeholders == arguments.count - 1 else {
                throw fail(
                    "the format string of States.Format has \(placeholders) placeholder(s) but \(arguments.count - 1) argument(s) follow",
                    at: start
                )
            }
        }
        return IntrinsicFunction.Call(function: function, arguments: arguments)
    }

    mutating func parseArgument() throws(IntrinsicSyntaxError) -> IntrinsicFunction.Argument {
        guard let scalar = current else { throw fail("expected an argument") }
        switch scalar {
        case "'": return try parseString()
        case "$": return .path(try parsePath())
        case "S": return .call(try parseCall())
        case "-", "0"..."9": return .literal(try parseNumber())
        default:
            for (word, value) in [("true", JSON.bool(true)), ("false", .bool(false)), ("null", .null)] {
                let letters = Array(word.unicodeScalars)
                if index + letters.count <= scalars.count, Array(scalars[index..<index + letters.count]) == letters {
                    index += letters.count
                    return .literal(value)
                }
            }
            throw fail("expected a string, number, boolean, null, path or intrinsic function")
        }
    }

    mutating func parseString() throws(IntrinsicSyntaxError) -> IntrinsicFunction.Argument {
        index += 1
        var value = String.UnicodeScalarView()
        var run = String.UnicodeScalarView()
        var template: [IntrinsicFunction.TemplatePart] = []
        while true {
            guard let scalar = current else { throw fail("unterminated string literal") }
            index += 1
            switch scalar {
            case "'":
                if !run.isEmpty { template.append(.text(String(run))) }
                return .string(String(value), template: template)
            case "\\":
                guard let escaped = current, escaped == "'" || escaped == "{" || escaped == "}" || escaped == "\\"
                else { throw fail("invalid escape in string literal; only \\' \\{ \\} \\\\ are allowed") }
                index += 1
                value.append(escaped)
                run.append(escaped)
            case "{" where current == "}":
                index += 1
                value.append(contentsOf: "{}".unicodeScalars)
                if !run.isEmpty { template.append(.text(String(run))) }
                run = String.UnicodeScalarView()
                template.append(.placeholder)
            default:
                value.append(scalar)
                run.append(scalar)
            }
        }
    }

    /// A path argument runs to the next `,` or `)` outside brackets and quotes.
    mutating func parsePath() throws(IntrinsicSyntaxError) -> JSONPath {
        let start = index
        var brackets = 0
        var quote: Unicode.Scalar?
        var parentheses = 0
        while let scalar = current {
            if let open = quote {
                if scalar == "\\" {
                    index += 1
                } else if scalar == open {
                    quote = nil
                }
            } else if scalar == "'" || scalar == "\"" {
                quote = scalar
            } else if scalar == "[" {
                brackets += 1
            } else if scalar == "]" {
                brackets -= 1
            } else if scalar == "(" {
                parentheses += 1
            } else if scalar == ")" {
                if brackets <= 0, parentheses == 0 { break }
                parentheses -= 1
            } else if scalar == ",", brackets <= 0 {
                break
            }
            index += 1
        }
        index = min(index, scalars.count)
        var end = index
        while end > start, scalars[end - 1] == " " || scalars[end - 1] == "\t" { end -= 1 }
        let text = text(start..<end)
        do {
            return try JSONPath(text)
        } catch {
            throw fail("invalid path '\(text)': \(error.reason)", at: start + error.offset)
        }
    }

    mutating func parseNumber() throws(IntrinsicSyntaxError) -> JSON {
        let start = index
        let (end, value) = NumberLiteral.scan(scalars, from: start)
        index = end
        guard let value else { throw fail("invalid number '\(text(start..<end))'", at: start) }
        return value
    }
}
