import BatonJSON
import Foundation

/// The interpreter's use of the data plane (JSONPath, payload templates, context object, Choice rules), in one
/// place: the model keeps path fields and templates as written, so they are compiled here on use.
extension InterpreterRun {
    /// The context object (`$$`) of the active state of a frame.
    func context(in path: ScopePath, taskToken: String? = nil, mapItem: (index: Int, value: JSON)? = nil) -> JSON {
        guard let start = state.start else { return .null }
        if path.isRoot, let given = probe?.context {
            // TestState's `context`: the caller's object replaces the context; a task token is added only where the
            // state asks for one and the caller gave none.
            guard let taskToken, var object = given.objectValue, object["Task"] == nil else { return given }
            object["Task"] = .object(JSONObject([("Token", .string(taskToken))]))
            return .object(object)
        }
        let active = state.frames[path]?.active
        let object = ContextObject(
            execution: .init(
                id: start.executionArn, input: start.input, name: start.executionName, startTime: start.startDate,
                roleArn: start.roleArn, redriveCount: state.redriveCount),
            stateMachine: .init(id: start.stateMachineArn, name: start.stateMachineName),
            state: active.map { active in
                // Only states with Retry (Task, Parallel, Map) have a RetryCount, as AWS records.
                let retries = machine(at: path).states[active.name]?.canRetry ?? true
                return .init(
                    name: active.name, enteredTime: active.enteredAt, retryCount: retries ? active.attempt : nil)
            },
            taskToken: taskToken,
            mapItem: mapItem.map { ContextObject.MapItem(index: $0.index, value: $0.value) })
        return object.json
    }

    /// InputPath: absent → the input, null → `{}`, a path → what it selects (`$name`: a variable).
    func selectInput(_ setting: PathSetting, from input: JSON, variables: [String: JSON]) throws(StatesError) -> JSON {
        try InputOutputProcessing.applyInputPath(try pathField(setting), to: input, variables: variables)
    }

    /// OutputPath: as InputPath.
    func selectOutput(_ setting: PathSetting, from output: JSON, variables: [String: JSON]) throws(StatesError)
        -> JSON
    {
        try InputOutputProcessing.applyOutputPath(try pathField(setting), to: output, variables: variables)
    }

    /// ResultPath: absent → the result, null → the input, a path → the result placed into the input.
    func applyResultPath(_ setting: PathSetting, input: JSON, result: JSON) throws(StatesError) -> JSON {
        try InputOutputProcessing.applyResultPath(try pathField(setting), result: result, input: input)
    }

    /// A Parameters / ItemSelector / ResultSelector / Assign template applied to `input` with the context object
    /// and the variables.
    mutating func render(_ template: JSON, input: JSON, context: JSON, variables: [String: JSON])
        throws(StatesError) -> JSON
    {
        let compiled: PayloadTemplate
        do {
            compiled = try PayloadTemplate(template)
        } catch {
            let detail = error.issues.map(\.description).joined(separator: "; ")
            throw StatesError(StatesError.Name.runtime, cause: "Invalid payload template: \(detail)")
        }
        return try compiled.resolve(input: input, context: context, variables: variables, random: &random)
    }

    /// The value a reference path (`SecondsPath`, `ItemsPath`, `ErrorPath`…) selects in the effective input or
    /// (`$name`) a variable.
    func value(at text: String, in input: JSON, variables: [String: JSON]) throws(StatesError) -> JSON {
        let path = try parsePath(text)
        guard let value = path.evaluate(input, context: .null, variables: variables) else {
            throw StatesError(
                StatesError.Name.runtime, cause: "Invalid path '\(path.text)' : No results for path: \(path.normalized)"
            )
        }
        return value
    }

    private func pathField(_ setting: PathSetting) throws(StatesError) -> PathField {
        switch setting {
        case .absent: return .absent
        case .null: return .null
        case .path(let text): return .path(try parsePath(text))
        }
    }

    private func parsePath(_ text: String) throws(StatesError) -> JSONPath {
        do {
            return try JSONPath(text)
        } catch {
            throw StatesError(StatesError.Name.runtime, cause: "Invalid path '\(text)': \(error.reason)")
        }
    }
}
