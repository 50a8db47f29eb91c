/// A hazard in a definition that is valid: it is accepted and runs, but probably not as its author meant.
///
/// ValidateStateMachineDefinition answers these as `WARNING` diagnostics, with ``code`` as the diagnostic's
/// `code` and ``pointer`` as its `location`; the orchestrator logs them when it registers a state machine.
public struct DefinitionWarning: Sendable, Hashable, CustomStringConvertible {
    /// What kind of hazard; extensible, compared by value. The names are stable: scripts may match them.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// The diagnostic code, e.g. `CALLBACK_WITHOUT_TIMEOUT`.
        public let name: String

        private init(_ name: String) { self.name = name }

        /// A `.waitForTaskToken` task with neither TimeoutSeconds nor HeartbeatSeconds (nor their `…Path`
        /// forms): a lost callback leaves it waiting until the execution times out, a year by default.
        public static let callbackWithoutTimeout = Code("CALLBACK_WITHOUT_TIMEOUT")
        /// A `.waitForTaskToken` task whose Parameters (JSONPath) or Arguments (JSONata) never pass the task
        /// token, so nobody can call it back.
        public static let callbackWithoutTaskToken = Code("CALLBACK_WITHOUT_TASK_TOKEN")
        /// A `.waitForTaskToken` or `.sync` task in an EXPRESS state machine: AWS refuses those patterns in
        /// Express workflows; Baton runs them with standard semantics.
        public static let expressUnsupportedPattern = Code("EXPRESS_UNSUPPORTED_PATTERN")

        public var description: String { name }
    }

    /// What kind of hazard.
    public var code: Code
    /// JSON pointer to the state or field concerned, e.g. `/States/Wait4Token`.
    public var pointer: String
    /// What is wrong and what to do about it.
    public var message: String

    /// Creates a warning at a JSON pointer.
    public init(_ code: Code, at pointer: String, _ message: String) {
        self.code = code
        self.pointer = pointer
        self.message = message
    }

    /// `pointer: CODE message`, one line.
    public var description: String { "\(pointer.isEmpty ? "/" : pointer): \(code.name) \(message)" }
}
