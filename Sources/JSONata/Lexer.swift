import Foundation

/// One token of a JSONata expression.
struct Token {
    enum Kind { case name, variable, op, string, number, value, regex, end }
    var kind: Kind
    /// Operator text, name, variable name (without `$`), string contents or regex pattern.
    var text: String = ""
    var number: Double = 0
    /// For `.value`: `true`, `false` or `null`.
    var literal: Value = .null
    var regexFlags: String = ""
    /// Offset just past the token (jsonata-js reports positions this way).
    var position: Int
}

/// Splits an expression into tokens on demand; `/` is read as a regular expression where an operand is expected.
struct Lexer {
    static let operatorCharacters: Set<Unicode.Scalar> = [
        ".", "[", "]", "{", "}", "(", ")", ",", "@", "#", ";", ":", "?", "+", "-", "*", "/", "%", "|", "=", "<",
        ">", "^", "&", "!", "~",
    ]
    private static let twoCharacterOperators: Set<String> = ["..", ":=", "!=", ">=", "<=", "**", "~>", "?:", "??"]
    private static let whitespace: Set<Unicode.Scalar> = [" ", "\t", "\n", "\r", "\u{0B}"]

    let source: [Unicode.Scalar]
    var position = 0

    init(_ text: String) { source = Array(text.unicodeScalars) }

    private func at(_ index: Int) -> Unicode.Scalar? { index < source.count ? source[index] : nil }

    private func text(_ range: Range<Int>) -> String {
        var string = String.UnicodeScalarView()
        string.append(contentsOf: source[range])
        return String(string)
    }

    mutating func next(operandExpected: Bool) throws -> Token {
        while true {
            while let character = at(position), Self.whitespace.contains(character) { position += 1 }
            guard at(position) == "/", at(position + 1) == "*" else { break }
            let start = position
            position += 2
            while !(at(position) == "*" && at(position + 1) == "/") {
                guard position < source.count else { throw JSONataError("S0106", position: start) }
                position += 1
            }
            position += 2
        }
        guard let character = at(position) else { return Token(kind: .end, position: source.count) }
        if operandExpected && character == "/" {
            position += 1
            return try scanRegex()
        }
        if let second = at(position + 1) {
            let pair = String(character) + String(second)
            if Self.twoCharacterOperators.contains(pair) {
                position += 2
                return Token(kind: .op, text: pair, position: position)
            }
        }
        if Self.operatorCharacters.contains(character) {
            position += 1
            return Token(kind: .op, text: String(character), position: position)
        }
        if character == "\"" || character == "'" { return try scanString(quote: character) }
        if let number = try scanNumber() { return number }
        if character == "`" {
            let start = position + 1
            guard let end = source[start...].firstIndex(of: "`") else {
                position = source.count
                throw JSONataError("S0105", position: position)
            }
            position = end + 1
            return Token(kind: .name, text: text(start..<end), position: position)
        }
        var end = position
        while let scalar = at(end), !Self.whitespace.contains(scalar), !Self.operatorCharacters.contains(scalar) {
            end += 1
        }
        let start = position
        position = end
        if character == "$" { return Token(kind: .variable, text: text(start + 1..<end), position: end) }
        let name = text(start..<end)
        switch name {
        case "and", "or", "in": return Token(kind: .op, text: name, position: end)
        case "true": return Token(kind: .value, text: name, literal: .bool(true), position: end)
        case "false": return Token(kind: .value, text: name, literal: .bool(false), position: end)
        case "null": return Token(kind: .value, text: name, literal: .null, position: end)
        default: return Token(kind: .name, text: name, position: end)
        }
    }

    private mutating func scanString(quote: Unicode.Scalar) throws -> Token {
        position += 1
        var result = String.UnicodeScalarView()
        var pendingHigh: UInt32?
        while let character = at(position) {
            if character == "\\" {
                position += 1
                guard let escaped = at(position) else { break }
                switch escaped {
                case "\"", "\\", "/": result.append(escaped)
                case "b": result.append("\u{08}")
                case "f": result.append("\u{0C}")
                case "n": result.append("\n")
                case "r": result.append("\r")
                case "t": result.append("\t")
                case "u":
                    let digits = position + 1 + 4 <= source.count ? text(position + 1..<position + 5) : ""
                    guard digits.count == 4, let code = UInt32(digits, radix: 16) else {
                        throw JSONataError("S0104", position: position)
                    }
                    position += 4
                    if let high = pendingHigh, !(0xDC00...0xDFFF).contains(code) {
                        // An unpaired surrogate: Swift strings cannot hold one, so it becomes U+FFFD.
                        _ = high
                        result.append("\u{FFFD}")
                        pendingHigh = nil
                    }
                    if (0xD800...0xDBFF).contains(code) {
                        pendingHigh = code
                    } else if (0xDC00...0xDFFF).contains(code), let high = pendingHigh {
                        let combined = 0x10000 + ((high - 0xD800) << 10) + (code - 0xDC00)
                        result.append(Unicode.Scalar(combined)!)
                        pendingHigh = nil
                    } else {
                        result.append(Unicode.Scalar(code) ?? "\u{FFFD}")
                    }
                    position += 1
                    if pendingHigh != nil && !(at(position) == "\\" && at(position + 1) == "u") {
                        result.append("\u{FFFD}")
                        pendingHigh = nil
                    }
                    continue
                default: throw JSONataError("S0103", position: position, token: String(escaped))
                }
            } else if character == quote {
                position += 1
                return Token(kind: .string, text: String(result), position: position)
            } else {
                result.append(character)
            }
            position += 1
        }
        throw JSONataError("S0101", position: position)
    }

    private mutating func scanNumber() throws -> Token? {
        var end = position
        func digits() -> Int {
            let start = end
            while let scalar = at(end), ("0"..."9").contains(scalar) { end += 1 }
            return end - start
        }
        if at(end) == "-" { end += 1 }
        if at(end) == "0" {
            end += 1
        } else if digits() == 0 {
            return nil
        }
        if at(end) == ".", let next = at(end + 1), ("0"..."9").contains(next) {
            end += 1
            _ = digits()
        }
        if let e = at(end), e == "e" || e == "E" {
            let mark = end
            end += 1
            if at(end) == "+" || at(end) == "-" { end += 1 }
            if digits() == 0 { end = mark }
        }
        let literal = text(position..<end)
        guard let value = Double(literal), value.isFinite else {
            throw JSONataError("S0102", position: position, token: literal)
        }
        position = end
        return Token(kind: .number, text: literal, number: value, position: end)
    }

    private mutating func scanRegex() throws -> Token {
        let start = position
        var depth = 0
        while let character = at(position) {
            if character == "/" && depth == 0 {
                var backslashes = 0
                while position - backslashes - 1 >= start, source[position - backslashes - 1] == "\\" {
                    backslashes += 1
                }
                if backslashes % 2 == 0 {
                    let pattern = text(start..<position)
                    if pattern.isEmpty { throw JSONataError("S0301", position: position) }
                    position += 1
                    let flagStart = position
                    while let flag = at(position), flag == "i" || flag == "m" { position += 1 }
                    return Token(
                        kind: .regex, text: pattern, regexFlags: text(flagStart..<position), position: position)
                }
            }
            let escaped = position > 0 && source[position - 1] == "\\"
            if "([{".unicodeScalars.contains(character) && !escaped { depth += 1 }
            if ")]}".unicodeScalars.contains(character) && !escaped { depth -= 1 }
            position += 1
        }
        throw JSONataError("S0302", position: position)
    }
}
