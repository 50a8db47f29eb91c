import Foundation

/// The States Language interpreter as a pure state machine: feed it an `ExecutionEvent`, perform the
/// `InterpreterAction`s it returns (STYLE rule 1). It never reads a clock (events carry `at`), never does I/O, and
/// draws randomness (Retry jitter, `States.UUID`, `States.MathRandom`) only from the generator passed in.
///
/// ```swift
/// var interpreter = Interpreter(definition: definition, configuration: .init(taskToken: tokens.issue))
/// var actions = try interpreter.handle(.started(start), using: &random)      // [.appendHistory, .scheduleTask]
/// store.save(interpreter.state)                                              // Codable, compact
/// var restored = Interpreter(definition: definition, state: saved, configuration: configuration)
/// actions = try restored.handle(.taskSucceeded(id, output: result, at: now), using: &random)
/// ```
///
/// A rejected event (a late callback for a closed task, an unknown timer, anything after the end) throws
/// `InterpreterRejection` and leaves `state` unchanged.
public struct Interpreter: Sendable {
    /// The state machine being run.
    public let definition: StateMachineDefinition
    /// Region, token issuing and limits.
    public let configuration: InterpreterConfiguration
    /// The execution's state; persist it after each handled event.
    public private(set) var state: ExecutionState

    /// Creates an interpreter for a new execution (`state` empty) or resumes one from its persisted state.
    /// - Parameters:
    ///   - definition: the validated state machine the execution runs.
    ///   - state: the persisted state, or a fresh `ExecutionState()` before `.started`.
    ///   - configuration: region, task token issuer and limits.
    public init(
        definition: StateMachineDefinition,
        state: ExecutionState = ExecutionState(),
        configuration: InterpreterConfiguration = InterpreterConfiguration()
    ) {
        self.definition = definition
        self.state = state
        self.configuration = configuration
    }

    /// Whether the execution reached a terminal status.
    public var isFinished: Bool { state.start != nil && state.status != .running }

    /// Handles one event and returns the actions to perform, in order, in one transaction.
    /// - Parameters:
    ///   - event: what happened, with its time.
    ///   - random: the random source for Retry jitter and random intrinsic functions.
    /// - Returns: the actions; history comes first, as one `.appendHistory`.
    /// - Throws: `InterpreterRejection` when the event does not apply (the state is then unchanged).
    public mutating func handle(
        _ event: ExecutionEvent,
        using random: inout some RandomNumberGenerator
    ) throws(InterpreterRejection) -> [InterpreterAction] {
        var run = InterpreterRun(
            definition: definition,
            configuration: configuration,
            state: state,
            random: random,
            now: event.at
        )
        try run.handle(event)
        random = run.random
        state = run.state
        return run.finishedActions()
    }
}

/// What an interpreter needs besides the definition: region, task tokens and limits.
public struct InterpreterConfiguration: Sendable {
    /// What the interpreter asks the token issuer for: one token per task attempt.
    public struct TokenRequest: Sendable, Hashable {
        /// The execution ARN.
        public var executionArn: String
        /// The task's id (new for every attempt).
        public var taskId: TaskID
        /// The attempt number, 0-based.
        public var attempt: Int
        /// The Task state's name.
        public var stateName: String
    }

    /// The region shown in `TaskScheduled`; default `us-east-1`.
    public var region: String
    /// Issues the task token for an attempt; it must be a pure function of the request (e.g. an HMAC over the
    /// execution ARN, task id and attempt) so the interpreter stays deterministic. The token is placed wherever
    /// the Parameters reference `$$.Task.Token` and returned in `TaskSchedule.taskToken`.
    public var taskToken: @Sendable (TokenRequest) -> String
    /// The most history events an execution may record before it fails with `States.Runtime`; AWS's quota is 25,000.
    public var maximumHistoryEvents: Int
    /// Workflow seconds per real second (1 unless the orchestrator runs with a time scale). Durations the definition
    /// states in seconds — execution and Wait `Seconds`, Retry intervals — become deadlines `seconds / timeScale`
    /// after the event's date; dates themselves (event timestamps, Wait `Timestamp`) are always wall-clock time.
    public var timeScale: Double
    /// Whether an activity ARN names an activity that exists (a Task state on a missing one fails with
    /// `States.Runtime`, as on AWS); every activity exists unless the orchestrator says otherwise.
    public var activityExists: @Sendable (String) -> Bool = { _ in true }

    /// Creates a configuration.
    /// - Parameters:
    ///   - region: the region shown in `TaskScheduled`.
    ///   - maximumHistoryEvents: the history quota.
    ///   - timeScale: workflow seconds per real second (positive; 1 for real time).
    ///   - taskToken: the token issuer; the default (for tests) is `"<executionArn>/<taskId>/<attempt>"`.
    public init(
        region: String = "us-east-1",
        maximumHistoryEvents: Int = 25_000,
        timeScale: Double = 1,
        taskToken: @escaping @Sendable (TokenRequest) -> String = {
            "\($0.executionArn)/\($0.taskId.rawValue)/\($0.attempt)"
        }
    ) {
        self.region = region
        precondition(timeScale > 0, "the time scale must be positive")
        self.maximumHistoryEvents = maximumHistoryEvents
        self.timeScale = timeScale
        self.taskToken = taskToken
    }
}

/// Why the interpreter did not apply an event; the execution state is unchanged.
public struct InterpreterRejection: Error, Sendable, Hashable, CustomStringConvertible {
    /// The reason, as an extensible code.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case taskNotOpen, timerNotArmed, executionNotRunning, executionNotStarted, executionAlreadyStarted
            case notRedrivable
        }

        private let base: Base

        /// The task is not open (finished, superseded by a retry, abandoned, or unknown): the orchestrator answers
        /// the callback with `TaskTimedOut`.
        public static let taskNotOpen = Code(base: .taskNotOpen)
        /// The timer is not armed (already fired, cancelled, or unknown).
        public static let timerNotArmed = Code(base: .timerNotArmed)
        /// The execution already reached a terminal status.
        public static let executionNotRunning = Code(base: .executionNotRunning)
        /// The execution has not started; the first event must be `.started`.
        public static let executionNotStarted = Code(base: .executionNotStarted)
        /// `.started` arrived for an execution that already started.
        public static let executionAlreadyStarted = Code(base: .executionAlreadyStarted)
        /// `.redriven` arrived for an execution that is running, succeeded, or kept no redrive point.
        public static let notRedrivable = Code(base: .notRedrivable)

        public var description: String { base.rawValue }
    }

    /// The reason.
    public var code: Code
    /// A human-readable message (never a token or a payload).
    public var message: String

    /// Creates a rejection.
    public init(_ code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
