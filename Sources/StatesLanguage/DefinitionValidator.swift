import BatonJSON
import Foundation

/// Graph rules of a state machine: StartAt and every transition name an existing state, and every state is
/// reachable from StartAt. Field-level rules are checked while parsing (`DefinitionParser`).
enum DefinitionValidator {
    /// The issues of one machine's graph (not of nested branches, which are checked when they are read).
    /// - Parameters:
    ///   - definition: the machine; `stateNames` lists every state of the definition, even ones that failed to
    ///     parse, so transitions to them are not reported as missing.
    ///   - pointer: the machine's JSON pointer (`""` at the top level).
    ///   - checkReachability: `false` when some transitions could not be read, so reachability would be noise.
    static func graphIssues(
        of definition: StateMachineDefinition, at pointer: String, checkReachability: Bool
    ) -> [DefinitionIssue] {
        var issues: [DefinitionIssue] = []
        let names = Set(definition.stateNames)
        if !names.contains(definition.startAt) {
            issues.append(DefinitionIssue(pointer + "/StartAt", "state \"\(definition.startAt)\" does not exist"))
        }
        let statesPointer = DefinitionParser.pointer(pointer, "States")
        for name in definition.stateNames {
            guard let state = definition.states[name] else { continue }
            let statePointer = DefinitionParser.pointer(statesPointer, name)
            for (target, suffix) in targets(of: state) where !names.contains(target) {
                issues.append(DefinitionIssue(statePointer + suffix, "state \"\(target)\" does not exist"))
            }
        }
        guard checkReachability, names.contains(definition.startAt) else { return issues }
        var reached: Set<String> = [definition.startAt]
        var pending = [definition.startAt]
        while let name = pending.popLast() {
            guard let state = definition.states[name] else { continue }
            for (target, _) in targets(of: state) where names.contains(target) && !reached.contains(target) {
                reached.insert(target)
                pending.append(target)
            }
        }
        for name in definition.stateNames where !reached.contains(name) {
            issues.append(
                DefinitionIssue(DefinitionParser.pointer(statesPointer, name), "state is not reachable from StartAt"))
        }
        return issues
    }

    /// Every state a state can transition to, with the pointer suffix (relative to the state) naming it.
    static func targets(of state: State) -> [(String, String)] {
        var targets: [(String, String)] = []
        if case .next(let next)? = state.transition { targets.append((next, "/Next")) }
        if case .choice(let choice) = state.kind {
            for (index, rule) in choice.choices.enumerated() { targets.append((rule.next, "/Choices/\(index)/Next")) }
            if let fallback = choice.default { targets.append((fallback, "/Default")) }
        }
        for (index, catcher) in state.catchers.enumerated() { targets.append((catcher.next, "/Catch/\(index)/Next")) }
        return targets
    }
}
