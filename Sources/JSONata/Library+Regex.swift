import Foundation

/// One match of a regular expression, with offsets in UTF-16 code units as JavaScript reports them.
struct RegexMatch {
    var match: String
    var start: Int
    var end: Int
    var groups: [String]

    /// The match object a regex literal returns when called (`match`, `start`, `end`, `groups`).
    var value: Value {
        .object(
            JObject([
                ("match", .string(match)), ("start", .number(Double(start))), ("end", .number(Double(end))),
                ("groups", .array(JArray(groups.map { .string($0) }))),
            ]))
    }

    static func first(_ regex: Regex, in text: String, from offset: Int) -> RegexMatch? {
        let string = text as NSString
        guard offset <= string.length,
            let result = regex.expression.firstMatch(
                in: text, range: NSRange(location: offset, length: string.length - offset))
        else { return nil }
        return make(result, string)
    }

    private static func make(_ result: NSTextCheckingResult, _ string: NSString) -> RegexMatch {
        var groups: [String] = []
        if result.numberOfRanges > 1 {
            for index in 1..<result.numberOfRanges {
                let range = result.range(at: index)
                groups.append(range.location == NSNotFound ? "" : string.substring(with: range))
            }
        }
        return RegexMatch(
            match: string.substring(with: result.range), start: result.range.location,
            end: result.range.location + result.range.length, groups: groups)
    }

    /// Every match in order; D1004 for a pattern that matches the empty string.
    static func all(_ regex: Regex, in text: String, limit: Int = .max) throws -> [RegexMatch] {
        let string = text as NSString
        var matches: [RegexMatch] = []
        for result in regex.expression.matches(in: text, range: NSRange(location: 0, length: string.length)) {
            if matches.count >= limit { break }
            if result.range.length == 0 { throw JSONataError("D1004", value: .string(regex.source)) }
            matches.append(make(result, string))
        }
        return matches
    }
}

extension Library {
    static func regex(_ value: Value?) -> Regex? {
        if case .function(let function)? = value, case .regex(let regex) = function.kind { return regex }
        return nil
    }

    /// Every match of a regex literal or of a custom matcher function (one that returns `{match, start, end,
    /// groups, next}` objects, `next` giving the following match); T1010 for a function returning anything else.
    static func matches(
        _ matcher: Value?, in text: String, limit: Int = .max, _ evaluator: Evaluator, _ env: Frame
    ) throws -> [RegexMatch] {
        if let regex = regex(matcher) { return try RegexMatch.all(regex, in: text, limit: limit) }
        var found: [RegexMatch] = []
        var result = try evaluator.apply(matcher, [.string(text)], nil, env)
        while let value = result, found.count < limit {
            guard case .object(let object) = value, case .number(let start)? = object["start"] else {
                throw JSONataError("T1010")
            }
            let groups = object["groups"]?.array?.items.compactMap(\.string) ?? []
            let end = object["end"]?.number ?? start
            found.append(
                RegexMatch(match: object["match"]?.string ?? "", start: Int(start), end: Int(end), groups: groups))
            guard let next = object["next"], case .function = next else { break }
            result = try evaluator.apply(next, [], nil, env)
        }
        return found
    }

    static func limit(_ value: Value?, code: String) throws -> Int {
        guard case .number(let number)? = value else { return .max }
        if number < 0 { throw JSONataError(code, value: value) }
        return Int(min(number, 1e15))
    }

    static let regexFunctions: [Native] = [
        Native("contains", "<s-(sf):b>") { evaluator, arguments, _, env in
            guard case .string(let string)? = arguments[0], arguments[1] != nil else { return nil }
            if case .string(let token)? = arguments[1] { return .bool(token.isEmpty || string.contains(token)) }
            return .bool(!(try matches(arguments[1], in: string, limit: 1, evaluator, env)).isEmpty)
        },
        Native("split", "<s-(sf)n?:a<s>>") { evaluator, arguments, _, env in
            guard case .string(let string)? = arguments[0] else { return nil }
            let limit = try limit(argument(arguments, 2), code: "D3020")
            var parts: [String] = []
            if case .string(let separator)? = arguments[1] {
                if separator.isEmpty {
                    parts = string.utf16.map { String(utf16CodeUnits: [$0], count: 1) }
                } else {
                    parts = string.components(separatedBy: separator)
                }
            } else {
                let text = string as NSString
                var start = 0
                for match in try matches(arguments[1], in: string, evaluator, env) {
                    parts.append(text.substring(with: NSRange(location: start, length: match.start - start)))
                    start = match.end
                }
                parts.append(text.substring(from: start))
            }
            return .array(JArray(parts.prefix(limit).map { .string($0) }))
        },
        Native("match", "<s-f<s:o>n?:a<o>>") { evaluator, arguments, _, env in
            guard case .string(let string)? = arguments[0] else { return nil }
            let limit = try limit(argument(arguments, 2), code: "D3040")
            let result = Value.sequence()
            for match in try matches(arguments[1], in: string, limit: limit, evaluator, env) {
                result.append(
                    .object(
                        JObject([
                            ("match", .string(match.match)), ("index", .number(Double(match.start))),
                            ("groups", .array(JArray(match.groups.map { .string($0) }))),
                        ])))
            }
            return .array(result)
        },
        Native("replace", "<s-(sf)(sf)n?:s>") { evaluator, arguments, _, env in
            guard case .string(let string)? = arguments[0] else { return nil }
            if arguments[1] == nil || arguments[1]?.string == "" {
                throw JSONataError("D3010", value: arguments[1])
            }
            let limit = try limit(argument(arguments, 3), code: "D3011")
            let text = string as NSString
            var found: [RegexMatch] = []
            if case .string(let pattern)? = arguments[1] {
                var from = 0
                while found.count < limit {
                    let range = text.range(of: pattern, range: NSRange(location: from, length: text.length - from))
                    if range.location == NSNotFound { break }
                    found.append(
                        RegexMatch(
                            match: pattern, start: range.location, end: range.location + range.length, groups: []))
                    from = range.location + range.length
                }
            } else {
                found = try matches(arguments[1], in: string, limit: limit, evaluator, env)
            }
            var result = ""
            var position = 0
            for match in found {
                result += text.substring(with: NSRange(location: position, length: match.start - position))
                switch arguments[2] {
                case .string(let replacement)?:
                    result += substitute(replacement, match)
                case .function?:
                    let object = JObject([
                        ("match", .string(match.match)), ("index", .number(Double(match.start))),
                        ("groups", .array(JArray(match.groups.map { .string($0) }))),
                    ])
                    let replaced = try evaluator.apply(arguments[2], [.object(object)], nil, env)
                    guard case .string(let value)? = replaced else { throw JSONataError("D3012", value: replaced) }
                    result += value
                default:
                    break
                }
                position = match.end
            }
            result += text.substring(from: position)
            return .string(result)
        },
    ]

    /// A replacement string with `$0`…`$n` and `$$` filled in as JSONata does.
    private static func substitute(_ replacement: String, _ match: RegexMatch) -> String {
        let characters = Array(replacement)
        var result = ""
        var index = 0
        while index < characters.count {
            let character = characters[index]
            guard character == "$", index + 1 < characters.count else {
                result.append(character)
                index += 1
                continue
            }
            let next = characters[index + 1]
            if next == "$" {
                result += "$"
                index += 2
                continue
            }
            var digits = ""
            var end = index + 1
            while end < characters.count, characters[end].isASCII, characters[end].isNumber {
                digits.append(characters[end])
                end += 1
            }
            if digits.isEmpty {
                result += "$"
                index += 1
                continue
            }
            while digits.count > 1, let number = Int(digits), number > match.groups.count {
                digits.removeLast()
                end -= 1
            }
            let number = Int(digits) ?? 0
            if number == 0 {
                result += match.match
            } else if number <= match.groups.count {
                result += match.groups[number - 1]
            }
            index = end
        }
        return result
    }
}
