import BatonJSON
import Foundation

/// Something that happened to an execution, fed to `Interpreter.handle(_:using:)`.
///
/// Every event carries `at`, the time it happened on the orchestrator's clock: the interpreter never reads a
/// clock of its own (STYLE rule 7). Task events name the task by the `TaskID` the interpreter gave it in
/// `InterpreterAction.scheduleTask`; timer events by the `TimerID` of `InterpreterAction.startTimer`.
public enum ExecutionEvent: Sendable, Hashable {
    /// The execution starts: records `ExecutionStarted` and enters `StartAt`.
    case started(ExecutionStart)
    /// The orchestrator handed the task to its integration (AWS's `TaskStarted`); history only.
    case taskStarted(TaskID, at: Date)
    /// A poller received an activity task through GetActivityTask (AWS's `ActivityStarted`, with the poller's
    /// `workerName`); history only, recorded once per attempt.
    case activityStarted(TaskID, workerName: String?, at: Date)
    /// The integration accepted the task and answered (AWS's `TaskSubmitted`, e.g. the SQS `SendMessage`
    /// response of a `.waitForTaskToken` task); history only.
    case taskSubmitted(TaskID, output: JSON, at: Date)
    /// The task succeeded with its result (SendTaskSuccess, a `.sync` job's result, a request-response answer).
    case taskSucceeded(TaskID, output: JSON, at: Date)
    /// The task failed with an error name and cause (SendTaskFailure, a failed job); `nil` when SendTaskFailure
    /// gave none, which AWS records as no `error`/`cause` keys and a catcher sees as `null`.
    case taskFailed(TaskID, error: String?, cause: String?, at: Date)
    /// The task's `TimeoutSeconds` elapsed (the orchestrator arms this deadline from `TaskSchedule.timeoutSeconds`).
    case taskTimedOut(TaskID, at: Date)
    /// No heartbeat arrived within `HeartbeatSeconds` (armed and reset by the orchestrator).
    case heartbeatTimedOut(TaskID, at: Date)
    /// A timer the interpreter started fired (Wait state, Retry backoff, execution timeout).
    case timerFired(TimerID, at: Date)
    /// StopExecution: the execution ends as `ABORTED`, open tasks are closed.
    case stopRequested(error: String?, cause: String?, at: Date)
    /// RedriveExecution: a FAILED, TIMED_OUT or ABORTED execution runs again from the states it stopped in
    /// (`ExecutionState.redrive`), recording `ExecutionRedriven`; the only event a stopped execution takes.
    case redriven(at: Date)

    /// When the event happened.
    public var at: Date {
        switch self {
        case .started(let start): start.startDate
        case .taskStarted(_, let at), .activityStarted(_, _, let at), .taskSubmitted(_, _, let at),
            .taskSucceeded(_, _, let at),
            .taskFailed(_, _, _, let at), .taskTimedOut(_, let at), .heartbeatTimedOut(_, let at),
            .timerFired(_, let at), .stopRequested(_, _, let at), .redriven(let at):
            at
        }
    }
}

/// The facts an execution starts with; they also fill the context object's `Execution` and `StateMachine`.
public struct ExecutionStart: Sendable, Hashable, Codable {
    /// The execution input.
    public var input: JSON
    /// The execution ARN (`$$.Execution.Id`).
    public var executionArn: String
    /// The execution name (`$$.Execution.Name`).
    public var executionName: String
    /// The state machine ARN (`$$.StateMachine.Id`).
    public var stateMachineArn: String
    /// The state machine name (`$$.StateMachine.Name`).
    public var stateMachineName: String
    /// The role ARN shown in `ExecutionStarted` and `$$.Execution.RoleArn`; optional in Baton.
    public var roleArn: String?
    /// The execution timeout; `nil` takes the definition's `TimeoutSeconds` (and none means no timeout).
    public var timeoutSeconds: Int?
    /// When the execution started (`$$.Execution.StartTime`).
    public var startDate: Date
    /// The parent execution's task that started this one (`states:startExecution` from a Task state), if any:
    /// the engine reports the start or the end to it. Not visible to the definition.
    public var parent: ParentTask?

    /// The task of a parent execution that started an execution, and what it waits for.
    public struct ParentTask: Sendable, Hashable, Codable {
        /// The parent task's token.
        public var taskToken: String
        /// How the parent waits (`Integration` pattern names: `startExecution`, `sync`, `sync:2`,
        /// `waitForTaskToken`, `aws-sdk`).
        public var pattern: String

        /// Creates the link.
        public init(taskToken: String, pattern: String) {
            self.taskToken = taskToken
            self.pattern = pattern
        }
    }

    /// Creates the facts of a starting execution.
    public init(
        input: JSON,
        executionArn: String,
        executionName: String,
        stateMachineArn: String,
        stateMachineName: String,
        roleArn: String? = nil,
        timeoutSeconds: Int? = nil,
        startDate: Date,
        parent: ParentTask? = nil
    ) {
        self.input = input
        self.executionArn = executionArn
        self.executionName = executionName
        self.stateMachineArn = stateMachineArn
        self.stateMachineName = stateMachineName
        self.roleArn = roleArn
        self.timeoutSeconds = timeoutSeconds
        self.startDate = startDate
        self.parent = parent
    }

    enum CodingKeys: String, CodingKey {
        case input, executionArn, executionName, stateMachineArn, stateMachineName, roleArn, timeoutSeconds
        case startDate, parent
    }

    /// Decodes the facts; the input is stored as JSON text.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        input = try container.decode(JSONText.self, forKey: .input).value
        executionArn = try container.decode(String.self, forKey: .executionArn)
        executionName = try container.decode(String.self, forKey: .executionName)
        stateMachineArn = try container.decode(String.self, forKey: .stateMachineArn)
        stateMachineName = try container.decode(String.self, forKey: .stateMachineName)
        roleArn = try container.decodeIfPresent(String.self, forKey: .roleArn)
        timeoutSeconds = try container.decodeIfPresent(Int.self, forKey: .timeoutSeconds)
        startDate = try container.decode(Date.self, forKey: .startDate)
        parent = try container.decodeIfPresent(ParentTask.self, forKey: .parent)
    }

    /// Encodes the facts; the input as compact JSON text.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(JSONText(input), forKey: .input)
        try container.encode(executionArn, forKey: .executionArn)
        try container.encode(executionName, forKey: .executionName)
        try container.encode(stateMachineArn, forKey: .stateMachineArn)
        try container.encode(stateMachineName, forKey: .stateMachineName)
        try container.encodeIfPresent(roleArn, forKey: .roleArn)
        try container.encodeIfPresent(timeoutSeconds, forKey: .timeoutSeconds)
        try container.encode(startDate, forKey: .startDate)
        try container.encodeIfPresent(parent, forKey: .parent)
    }
}

/// A task's id, unique within its execution; every attempt (each Retry) gets a new one.
///
/// The orchestrator signs tokens over the execution id, this id and the attempt, so a token of an earlier
/// attempt names a task id that is no longer open and is rejected as `taskNotOpen`.
public struct TaskID: RawRepresentable, Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    /// The number, increasing from 1 in the order tasks are scheduled.
    public var rawValue: Int

    /// Wraps a number.
    public init(rawValue: Int) { self.rawValue = rawValue }

    public var description: String { "task-\(rawValue)" }

    public static func < (lhs: TaskID, rhs: TaskID) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A timer's id, unique within its execution.
public struct TimerID: RawRepresentable, Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    /// The number, increasing from 1 in the order timers are started.
    public var rawValue: Int

    /// Wraps a number.
    public init(rawValue: Int) { self.rawValue = rawValue }

    public var description: String { "timer-\(rawValue)" }

    public static func < (lhs: TimerID, rhs: TimerID) -> Bool { lhs.rawValue < rhs.rawValue }
}
