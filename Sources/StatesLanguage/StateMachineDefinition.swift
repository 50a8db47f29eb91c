import BatonJSON
import Foundation

/// A parsed and validated Amazon States Language state machine (or a Parallel branch / Map item processor).
///
/// The same type models the top level and nested graphs: a Parallel branch and a Map `ItemProcessor` are
/// state machines with `StartAt` and `States` of their own; for those, `version` and `timeoutSeconds` are `nil`.
/// States keep the order in which the definition lists them (`stateNames`).
public struct StateMachineDefinition: Sendable, Hashable {
    /// The name of the first state to run.
    public var startAt: String
    /// The states by name.
    public var states: [String: State]
    /// The state names in the order the definition lists them.
    public var stateNames: [String]
    /// The optional human-readable description.
    public var comment: String?
    /// The ASL version, `"1.0"` when given (top level only).
    public var version: String?
    /// The execution timeout in seconds (top level only); `nil` means AWS's default of one year.
    public var timeoutSeconds: Int?

    /// Creates a definition from already-built states; `stateNames` defaults to the states sorted by name.
    public init(
        startAt: String,
        states: [String: State],
        stateNames: [String]? = nil,
        comment: String? = nil,
        version: String? = nil,
        timeoutSeconds: Int? = nil
    ) {
        self.startAt = startAt
        self.states = states
        self.stateNames = stateNames ?? states.keys.sorted()
        self.comment = comment
        self.version = version
        self.timeoutSeconds = timeoutSeconds
    }

    /// The state with a name, `nil` when there is none.
    public subscript(stateNamed name: String) -> State? { states[name] }

    /// The first state (`StartAt`); always present in a validated definition.
    public var startState: State? { states[startAt] }
}

/// A definition that failed to parse or validate, with every issue found (not only the first).
public struct DefinitionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Every problem found, in definition order, each with a JSON pointer and the broken rule.
    public var issues: [DefinitionIssue]

    /// Creates an error from its issues.
    public init(issues: [DefinitionIssue]) {
        self.issues = issues
    }

    /// One issue per line, `pointer: message`.
    public var description: String {
        "invalid state machine definition:\n" + issues.map { "  \($0)" }.joined(separator: "\n")
    }
}
