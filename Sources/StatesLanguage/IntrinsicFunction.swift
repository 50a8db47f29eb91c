import BatonJSON

/// A parsed intrinsic function call, e.g. `States.Format('Hello, {}', $.name)`.
///
/// Arguments are string literals in single quotes (escapes `\'`, `\{`, `\}`, `\\`), numbers, `true`, `false`,
/// `null`, paths (`$`, `$.x`, `$$.Execution.Id`) and nested calls, at most `maximumNesting` calls deep.
public struct IntrinsicFunction: Sendable, Hashable, CustomStringConvertible {
    /// The deepest nesting of calls AWS allows in one field.
    public static let maximumNesting = 10

    /// The text the call was parsed from.
    public let text: String
    let call: Call

    /// Parses a call.
    /// - Throws: `IntrinsicSyntaxError` naming the offset and what was wrong, including unknown function names and
    ///   wrong argument counts.
    public init(_ text: String) throws(IntrinsicSyntaxError) {
        var parser = IntrinsicParser(text)
        call = try parser.parseExpression()
        self.text = text
    }

    public var description: String { text }

    /// Whether a string is meant as an intrinsic call rather than a path (it starts with `States.`).
    public static func looksLikeCall(_ string: String) -> Bool {
        string.drop(while: { $0 == " " }).hasPrefix("States.")
    }

    /// A call: the function and its arguments.
    struct Call: Sendable, Hashable {
        var function: Function
        var arguments: [Argument]
    }

    /// One argument of a call.
    indirect enum Argument: Sendable, Hashable {
        /// A string literal: its value, and for States.Format the template with `\{` `\}` still escaped.
        case string(String, template: [TemplatePart])
        case literal(JSON)
        case path(JSONPath)
        case call(Call)
    }

    /// A piece of a States.Format template.
    enum TemplatePart: Sendable, Hashable {
        case text(String)
        case placeholder
    }

    /// The intrinsic functions AWS defines, with their argument counts.
    enum Function: String, Sendable, Hashable, CaseIterable {
        case format = "States.Format"
        case stringToJson = "States.StringToJson"
        case jsonToString = "States.JsonToString"
        case array = "States.Array"
        case arrayPartition = "States.ArrayPartition"
        case arrayContains = "States.ArrayContains"
        case arrayRange = "States.ArrayRange"
        case arrayGetItem = "States.ArrayGetItem"
        case arrayLength = "States.ArrayLength"
        case arrayUnique = "States.ArrayUnique"
        case base64Encode = "States.Base64Encode"
        case base64Decode = "States.Base64Decode"
        case hash = "States.Hash"
        case jsonMerge = "States.JsonMerge"
        case mathRandom = "States.MathRandom"
        case mathAdd = "States.MathAdd"
        case stringSplit = "States.StringSplit"
        case uuid = "States.UUID"

        var arity: ClosedRange<Int> {
            switch self {
            case .format: 1...Int.max
            case .array: 0...Int.max
            case .stringToJson, .jsonToString, .arrayLength, .arrayUnique, .base64Encode, .base64Decode: 1...1
            case .arrayPartition, .arrayContains, .arrayGetItem, .hash, .mathAdd, .stringSplit: 2...2
            case .arrayRange, .jsonMerge: 3...3
            case .mathRandom: 2...3
            case .uuid: 0...0
            }
        }

        var arityDescription: String {
            switch arity.upperBound {
            case Int.max: "at least \(arity.lowerBound)"
            case arity.lowerBound: "exactly \(arity.lowerBound)"
            default: "\(arity.lowerBound) to \(arity.upperBound)"
            }
        }
    }
}

/// An intrinsic function call that could not be parsed.
public struct IntrinsicSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong, e.g. "unknown intrinsic function 'States.Foo'".
    public var reason: String
    /// Character offset into the call text.
    public var offset: Int

    /// Creates a syntax error at a character offset.
    public init(reason: String, offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    public var description: String { "invalid intrinsic function call at character \(offset): \(reason)" }
}

extension IntrinsicFunction {
    /// Checks a call in a definition (syntax, function names, argument counts, Format placeholders).
    /// - Parameters:
    ///   - string: the value of a `.$` field.
    ///   - pointer: the JSON pointer of the field.
    /// - Returns: the problems found; empty when the call is valid.
    public static func validate(_ string: String, at pointer: String) -> [DefinitionIssue] {
        do {
            _ = try IntrinsicFunction(string)
            return []
        } catch {
            return [
                DefinitionIssue(
                    pointer, "The value '\(string)' is not a valid intrinsic function call: \(error.reason)")
            ]
        }
    }
}
