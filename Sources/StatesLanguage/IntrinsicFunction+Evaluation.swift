import BatonJSON
import Foundation

extension IntrinsicFunction {
    /// The longest string States.Base64Encode, States.Base64Decode and States.Hash accept, in characters.
    public static let maximumStringLength = 10_000
    /// The most elements States.ArrayRange may produce.
    public static let maximumRangeCount = 1_000

    /// Evaluates the call.
    /// - Parameters:
    ///   - input: what `$` refers to in path arguments.
    ///   - context: what `$$` refers to (the context object).
    ///   - variables: what `$name` paths refer to.
    ///   - random: the source for States.MathRandom without a seed and States.UUID; inject a seeded generator for
    ///     deterministic tests and replays.
    /// - Throws: `StatesError` named `States.IntrinsicFailure` for bad arguments, `States.Runtime` for a path
    ///   argument that matches nothing.
    public func evaluate(
        input: JSON,
        context: JSON,
        variables: [String: JSON] = [:],
        random: inout some RandomNumberGenerator
    ) throws(StatesError) -> JSON {
        var evaluator = IntrinsicEvaluator(input: input, context: context, variables: variables)
        return try evaluator.evaluate(call, random: &random)
    }
}

/// Evaluates a parsed call against one input and context.
struct IntrinsicEvaluator {
    typealias Function = IntrinsicFunction.Function
    let input: JSON
    let context: JSON
    let variables: [String: JSON]

    mutating func evaluate(
        _ call: IntrinsicFunction.Call,
        random: inout some RandomNumberGenerator
    ) throws(StatesError) -> JSON {
        var values: [JSON] = []
        for argument in call.arguments {
            switch argument {
            case .string(let value, _): values.append(.string(value))
            case .literal(let value): values.append(value)
            case .path(let path):
                guard let value = path.evaluate(input, context: context, variables: variables) else {
                    let detail = path.notFound(input: input, context: context, variables: variables)
                    throw StatesError(
                        StatesError.Name.runtime,
                        cause: "The JsonPath argument for the field '\(path.text)' could not be found\(detail)")
                }
                values.append(value)
            case .call(let inner): values.append(try evaluate(inner, random: &random))
            }
        }
        let arguments = IntrinsicArguments(function: call.function, values: values)
        switch call.function {
        case .format: return try format(call, arguments)
        case .stringToJson:
            let text = try arguments.string(0)
            do {
                return try JSON(parsing: text)
            } catch {
                throw arguments.failure("the argument is not valid JSON text (\(error.reason))")
            }
        case .jsonToString: return .string(values[0].serialized)
        case .array: return .array(values)
        case .arrayPartition:
            let array = try arguments.array(0)
            let size = try arguments.integer(1)
            guard size > 0 else { throw arguments.failure("the chunk size must be greater than 0, got \(size)") }
            let chunk = Int(min(size, Int64(Int32.max)))
            return .array(
                stride(from: 0, to: array.count, by: chunk).map {
                    .array(Array(array[$0..<min($0 + chunk, array.count)]))
                })
        case .arrayContains: return .bool(try arguments.array(0).contains(values[1]))
        case .arrayRange: return try range(arguments)
        case .arrayGetItem:
            let array = try arguments.array(0)
            let index = try arguments.integer(1)
            guard index >= 0, index < Int64(array.count) else {
                throw arguments.failure("the index \(index) is out of bounds for an array of \(array.count) item(s)")
            }
            return array[Int(index)]
        case .arrayLength: return .integer(Int64(try arguments.array(0).count))
        case .arrayUnique:
            var seen = Set<JSON>()
            return .array(try arguments.array(0).filter { seen.insert($0).inserted })
        case .base64Encode:
            let text = try arguments.limitedString(0)
            return .string(Data(text.utf8).base64EncodedString())
        case .base64Decode:
            let text = try arguments.limitedString(0)
            guard let data = Data(base64Encoded: text), let decoded = String(data: data, encoding: .utf8) else {
                throw arguments.failure("the argument is not valid Base64 text of UTF-8 data")
            }
            return .string(decoded)
        case .hash:
            let data = try arguments.limitedString(0)
            let name = try arguments.string(1)
            guard let digest = IntrinsicDigest(rawValue: name) else {
                let names = IntrinsicDigest.allCases.map(\.rawValue).joined(separator: ", ")
                throw arguments.failure("the hash algorithm '\(name)' is not supported; use one of \(names)")
            }
            return .string(digest.hexDigest(of: Array(data.utf8)))
        case .jsonMerge:
            var merged = try arguments.object(0)
            let other = try arguments.object(1)
            guard values[2] == .bool(false) else {
                throw arguments.failure("deep merging is not supported; the third argument must be false")
            }
            for (key, value) in other { merged[key] = value }
            return .object(merged)
        case .mathRandom:
            let start = try arguments.int32(0)
            let end = try arguments.int32(1)
            guard start < end else {
                throw arguments.failure("the start \(start) must be less than the end \(end)")
            }
            if values.count == 3 {
                var seeded = SeededRandom(seed: UInt64(bitPattern: try arguments.integer(2)))
                return .integer(Int64.random(in: start..<end, using: &seeded))
            }
            return .integer(Int64.random(in: start..<end, using: &random))
        case .mathAdd:
            return .integer(try arguments.roundedInt32(0) + arguments.roundedInt32(1))
        case .stringSplit:
            let text = try arguments.string(0)
            let delimiters = Set(try arguments.string(1))
            return .array(text.split(whereSeparator: { delimiters.contains($0) }).map { .string(String($0)) })
        case .uuid:
            return .string(Self.uuid(random: &random))
        }
    }

    func format(_ call: IntrinsicFunction.Call, _ arguments: IntrinsicArguments) throws(StatesError) -> JSON {
        let template: [IntrinsicFunction.TemplatePart]
        if case .string(_, let parts) = call.arguments[0] {
            template = parts
        } else {
            template = Self.templateParts(try arguments.string(0))
        }
        let placeholders = template.filter { $0 == .placeholder }.count
        guard placeholders == arguments.values.count - 1 else {
            throw arguments.failure(
                "the number of arguments (\(arguments.values.count - 1)) does not match the number of placeholders (\(placeholders))"
            )
        }
        var out = ""
        var next = 1
        for part in template {
            switch part {
            case .text(let text): out += text
            case .placeholder:
                let value = arguments.values[next]
                switch value {
                case .string(let text): out += text
                case .array, .object:
                    throw arguments.failure(
                        "argument \(next + 1) is an \(value.typeName); only strings, numbers, booleans and null can be formatted"
                    )
                default: out += value.serialized
                }
                next += 1
            }
        }
        return .string(out)
    }

    /// A format string that came from a path: `{}` is a placeholder, nothing is escaped.
    static func templateParts(_ text: String) -> [IntrinsicFunction.TemplatePart] {
        var parts: [IntrinsicFunction.TemplatePart] = []
        var rest = Substring(text)
        while let range = rest.range(of: "{}") {
            if range.lowerBound > rest.startIndex { parts.append(.text(String(rest[..<range.lowerBound]))) }
            parts.append(.placeholder)
            rest = rest[range.upperBound...]
        }
        if !rest.isEmpty { parts.append(.text(String(rest))) }
        return parts
    }

    func range(_ arguments: IntrinsicArguments) throws(StatesError) -> JSON {
        let start = try arguments.int32(0)
        let end = try arguments.int32(1)
        let step = try arguments.int32(2)
        guard step != 0 else { throw arguments.failure("the step must not be 0") }
        let count = (end - start) / step + 1
        guard count > 0 else { return .array([]) }
        guard count <= Int64(IntrinsicFunction.maximumRangeCount) else {
            throw arguments.failure(
                "the range would have \(count) items; at most \(IntrinsicFunction.maximumRangeCount) are allowed"
            )
        }
        return .array((0..<count).map { .integer(start + $0 * step) })
    }

    static func uuid(random: inout some RandomNumberGenerator) -> String {
        var bytes: [UInt8] = []
        for _ in 0..<2 {
            let word = random.next()
            for shift in stride(from: 56, through: 0, by: -8) {
                bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift)))
            }
        }
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        let hex = bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }
        return [0..<4, 4..<6, 6..<8, 8..<10, 10..<16].map { hex[$0].joined() }.joined(separator: "-")
    }
}

/// Evaluated argument values with typed accessors that fail with `States.IntrinsicFailure`.
struct IntrinsicArguments {
    let function: IntrinsicFunction.Function
    let values: [JSON]

    func failure(_ detail: String) -> StatesError {
        StatesError(StatesError.Name.intrinsicFailure, cause: "Invalid arguments in \(function.rawValue): \(detail)")
    }

    func typeFailure(_ position: Int, expected: String) -> StatesError {
        failure("argument \(position + 1) must be \(expected), got \(values[position].typeName)")
    }

    func string(_ position: Int) throws(StatesError) -> String {
        guard let value = values[position].stringValue else { throw typeFailure(position, expected: "a string") }
        return value
    }

    func limitedString(_ position: Int) throws(StatesError) -> String {
        let value = try string(position)
        guard value.count <= IntrinsicFunction.maximumStringLength else {
            throw failure(
                "argument \(position + 1) has \(value.count) characters; at most \(IntrinsicFunction.maximumStringLength) are allowed"
            )
        }
        return value
    }

    func array(_ position: Int) throws(StatesError) -> [JSON] {
        guard let value = values[position].arrayValue else { throw typeFailure(position, expected: "an array") }
        return value
    }

    func object(_ position: Int) throws(StatesError) -> JSONObject {
        guard let value = values[position].objectValue else { throw typeFailure(position, expected: "an object") }
        return value
    }

    /// An integer; a number with a fractional part or outside the 64-bit range is rejected.
    func integer(_ position: Int) throws(StatesError) -> Int64 {
        switch values[position] {
        case .integer(let value): return value
        case .number(let value) where value == value.rounded() && abs(value) < 9e18: return Int64(value)
        default: throw typeFailure(position, expected: "an integer")
        }
    }

    /// A number rounded as Java's `Math.round` does (half up: 2.5 → 3, -2.5 → -2), within the 32-bit range:
    /// States.MathAdd's arguments, as recorded executions on AWS show.
    func roundedInt32(_ position: Int) throws(StatesError) -> Int64 {
        guard case .number(let value) = values[position], value.isFinite else { return try int32(position) }
        let rounded = (value + 0.5).rounded(.down)
        guard rounded >= Double(Int32.min), rounded <= Double(Int32.max) else {
            throw failure("argument \(position + 1) (\(value)) must be between \(Int32.min) and \(Int32.max)")
        }
        return Int64(rounded)
    }

    /// An integer within the 32-bit range AWS allows for States.MathRandom and States.ArrayRange.
    func int32(_ position: Int) throws(StatesError) -> Int64 {
        let value = try integer(position)
        guard value >= Int64(Int32.min), value <= Int64(Int32.max) else {
            throw failure("argument \(position + 1) (\(value)) must be between \(Int32.min) and \(Int32.max)")
        }
        return value
    }
}
