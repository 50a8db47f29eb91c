import BatonJSON
import Foundation

extension StateMachineDefinition {
    /// The hazards of callback tasks in this definition, nested states (Parallel branches, Map item processors)
    /// included, in definition order.
    ///
    /// For each `.waitForTaskToken` task (any resource ending in `.waitForTaskToken`), in either query language:
    /// - ``DefinitionWarning/Code/callbackWithoutTimeout``: neither `TimeoutSeconds` nor `HeartbeatSeconds` is
    ///   given, as a number, a `…Path` or a JSONata expression; the pointer names the state.
    /// - ``DefinitionWarning/Code/callbackWithoutTaskToken``: no path of its Parameters (a `.$` value, intrinsic
    ///   function arguments included) reaches `$$.Task.Token` — `$$`, `$$.Task` and `$$..Token` do — or, in a
    ///   JSONata state, no expression of its Arguments reads `$states.context.Task.Token` (or `$states.context`,
    ///   `$states.context.Task` whole); the pointer names Parameters/Arguments, or the state when there are none.
    /// - ``DefinitionWarning/Code/expressUnsupportedPattern``, for `.sync` tasks too, when `type` is EXPRESS.
    /// - Parameter type: the type the state machine is (to be) created with.
    /// - Returns: the warnings; empty when there is nothing to warn about.
    public func warnings(type: StateMachineType = .standard) -> [DefinitionWarning] {
        var warnings: [DefinitionWarning] = []
        collectWarnings(at: "", type: type, into: &warnings)
        return warnings
    }

    private func collectWarnings(at pointer: String, type: StateMachineType, into warnings: inout [DefinitionWarning]) {
        let statesPointer = DefinitionParser.pointer(pointer, "States")
        for name in stateNames {
            guard let state = states[name] else { continue }
            let statePointer = DefinitionParser.pointer(statesPointer, name)
            switch state.kind {
            case .task(let task):
                warnings += Self.warnings(of: state, task, at: statePointer, type: type)
            case .parallel(let parallel):
                for (index, branch) in parallel.branches.enumerated() {
                    let branchPointer = DefinitionParser.pointer(
                        DefinitionParser.pointer(statePointer, "Branches"), index)
                    branch.collectWarnings(at: branchPointer, type: type, into: &warnings)
                }
            case .map(let map):
                map.itemProcessor.collectWarnings(
                    at: DefinitionParser.pointer(statePointer, map.itemProcessorField), type: type, into: &warnings)
            default:
                break
            }
        }
    }

    private static func warnings(of state: State, _ task: TaskState, at pointer: String, type: StateMachineType)
        -> [DefinitionWarning]
    {
        let callback = task.resource.hasSuffix(".waitForTaskToken")
        var warnings: [DefinitionWarning] = []
        if callback, task.timeout == nil, task.heartbeat == nil {
            warnings.append(
                DefinitionWarning(
                    .callbackWithoutTimeout, at: pointer,
                    "the task waits for a callback with neither TimeoutSeconds nor HeartbeatSeconds: if the callback "
                        + "is lost, it waits until the execution times out (a year without TimeoutSeconds)"))
        }
        if callback {
            let (field, template) =
                state.queryLanguage == .jsonata
                ? ("Arguments", state.io.arguments) : ("Parameters", state.io.parameters)
            let passesToken =
                state.queryLanguage == .jsonata
                ? TaskTokenReference.inArguments(template) : TaskTokenReference.inParameters(template)
            if !passesToken {
                let token = state.queryLanguage == .jsonata ? "$states.context.Task.Token" : "$$.Task.Token"
                warnings.append(
                    DefinitionWarning(
                        .callbackWithoutTaskToken,
                        at: template == nil ? pointer : DefinitionParser.pointer(pointer, field),
                        "the task waits for a callback but its \(field) never pass \(token), so nothing can call "
                            + "it back"))
            }
        }
        if type == .express, let pattern = waitingPattern(task.resource) {
            warnings.append(
                DefinitionWarning(
                    .expressUnsupportedPattern, at: DefinitionParser.pointer(pointer, "Resource"),
                    "AWS does not accept the \(pattern) pattern in an EXPRESS state machine; Baton runs it as in a "
                        + "STANDARD one"))
        }
        return warnings
    }

    /// `.waitForTaskToken` or `.sync` when the resource waits for either, else `nil`.
    private static func waitingPattern(_ resource: String) -> String? {
        if resource.hasSuffix(".waitForTaskToken") { return ".waitForTaskToken" }
        if resource.hasSuffix(".sync") || resource.hasSuffix(".sync:2") { return ".sync" }
        return nil
    }
}
