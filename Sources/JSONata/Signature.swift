/// A function signature such as `<s-nn?:s>`: validates arguments, supplies the context for `-` parameters and
/// wraps single values where an array is expected.
struct Signature: Sendable {
    struct Parameter: Sendable {
        /// Signature symbols accepted (`m` is a missing argument).
        var accepted: Set<Character>
        var type: Character
        var optional = false
        var repeated = false
        var usesContext = false
        var subtype: String?
    }

    let parameters: [Parameter]

    init(_ text: String) throws {
        let characters = Array(text)
        var parameters: [Parameter] = []
        var position = 1
        func closing(_ open: Character, _ close: Character, from start: Int) -> Int {
            var depth = 1
            var index = start
            while index < characters.count - 1 {
                index += 1
                if characters[index] == close {
                    depth -= 1
                    if depth == 0 { break }
                } else if characters[index] == open {
                    depth += 1
                }
            }
            return index
        }
        while position < characters.count {
            let symbol = characters[position]
            if symbol == ":" { break }
            switch symbol {
            case "s", "n", "b", "l", "o":
                parameters.append(Parameter(accepted: [symbol, "m"], type: symbol))
            case "a":
                parameters.append(Parameter(accepted: Set("asnblfom"), type: "a"))
            case "f":
                parameters.append(Parameter(accepted: ["f"], type: "f"))
            case "j":
                parameters.append(Parameter(accepted: Set("asnblom"), type: "j"))
            case "x":
                parameters.append(Parameter(accepted: Set("asnblfom"), type: "x"))
            case "-":
                if !parameters.isEmpty {
                    parameters[parameters.count - 1].usesContext = true
                    parameters[parameters.count - 1].optional = true
                }
            case "?":
                if !parameters.isEmpty { parameters[parameters.count - 1].optional = true }
            case "+":
                if !parameters.isEmpty { parameters[parameters.count - 1].repeated = true }
            case "(":
                let end = closing("(", ")", from: position)
                let choice = String(characters[(position + 1)..<end])
                if choice.contains("<") { throw JSONataError("S0402", position: position, value: "\"\(choice)\"") }
                parameters.append(Parameter(accepted: Set(choice + "m"), type: "("))
                position = end
            case "<":
                guard let last = parameters.last, last.type == "a" || last.type == "f" else {
                    throw JSONataError("S0401", position: position, value: "\"\(parameters.last?.type ?? " ")\"")
                }
                let end = closing("<", ">", from: position)
                parameters[parameters.count - 1].subtype = String(characters[(position + 1)..<end])
                position = end
            default:
                break
            }
            position += 1
        }
        self.parameters = parameters
    }

    /// How many arguments each parameter takes from `symbols`, greedily as a regular expression would; `nil` when
    /// the arguments do not fit. With `prefixOnly`, only the first `parameterCount` parameters need to match.
    private func match(_ symbols: [Character], parameterCount: Int, prefixOnly: Bool) -> [Int]? {
        var counts: [Int] = []
        func attempt(_ parameter: Int, _ offset: Int) -> Bool {
            if parameter == parameterCount { return prefixOnly || offset == symbols.count }
            let spec = parameters[parameter]
            var available = 0
            while offset + available < symbols.count, spec.accepted.contains(symbols[offset + available]) {
                available += 1
                if !spec.repeated { break }
            }
            let minimum = spec.optional ? 0 : 1
            var take = available
            while take >= minimum {
                counts.append(take)
                if attempt(parameter + 1, offset + take) { return true }
                counts.removeLast()
                take -= 1
            }
            return false
        }
        return attempt(0, 0) ? counts : nil
    }

    /// The arguments as the function receives them, or T0410/T0411/T0412.
    func validate(_ arguments: [Value?], context: Value?) throws -> [Value?] {
        let symbols = arguments.map { $0?.symbol ?? "m" }
        guard let counts = match(symbols, parameterCount: parameters.count, prefixOnly: false) else {
            var goodTo = 0
            for count in 1...max(parameters.count, 1) where count <= parameters.count {
                guard let prefix = match(symbols, parameterCount: count, prefixOnly: true) else { break }
                goodTo = prefix.reduce(0, +)
            }
            throw JSONataError(
                "T0410", index: goodTo + 1, value: goodTo < arguments.count ? arguments[goodTo] : nil)
        }
        var validated: [Value?] = []
        var argumentIndex = 0
        for (parameter, count) in zip(parameters, counts) {
            if count == 0 {
                if parameter.usesContext {
                    let contextSymbol = context?.symbol ?? "m"
                    if parameter.accepted.contains(contextSymbol) {
                        validated.append(context)
                    } else {
                        throw JSONataError("T0411", index: argumentIndex + 1, value: context)
                    }
                } else {
                    // As jsonata-js does, an optional parameter left empty still takes the next argument's place.
                    validated.append(argumentIndex < arguments.count ? arguments[argumentIndex] : nil)
                    argumentIndex += 1
                }
                continue
            }
            for _ in 0..<count {
                let argument = argumentIndex < arguments.count ? arguments[argumentIndex] : nil
                if parameter.type == "a", let argument {
                    if let subtype = parameter.subtype, let wanted = subtype.first {
                        var ok = true
                        if let array = argument.array {
                            if let first = array.items.first {
                                ok = first.symbol == wanted && array.items.allSatisfy { $0.symbol == wanted }
                            }
                        } else {
                            ok = String(argument.symbol) == subtype
                        }
                        if !ok {
                            var error = JSONataError("T0412", index: argumentIndex + 1, value: argument)
                            error.value2 = Self.typeNames[wanted] ?? subtype
                            throw error
                        }
                    }
                    validated.append(argument.isArray ? argument : .array(JArray([argument])))
                } else {
                    validated.append(argument)
                }
                argumentIndex += 1
            }
        }
        return validated
    }

    private static let typeNames: [Character: String] = [
        "a": "arrays", "b": "booleans", "f": "functions", "n": "numbers", "o": "objects", "s": "strings",
    ]
}

extension JSONataError {
    init(_ code: String, index: Int, value: Value?) {
        self.init(code, value: value.map(renderForMessage))
        self.index = index
    }
}
