import Foundation

extension Library {
    static func scalars(_ string: String) -> [Unicode.Scalar] { Array(string.unicodeScalars) }

    static func join(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }

    /// JavaScript's `slice` bounds: truncated, negative from the end, clamped.
    static func sliceBound(_ value: Double, _ count: Int) -> Int {
        let truncated =
            value.isFinite ? Int(max(min(value.rounded(.towardZero), 1e15), -1e15)) : (value > 0 ? count : 0)
        return truncated < 0 ? max(count + truncated, 0) : min(truncated, count)
    }

    static let stringFunctions: [Native] = [
        Native("string", "<x-b?:s>", arity: 1) { evaluator, arguments, _, _ in
            guard let value = arguments[0] else { return nil }
            return .string(
                try evaluator.stringify(
                    value,
                    pretty: {
                        if case .bool(true)? = arguments[1] { return true }; return false
                    }()))
        },
        Native("substring", "<s-nn?:s>") { _, arguments, _, _ in
            guard case .string(let string)? = arguments[0], case .number(var start)? = arguments[1] else { return nil }
            let characters = scalars(string)
            if Double(characters.count) + start < 0 { start = 0 }
            if case .number(let length)? = argument(arguments, 2) {
                if length <= 0 { return .string("") }
                let end = start >= 0 ? start + length : Double(characters.count) + start + length
                let from = sliceBound(start, characters.count)
                let to = sliceBound(end, characters.count)
                return .string(from < to ? join(characters[from..<to]) : "")
            }
            return .string(join(characters[sliceBound(start, characters.count)...]))
        },
        Native("substringBefore", "<s-s:s>") { _, arguments, _, _ in
            guard case .string(let string)? = arguments[0], case .string(let chars)? = arguments[1] else {
                return arguments[0]
            }
            guard let range = string.range(of: chars), !chars.isEmpty else {
                return chars.isEmpty ? .string("") : .string(string)
            }
            return .string(String(string[..<range.lowerBound]))
        },
        Native("substringAfter", "<s-s:s>") { _, arguments, _, _ in
            guard case .string(let string)? = arguments[0], case .string(let chars)? = arguments[1] else {
                return arguments[0]
            }
            guard let range = string.range(of: chars), !chars.isEmpty else { return .string(string) }
            return .string(String(string[range.upperBound...]))
        },
        Native("lowercase", "<s-:s>") { _, arguments, _, _ in arguments[0]?.string.map { .string($0.lowercased()) } },
        Native("uppercase", "<s-:s>") { _, arguments, _, _ in arguments[0]?.string.map { .string($0.uppercased()) } },
        Native("length", "<s-:n>") { _, arguments, _, _ in
            arguments[0]?.string.map { .number(Double($0.unicodeScalars.count)) }
        },
        Native("trim", "<s-:s>") { _, arguments, _, _ in
            guard case .string(let string)? = arguments[0] else { return nil }
            var result = ""
            var inSpace = false
            for scalar in string.unicodeScalars {
                if scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" {
                    inSpace = true
                } else {
                    if inSpace { result += " " }
                    inSpace = false
                    result.unicodeScalars.append(scalar)
                }
            }
            if inSpace { result += " " }
            if result.hasPrefix(" ") { result.removeFirst() }
            if result.hasSuffix(" ") { result.removeLast() }
            return .string(result)
        },
        Native("pad", "<s-ns?:s>") { _, arguments, _, _ in
            guard case .string(let string)? = arguments[0], case .number(let width)? = arguments[1] else { return nil }
            var padding = argument(arguments, 2)?.string ?? " "
            if padding.isEmpty { padding = " " }
            let padLength = min(clampedInt(abs(width)), 100_000_000) - string.unicodeScalars.count
            guard padLength > 0 else { return .string(string) }
            var fill = String.UnicodeScalarView()
            while fill.count < padLength { fill.append(contentsOf: padding.unicodeScalars) }
            let pad = join(Array(fill)[..<padLength])
            return .string(width > 0 ? string + pad : pad + string)
        },
        Native("join", "<a<s>s?:s>") { _, arguments, _, _ in
            guard arguments[0] != nil else { return nil }
            let separator = argument(arguments, 1)?.string ?? ""
            return .string(items(arguments[0]).compactMap(\.string).joined(separator: separator))
        },
        Native("base64encode", "<s-:s>") { _, arguments, _, _ in
            arguments[0]?.string.map { .string(Data($0.utf8).base64EncodedString()) }
        },
        Native("base64decode", "<s-:s>") { _, arguments, _, _ in
            guard case .string(let string)? = arguments[0] else { return nil }
            guard let data = Data(base64Encoded: string) else { return .string("") }
            return .string(String(decoding: data, as: UTF8.self))
        },
        Native("encodeUrlComponent", "<s-:s>") { _, arguments, _, _ in
            try encodeURL(arguments[0], keep: unreserved, function: "encodeUrlComponent")
        },
        Native("encodeUrl", "<s-:s>") { _, arguments, _, _ in
            try encodeURL(
                arguments[0], keep: unreserved.union(CharacterSet(charactersIn: ";,/?:@&=+$#")), function: "encodeUrl")
        },
        Native("decodeUrlComponent", "<s-:s>") { _, arguments, _, _ in try decodeURL(arguments[0], "decodeUrlComponent")
        },
        Native("decodeUrl", "<s-:s>") { _, arguments, _, _ in try decodeURL(arguments[0], "decodeUrl") },
    ]

    private static let unreserved = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()")

    private static func encodeURL(_ value: Value?, keep: CharacterSet, function: String) throws -> Value? {
        guard case .string(let string)? = value else { return nil }
        if string.utf16.contains(where: { (0xD800...0xDFFF).contains($0) }) || string.contains("\u{FFFD}") {
            throw JSONataError("D3140", token: function, value: value)
        }
        return .string(string.addingPercentEncoding(withAllowedCharacters: keep) ?? string)
    }

    private static func decodeURL(_ value: Value?, _ function: String) throws -> Value? {
        guard case .string(let string)? = value else { return nil }
        guard let decoded = string.removingPercentEncoding else {
            throw JSONataError("D3140", token: function, value: value)
        }
        return .string(decoded)
    }
}
