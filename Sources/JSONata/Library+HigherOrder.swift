extension Library {
    static let higherOrderFunctions: [Native] = [
        Native("map", "<af>") { evaluator, arguments, _, env in
            guard let array = arguments[0] else { return nil }
            let result = Value.sequence()
            for (index, item) in items(array).enumerated() {
                let value = try evaluator.apply(
                    arguments[1], callbackArguments(arguments[1], item, index, array), nil, env)
                if let value { result.append(value) }
            }
            return .array(result)
        },
        Native("filter", "<af>") { evaluator, arguments, _, env in
            guard let array = arguments[0] else { return nil }
            let result = Value.sequence()
            for (index, item) in items(array).enumerated() {
                let value = try evaluator.apply(
                    arguments[1], callbackArguments(arguments[1], item, index, array), nil, env)
                if try evaluator.boolean(value) == true { result.append(item) }
            }
            return .array(result)
        },
        Native("single", "<af?>") { evaluator, arguments, _, env in
            guard let array = arguments[0] else { return nil }
            var found: Value?
            for (index, item) in items(array).enumerated() {
                var matches = true
                if let function = argument(arguments, 1) {
                    let value = try evaluator.apply(function, callbackArguments(function, item, index, array), nil, env)
                    matches = try evaluator.boolean(value) == true
                }
                if matches {
                    if found != nil { throw JSONataError("D3138") }
                    found = item
                }
            }
            guard let found else { throw JSONataError("D3139") }
            return found
        },
        Native("reduce", "<afj?:j>") { evaluator, arguments, _, env in
            guard let array = arguments[0] else { return nil }
            let function = arguments[1]
            let arity = function?.function?.arity ?? 0
            if arity < 2 { throw JSONataError("D3050", index: 1, value: function) }
            let values = items(array)
            var index = 0
            var result = argument(arguments, 2)
            if result == nil && !values.isEmpty {
                result = values[0]
                index = 1
            }
            while index < values.count {
                var callArguments: [Value?] = [result, values[index]]
                if arity >= 3 { callArguments.append(.number(Double(index))) }
                if arity >= 4 { callArguments.append(array) }
                result = try evaluator.apply(function, callArguments, nil, env)
                index += 1
            }
            return result
        },
        Native("sift", "<o-f?:o>") { evaluator, arguments, _, env in
            guard case .object(let object)? = arguments[0] else { return nil }
            let function = argument(arguments, 1)
            let result = JObject()
            for (key, value) in object.pairs {
                let arity = function?.function?.arity ?? 1
                var callArguments: [Value?] = [value]
                if arity >= 2 { callArguments.append(.string(key)) }
                if arity >= 3 { callArguments.append(arguments[0]) }
                if try evaluator.boolean(try evaluator.apply(function, callArguments, nil, env)) == true {
                    result[key] = value
                }
            }
            return result.count == 0 ? nil : .object(result)
        },
        Native("each", "<o-f:a>") { evaluator, arguments, _, env in
            guard case .object(let object)? = arguments[0] else { return nil }
            let function = arguments[1]
            let arity = function?.function?.arity ?? 1
            let result = Value.sequence()
            for (key, value) in object.pairs {
                var callArguments: [Value?] = [value]
                if arity >= 2 { callArguments.append(.string(key)) }
                if arity >= 3 { callArguments.append(arguments[0]) }
                if let mapped = try evaluator.apply(function, callArguments, nil, env) { result.append(mapped) }
            }
            return .array(result)
        },
        Native("sort", "<af?:a>") { evaluator, arguments, _, env in
            guard case .array(let array)? = arguments[0] else { return nil }
            if array.count <= 1 { return arguments[0] }
            let sorted: [Value]
            if let function = argument(arguments, 1) {
                sorted = try evaluator.mergeSort(array.items) { a, b in
                    try evaluator.boolean(try evaluator.apply(function, [a, b], nil, env)) == true
                }
            } else if array.items.allSatisfy({ $0.number != nil }) {
                sorted = try evaluator.mergeSort(array.items) { a, b in a.number! > b.number! }
            } else if array.items.allSatisfy({ $0.string != nil }) {
                sorted = try evaluator.mergeSort(array.items) { a, b in compareStrings(a.string!, b.string!) > 0 }
            } else {
                throw JSONataError("D3070", index: 1, value: arguments[0])
            }
            return .array(JArray(sorted))
        },
    ]
}
