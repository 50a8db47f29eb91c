import BatonJSON

extension PayloadTemplate {
    /// Builds the payload from the template.
    /// - Parameters:
    ///   - input: what `$` refers to (the effective input for Parameters/ItemSelector, the result for
    ///     ResultSelector).
    ///   - context: the context object, what `$$` refers to.
    ///   - variables: the variables `$name` paths refer to.
    ///   - random: the source for States.MathRandom and States.UUID.
    /// - Throws: `StatesError` `States.Runtime` when a path matches nothing (AWS's wording: "The JSONPath '$.x'
    ///   specified for the field 'x.$' could not be found in the input '…'"), `States.IntrinsicFailure` when an
    ///   intrinsic function rejects its arguments.
    public func resolve(
        input: JSON,
        context: JSON,
        variables: [String: JSON] = [:],
        random: inout some RandomNumberGenerator
    ) throws(StatesError) -> JSON {
        try Self.resolve(root, input: input, context: context, variables: variables, random: &random)
    }

    /// Builds the payload, drawing States.MathRandom and States.UUID values from the system generator.
    /// - Throws: as `resolve(input:context:random:)`.
    public func resolve(input: JSON, context: JSON) throws(StatesError) -> JSON {
        var random = SystemRandomNumberGenerator()
        return try resolve(input: input, context: context, random: &random)
    }

    static func resolve(
        _ node: Node,
        input: JSON,
        context: JSON,
        variables: [String: JSON],
        random: inout some RandomNumberGenerator
    ) throws(StatesError) -> JSON {
        switch node {
        case .literal(let value):
            return value
        case .path(let path, let field):
            guard let value = path.evaluate(input, context: context, variables: variables) else {
                let detail = path.notFound(input: input, context: context, variables: variables)
                throw StatesError(
                    StatesError.Name.runtime,
                    cause: "The JSONPath '\(path.text)' specified for the field '\(field)' could not be found\(detail)")
            }
            return value
        case .intrinsic(let call, _):
            return try call.evaluate(input: input, context: context, variables: variables, random: &random)
        case .object(let members):
            var object = JSONObject()
            for (key, member) in members {
                object[key] = try resolve(member, input: input, context: context, variables: variables, random: &random)
            }
            return .object(object)
        case .array(let nodes):
            var elements: [JSON] = []
            elements.reserveCapacity(nodes.count)
            for element in nodes {
                elements.append(
                    try resolve(element, input: input, context: context, variables: variables, random: &random))
            }
            return .array(elements)
        }
    }
}
