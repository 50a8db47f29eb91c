import Foundation

extension Library {
    static let collectionFunctions: [Native] = [
        Native("boolean", "<x-:b>") { evaluator, arguments, _, _ in
            try evaluator.boolean(arguments[0]).map { .bool($0) }
        },
        Native("not", "<x-:b>") { evaluator, arguments, _, _ in try evaluator.boolean(arguments[0]).map { .bool(!$0) }
        },
        Native("exists", "<x:b>") { _, arguments, _, _ in .bool(arguments[0] != nil) },
        Native("type", "<x:s>") { _, arguments, _, _ in
            switch arguments[0] {
            case nil: nil
            case .null?: .string("null")
            case .number?: .string("number")
            case .string?: .string("string")
            case .bool?: .string("boolean")
            case .array?: .string("array")
            case .function?: .string("function")
            case .object?: .string("object")
            }
        },
        Native("keys", "<x-:a<s>>") { _, arguments, _, _ in
            var keys: [String] = []
            var seen: Set<String> = []
            for item in items(arguments[0]) {
                for key in item.object?.keys ?? [] where seen.insert(key).inserted { keys.append(key) }
            }
            return keys.isEmpty ? nil : .array(Value.sequence(keys.map { .string($0) }))
        },
        Native("lookup", "<x-s:x>") { evaluator, arguments, _, _ in
            guard case .string(let key)? = arguments[1] else { return nil }
            return try evaluator.lookup(arguments[0], key)
        },
        Native("append", "<xx:a>") { evaluator, arguments, _, _ in evaluator.append(arguments[0], arguments[1]) },
        Native("spread", "<x-:a<o>>") { _, arguments, _, _ in
            guard let value = arguments[0] else { return nil }
            let result = Value.sequence()
            for item in items(value) {
                if case .object(let object) = item {
                    for (key, member) in object.pairs { result.append(.object(JObject([(key, member)]))) }
                } else {
                    result.append(item)
                }
            }
            return .array(result)
        },
        Native("merge", "<a<o>:o>") { _, arguments, _, _ in
            guard arguments[0] != nil else { return nil }
            let result = JObject()
            for item in items(arguments[0]) {
                for (key, value) in item.object?.pairs ?? [] { result[key] = value }
            }
            return .object(result)
        },
        Native("reverse", "<a:a>") { _, arguments, _, _ in
            guard case .array(let array)? = arguments[0] else { return nil }
            return array.count <= 1 ? arguments[0] : .array(JArray(array.items.reversed()))
        },
        Native("shuffle", "<a:a>") { _, arguments, _, _ in
            guard case .array(let array)? = arguments[0] else { return nil }
            return array.count <= 1 ? arguments[0] : .array(JArray(array.items.shuffled()))
        },
        Native("distinct", "<x:x>") { _, arguments, _, _ in
            guard case .array(let array)? = arguments[0] else { return arguments[0] }
            if array.count <= 1 { return arguments[0] }
            try checkNesting(arguments[0])
            let result = array.isSequence ? Value.sequence() : JArray()
            for item in array.items where !result.items.contains(where: { deepEqual($0, item) }) { result.append(item) }
            return .array(result)
        },
        Native("zip", "<a+>", arity: 1) { _, arguments, _, _ in
            let arrays = arguments.map { $0?.array?.items ?? [] }
            let length = arrays.map(\.count).min() ?? 0
            return .array(JArray((0..<length).map { index in .array(JArray(arrays.map { $0[index] })) }))
        },
        Native("error", "<s?:x>") { _, arguments, _, _ in
            throw JSONataError("D3137", detail: argument(arguments, 0)?.string ?? "$error() function evaluated")
        },
        Native("assert", "<bs?:x>") { _, arguments, _, _ in
            if case .bool(false)? = arguments[0] {
                throw JSONataError("D3141", detail: argument(arguments, 1)?.string ?? "$assert() statement failed")
            }
            return nil
        },
        Native("clone", "<(oa)-:o>") { _, arguments, _, _ in
            try checkNesting(arguments[0])
            return arguments[0].map(deepCopy)
        },
        Native("eval", "<sx?:x>") { evaluator, arguments, input, env in
            guard case .string(let text)? = arguments[0] else { return nil }
            var focus = input
            if let given = argument(arguments, 1) {
                focus = given
                if case .array(let array) = given, !array.isSequence {
                    let wrapper = Value.sequence([given])
                    wrapper.outerWrapper = true
                    focus = .array(wrapper)
                }
            }
            let ast: Node
            do {
                ast = try Parser.parse(text)
            } catch let error as JSONataError {
                throw JSONataError("D3120", value: .string(error.message))
            } catch let error as Parser.StackExhausted {
                throw JSONataError("D3120", value: .string(error.error.message))
            }
            do {
                return try evaluator.evaluate(ast, focus, env)
            } catch let error as JSONataError {
                throw JSONataError("D3121", value: .string(error.message))
            }
        },
    ]

    /// A deep copy with functions as `""` (JSONata clones through JSON text).
    static func deepCopy(_ value: Value) -> Value {
        switch value {
        case .array(let array): .array(JArray(array.items.map(deepCopy)))
        case .object(let object): .object(JObject(object.pairs.map { ($0, deepCopy($1)) }))
        case .function: .string("")
        case .number(let number): .number(roundTo15(number))
        default: value
        }
    }
}
