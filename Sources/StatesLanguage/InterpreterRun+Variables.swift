import BatonJSON
import Foundation

/// Variables (`Assign`): each frame keeps the variables its states assigned; a state reads its own frame's over
/// those of the frames it runs in (a Parallel branch or Map iteration reads, but never assigns, outer ones).
/// Every expression and path of a state sees the variables from before the state; its `Assign` takes effect when
/// it leaves.
extension InterpreterRun {
    /// AWS's limit on the values one `Assign` sets, serialized.
    static var maximumAssignBytes: Int { 256 * 1024 }

    /// The variables a frame sees: its own over those of the frames it runs in.
    func variables(in path: ScopePath) -> [String: JSON] {
        // The common case, a machine without variables, costs one lookup.
        if path.isRoot, state.frames[path]?.variables == nil { return [:] }
        var scopes = [path]
        var current = path
        while !current.isRoot {
            current = current.parent
            scopes.append(current)
        }
        var visible: [String: JSON] = [:]
        for scope in scopes.reversed() {
            for (name, value) in state.frames[scope]?.variables?.value.objectValue ?? JSONObject() {
                visible[name] = value
            }
        }
        return visible
    }

    /// A JSONPath state's `Assign` blocks (the state's, then a Choice rule's or a catcher's): payload templates
    /// whose `$` is `document` (the state's result, its effective input for Choice and Wait, the error output in
    /// a catcher), with `$$` and the variables from before the state; a member `name.$` sets `name`.
    mutating func assignJSONPath(
        _ blocks: [JSON?], document: JSON, variables: [String: JSON], in path: ScopePath
    ) throws(StatesError) {
        var assigned: [(String, JSON)] = []
        for case let block? in blocks {
            guard
                case .object(let values) = try render(
                    block, input: document, context: context(in: path), variables: variables)
            else { continue }
            for (key, value) in values { assigned.append((DefinitionParser.variableName(key), value)) }
        }
        try store(assigned, in: path)
    }

    /// Stores assigned values in the frame (AWS's size limit applies to them together) and keeps them for the
    /// state's `…StateExited` event.
    mutating func store(_ assigned: [(String, JSON)], in path: ScopePath) throws(StatesError) {
        guard !assigned.isEmpty else { return }
        let size = assigned.reduce(0) { $0 + $1.1.serializedByteCount }
        if size > Self.maximumAssignBytes {
            throw StatesError(
                StatesError.Name.runtime,
                cause: "The variables assigned by the state are \(size) bytes; the limit is \(Self.maximumAssignBytes)")
        }
        var variables = state.frames[path]?.variables?.value.objectValue ?? JSONObject()
        var recorded: [String: String] = [:]
        for (name, value) in assigned {
            variables[name] = value
            recorded[name] = value.serialized
        }
        state.frames[path]?.variables = JSONText(.object(variables))
        if path.isRoot, probe != nil { probe?.variables = variables }
        assignedVariables = recorded
    }
}
