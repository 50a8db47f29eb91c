import BatonJSON

/// A path field of a state (InputPath, OutputPath, ResultPath, ItemsPath…) as the definition gives it: left out,
/// set to JSON `null`, or set to a path. AWS treats the three differently, so the model keeps them apart.
public enum PathField: Sendable, Hashable {
    /// The field is not in the definition; it defaults to `$`.
    case absent
    /// The field is JSON `null`: InputPath/OutputPath give `{}`, ResultPath discards the result.
    case null
    /// The field holds a path.
    case path(JSONPath)

    /// Reads a path field from a state's JSON object.
    /// - Parameters:
    ///   - value: the member's value, `nil` when the member is missing.
    ///   - pointer: the member's JSON pointer, for issues.
    ///   - requireReference: whether the field must be a Reference Path (ResultPath, ItemsPath).
    ///   - allowContext: whether a `$$` path is allowed.
    /// - Returns: the field, or the issues that make it invalid.
    public static func parse(
        _ value: JSON?,
        at pointer: String,
        requireReference: Bool,
        allowContext: Bool = true
    ) -> Result<PathField, InvalidPathField> {
        guard let value else { return .success(.absent) }
        if value == .null { return .success(.null) }
        guard let text = value.stringValue else {
            return .failure(InvalidPathField(issues: [DefinitionIssue(pointer, "must be a string or null")]))
        }
        let issues = JSONPath.validate(
            text, at: pointer, requireReference: requireReference, allowContext: allowContext)
        guard issues.isEmpty, let path = try? JSONPath(text) else { return .failure(InvalidPathField(issues: issues)) }
        return .success(.path(path))
    }

    /// A path field that failed validation.
    public struct InvalidPathField: Error, Sendable, Hashable {
        /// The problems found.
        public var issues: [DefinitionIssue]
    }
}

/// The input and output processing steps of a state, in AWS's order: InputPath → Parameters (a
/// `PayloadTemplate`) → task → ResultSelector (a `PayloadTemplate`) → ResultPath → OutputPath.
///
/// Each step throws `StatesError` `States.Runtime` with AWS's wording when a path cannot be applied. The
/// interpreter prefixes causes with "An error occurred while executing the state '…' (entered at the event id #…). "
/// as AWS does; these helpers do not know the state.
public enum InputOutputProcessing {
    /// Applies InputPath to the state input.
    /// - Parameters:
    ///   - field: the InputPath field; absent means `$`, null means `{}`.
    ///   - input: the raw state input.
    ///   - context: the context object, for `$$` paths.
    ///   - variables: the variables, for `$name` paths.
    /// - Throws: `States.Runtime` "Invalid path '$.x' : No results for path: $['x']" when a definite path matches
    ///   nothing.
    public static func applyInputPath(
        _ field: PathField, to input: JSON, context: JSON = .null, variables: [String: JSON] = [:]
    ) throws(StatesError) -> JSON {
        try select(field, in: input, context: context, variables: variables)
    }

    /// Applies OutputPath to the state output (after ResultPath).
    /// - Throws: as `applyInputPath`.
    public static func applyOutputPath(
        _ field: PathField, to output: JSON, context: JSON = .null, variables: [String: JSON] = [:]
    ) throws(StatesError) -> JSON {
        try select(field, in: output, context: context, variables: variables)
    }

    /// Applies Parameters or ItemSelector: with no template the effective input passes through unchanged.
    /// - Throws: as `PayloadTemplate.resolve`.
    public static func applyParameters(
        _ template: PayloadTemplate?,
        to input: JSON,
        context: JSON,
        variables: [String: JSON] = [:],
        random: inout some RandomNumberGenerator
    ) throws(StatesError) -> JSON {
        guard let template else { return input }
        return try template.resolve(input: input, context: context, variables: variables, random: &random)
    }

    /// Applies ResultSelector to a task, Map or Parallel result: with no template the result passes through.
    /// - Throws: as `PayloadTemplate.resolve`.
    public static func applyResultSelector(
        _ template: PayloadTemplate?,
        to result: JSON,
        context: JSON,
        variables: [String: JSON] = [:],
        random: inout some RandomNumberGenerator
    ) throws(StatesError) -> JSON {
        guard let template else { return result }
        return try template.resolve(input: result, context: context, variables: variables, random: &random)
    }

    /// Combines the state input and the result as ResultPath says.
    ///
    /// Absent or `$`: the result replaces the input. `null`: the result is discarded and the input passes through.
    /// `$.a.b`: the result is written at that place in the input, replacing what is there and creating missing
    /// intermediate objects; an existing array element can be the target (`$.a[0]`).
    /// - Parameters:
    ///   - field: the ResultPath field (a Reference Path).
    ///   - result: the (selected) result.
    ///   - input: the raw state input (before InputPath).
    /// - Throws: `States.Runtime` "Unable to apply ReferencePath $.a.b to input '…'" when the path runs through a value
    ///   that is not an object (or, for an index, not an array with that element), or is not a reference path.
    public static func applyResultPath(_ field: PathField, result: JSON, input: JSON) throws(StatesError) -> JSON {
        switch field {
        case .absent: return result
        case .null: return input
        case .path(let path):
            guard path.root == .input, path.isReferencePath else { throw resultPathFailure(path, input) }
            var output = input
            guard insert(result, into: &output, along: path.segments[...]) else {
                throw resultPathFailure(path, input)
            }
            return output
        }
    }

    /// Checks a state input, output or task result against AWS's 256 KiB payload limit.
    /// - Parameters:
    ///   - payload: the JSON to check.
    ///   - description: what it is, for the cause, e.g. "The state/task 'Work' returned a result" or
    ///     "The state 'Work' input".
    /// - Throws: `States.DataLimitExceeded` when the compact UTF-8 serialization exceeds `maximumPayloadBytes`.
    public static func checkPayloadSize(_ payload: JSON, _ description: String) throws(StatesError) {
        let size = payload.serializedByteCount
        guard size > maximumPayloadBytes else { return }
        throw StatesError(
            StatesError.Name.dataLimitExceeded,
            cause:
                "\(description) with a size exceeding the maximum number of bytes service limit (\(size) > \(maximumPayloadBytes) bytes)."
        )
    }

    // MARK: Helpers

    static func select(_ field: PathField, in document: JSON, context: JSON, variables: [String: JSON])
        throws(StatesError) -> JSON
    {
        switch field {
        case .absent: return document
        case .null: return .object(JSONObject())
        case .path(let path):
            guard let value = path.evaluate(document, context: context, variables: variables) else {
                throw StatesError(
                    StatesError.Name.runtime,
                    cause: "Invalid path '\(path.text)' : No results for path: \(path.normalized)"
                )
            }
            return value
        }
    }

    static func resultPathFailure(_ path: JSONPath, _ input: JSON) -> StatesError {
        StatesError(
            StatesError.Name.runtime,
            cause: "Unable to apply ReferencePath \(path.text) to input '\(input.serialized)'"
        )
    }

    /// Writes `value` at the place the segments name; false when a step runs through a non-container.
    static func insert(_ value: JSON, into document: inout JSON, along segments: ArraySlice<JSONPath.Segment>) -> Bool {
        guard let segment = segments.first else {
            document = value
            return true
        }
        let rest = segments.dropFirst()
        switch segment {
        case .child(.name(let name)):
            guard case .object(var object) = document else { return false }
            var child = object[name] ?? .object(JSONObject())
            guard insert(value, into: &child, along: rest) else { return false }
            object[name] = child
            document = .object(object)
            return true
        case .child(.index(let index)):
            guard case .array(var elements) = document else { return false }
            let position = index < 0 ? elements.count + index : index
            guard elements.indices.contains(position) else { return false }
            var child = elements[position]
            guard insert(value, into: &child, along: rest) else { return false }
            elements[position] = child
            document = .array(elements)
            return true
        default:
            return false
        }
    }
}
