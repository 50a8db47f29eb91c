import BatonJSON

extension JSONPath {
    /// Checks a path field of a definition without evaluating it.
    /// - Parameters:
    ///   - string: the field's value.
    ///   - pointer: the JSON pointer of the field, e.g. `/States/Work/ResultPath`.
    ///   - requireReference: whether the field must be a Reference Path (ResultPath, ItemsPath, `…Path` fields).
    ///   - allowContext: whether a `$$` path or a variable (`$name`) is allowed (neither is for ResultPath, which
    ///     names a place in the state input).
    /// - Returns: the problems found; empty when the path is valid for the field.
    public static func validate(
        _ string: String,
        at pointer: String,
        requireReference: Bool,
        allowContext: Bool = true
    ) -> [DefinitionIssue] {
        let path: JSONPath
        do {
            path = try JSONPath(string)
        } catch {
            return [DefinitionIssue(pointer, "The value '\(string)' is not a valid JSONPath: \(error.reason)")]
        }
        var issues: [DefinitionIssue] = []
        if requireReference, !path.isReferencePath {
            issues.append(
                DefinitionIssue(
                    pointer,
                    "The value '\(string)' is not a valid reference path: the operators @ .. , : ? * are not supported")
            )
        }
        if !allowContext {
            switch path.root {
            case .context:
                issues.append(
                    DefinitionIssue(pointer, "The value '\(string)' must not refer to the context object ($$)"))
            case .variable:
                issues.append(DefinitionIssue(pointer, "The value '\(string)' must not refer to a variable"))
            case .input:
                break
            }
        }
        return issues
    }
}
