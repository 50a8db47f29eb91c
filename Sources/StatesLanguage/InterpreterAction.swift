import BatonJSON
import Foundation

/// What the orchestrator must do after the interpreter handled an event; it performs all of one event's actions
/// in one transaction, in order.
///
/// Timers: the interpreter starts and cancels its own timers (Wait states, Retry backoff, the execution timeout)
/// with `startTimer`/`cancelTimer` and learns they fired from `ExecutionEvent.timerFired`. Task deadlines are
/// different: the orchestrator arms `TimeoutSeconds` and `HeartbeatSeconds` itself from the `TaskSchedule`
/// (heartbeats reset the heartbeat deadline without involving the interpreter) and reports expiry as
/// `.taskTimedOut`/`.heartbeatTimedOut`; `closeTask` disarms them.
public enum InterpreterAction: Sendable, Hashable {
    /// Append these history events (ids are consecutive and continue the execution's history).
    case appendHistory([HistoryEvent])
    /// Start the task: publish it to its integration, issue its token, arm its deadlines.
    case scheduleTask(TaskSchedule)
    /// The task is over (completed, failed, timed out, or abandoned by a failing branch, a stop, a timeout):
    /// close its token (later callbacks get `TaskTimedOut`) and disarm its deadlines.
    case closeTask(TaskID)
    /// Arm a timer; deliver `ExecutionEvent.timerFired(id, at:)` at or after `fireAt`.
    case startTimer(TimerRequest)
    /// Disarm a timer that has not fired (or ignore, if it already fired).
    case cancelTimer(TimerID)
    /// The execution reached a terminal status; no further event will be accepted.
    case finish(ExecutionOutcome)
}

/// A task to start, fully resolved.
public struct TaskSchedule: Sendable, Hashable {
    /// The task's id, unique in the execution; a Retry gets a new id.
    public var taskId: TaskID
    /// The attempt number: 0 for the first try, then 1, 2… for each Retry of the same state entry.
    public var attempt: Int
    /// The Task state's name.
    public var stateName: String
    /// Where the state runs: empty at the top level, else the Parallel branches / Map iterations around it.
    public var scope: ScopePath
    /// The `Resource` ARN as written, e.g. `arn:aws:states:::sqs:sendMessage.waitForTaskToken`.
    public var resource: String
    /// The effective parameters (after InputPath and Parameters); `$$.Task.Token` is already the real token.
    public var parameters: JSON
    /// The task token the interpreter obtained from `InterpreterConfiguration.taskToken` for this attempt.
    public var taskToken: String
    /// TimeoutSeconds, literal or resolved from TimeoutSecondsPath; `nil` means no task timeout.
    public var timeoutSeconds: Int?
    /// HeartbeatSeconds, literal or resolved from HeartbeatSecondsPath; `nil` means no heartbeat deadline.
    public var heartbeatSeconds: Int?

    /// Creates a schedule.
    public init(
        taskId: TaskID,
        attempt: Int,
        stateName: String,
        scope: ScopePath,
        resource: String,
        parameters: JSON,
        taskToken: String,
        timeoutSeconds: Int?,
        heartbeatSeconds: Int?
    ) {
        self.taskId = taskId
        self.attempt = attempt
        self.stateName = stateName
        self.scope = scope
        self.resource = resource
        self.parameters = parameters
        self.taskToken = taskToken
        self.timeoutSeconds = timeoutSeconds
        self.heartbeatSeconds = heartbeatSeconds
    }
}

/// A timer to arm.
public struct TimerRequest: Sendable, Hashable {
    /// The timer's id, unique in the execution.
    public var timerId: TimerID
    /// When it should fire.
    public var fireAt: Date
    /// Why it exists (for logs, metrics and the store; the interpreter keeps its own record).
    public var purpose: TimerPurpose

    /// Creates a timer request.
    public init(timerId: TimerID, fireAt: Date, purpose: TimerPurpose) {
        self.timerId = timerId
        self.fireAt = fireAt
        self.purpose = purpose
    }
}

/// Why the interpreter armed a timer.
public enum TimerPurpose: String, Sendable, Hashable, Codable {
    /// A Wait state's delay.
    case wait
    /// The backoff before a Retry of a Task, Parallel or Map state.
    case retryBackoff
    /// The execution's `TimeoutSeconds`.
    case executionTimeout
}

/// How an execution ended.
public enum ExecutionOutcome: Sendable, Hashable {
    /// `SUCCEEDED` with the execution output.
    case succeeded(output: JSON)
    /// `FAILED` with the error and cause (empty strings when a Fail state gave none).
    case failed(error: String?, cause: String?)
    /// `TIMED_OUT`: the execution's TimeoutSeconds elapsed.
    case timedOut(error: String?, cause: String?)
    /// `ABORTED`: StopExecution.
    case aborted(error: String?, cause: String?)

    /// The status name DescribeExecution reports.
    public var status: ExecutionStatus {
        switch self {
        case .succeeded: .succeeded
        case .failed: .failed
        case .timedOut: .timedOut
        case .aborted: .aborted
        }
    }
}

/// The status of an execution, spelled as AWS Step Functions spells it (DescribeExecution's names): the one status
/// type of the interpreter, the store and the engine.
public enum ExecutionStatus: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// Started and not finished.
    case running = "RUNNING"
    /// Finished with an output.
    case succeeded = "SUCCEEDED"
    /// Finished with an error and cause.
    case failed = "FAILED"
    /// The execution's own TimeoutSeconds elapsed.
    case timedOut = "TIMED_OUT"
    /// Stopped by StopExecution.
    case aborted = "ABORTED"

    /// Whether the execution has finished (every status except ``running``).
    public var isTerminal: Bool { self != .running }

    /// The AWS name, e.g. `TIMED_OUT`.
    public var description: String { rawValue }
}
