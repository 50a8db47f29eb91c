import BatonJSON
import Foundation

/// One entry of an execution's history, shaped exactly as GetExecutionHistory returns it.
///
/// Encoding produces the API's JSON: `id`, `previousEventId`, `timestamp`, `type` and one `…EventDetails` member
/// named after the type (`stateEnteredEventDetails` for every `…StateEntered`, `taskScheduledEventDetails`…).
/// Inputs, outputs and parameters are JSON *text*, as in the API. `timestamp` is a `Date`; the HTTP layer renders
/// it as epoch seconds.
///
/// Ids increase from 1. `previousEventId` follows AWS: `ExecutionStarted` and the first state's entry have 0;
/// otherwise it is the previous event of the same scope (a Parallel branch or a Map iteration chains from its
/// `ParallelStateStarted` / `MapIterationStarted`, and the event closing a Parallel or Map follows the latest
/// event of its branches).
public struct HistoryEvent: Sendable, Hashable {
    /// The event's id, from 1.
    public var id: Int
    /// The id of the event this one follows, 0 for none.
    public var previousEventId: Int
    /// When it happened (the `at` of the event that caused it).
    public var timestamp: Date
    /// The event type, with AWS's name.
    public var type: HistoryEventType
    /// The type's details, `nil` for types that have none (`ParallelStateStarted`, `MapStateSucceeded`…).
    public var details: HistoryEventDetails?

    /// Creates an event.
    public init(
        id: Int,
        previousEventId: Int,
        timestamp: Date,
        type: HistoryEventType,
        details: HistoryEventDetails? = nil
    ) {
        self.id = id
        self.previousEventId = previousEventId
        self.timestamp = timestamp
        self.type = type
        self.details = details
    }
}

/// The history event types Baton records, with AWS's names (a subset of the API's `HistoryEventType`).
public enum HistoryEventType: String, Sendable, Hashable, Codable, CaseIterable {
    case executionStarted = "ExecutionStarted"
    case executionSucceeded = "ExecutionSucceeded"
    case executionFailed = "ExecutionFailed"
    case executionTimedOut = "ExecutionTimedOut"
    case executionAborted = "ExecutionAborted"
    case executionRedriven = "ExecutionRedriven"
    case taskStateEntered = "TaskStateEntered"
    case taskScheduled = "TaskScheduled"
    case taskStarted = "TaskStarted"
    case taskSubmitted = "TaskSubmitted"
    case taskSucceeded = "TaskSucceeded"
    case taskFailed = "TaskFailed"
    case taskTimedOut = "TaskTimedOut"
    case taskStateExited = "TaskStateExited"
    case taskStateAborted = "TaskStateAborted"
    case activityScheduled = "ActivityScheduled"
    case activityStarted = "ActivityStarted"
    case activitySucceeded = "ActivitySucceeded"
    case activityFailed = "ActivityFailed"
    case activityTimedOut = "ActivityTimedOut"
    case passStateEntered = "PassStateEntered"
    case passStateExited = "PassStateExited"
    case choiceStateEntered = "ChoiceStateEntered"
    case choiceStateExited = "ChoiceStateExited"
    case waitStateEntered = "WaitStateEntered"
    case waitStateExited = "WaitStateExited"
    case waitStateAborted = "WaitStateAborted"
    case succeedStateEntered = "SucceedStateEntered"
    case succeedStateExited = "SucceedStateExited"
    case failStateEntered = "FailStateEntered"
    case parallelStateEntered = "ParallelStateEntered"
    case parallelStateStarted = "ParallelStateStarted"
    case parallelStateSucceeded = "ParallelStateSucceeded"
    case parallelStateFailed = "ParallelStateFailed"
    case parallelStateAborted = "ParallelStateAborted"
    case parallelStateExited = "ParallelStateExited"
    case mapStateEntered = "MapStateEntered"
    case mapStateStarted = "MapStateStarted"
    case mapStateSucceeded = "MapStateSucceeded"
    case mapStateFailed = "MapStateFailed"
    case mapStateAborted = "MapStateAborted"
    case mapStateExited = "MapStateExited"
    case mapIterationStarted = "MapIterationStarted"
    case mapIterationSucceeded = "MapIterationSucceeded"
    case mapIterationFailed = "MapIterationFailed"
    case mapIterationAborted = "MapIterationAborted"
    case evaluationFailed = "EvaluationFailed"

    /// The name of the member holding this type's details, e.g. `stateEnteredEventDetails` for
    /// `TaskStateEntered`; `nil` for types without details.
    public var detailsKey: String? {
        switch self {
        case .parallelStateStarted, .parallelStateSucceeded, .parallelStateFailed, .parallelStateAborted,
            .mapStateSucceeded, .mapStateFailed, .mapStateAborted, .taskStateAborted, .waitStateAborted:
            return nil
        default: break
        }
        if rawValue.hasSuffix("StateEntered") { return "stateEnteredEventDetails" }
        if rawValue.hasSuffix("StateExited") { return "stateExitedEventDetails" }
        return rawValue.prefix(1).lowercased() + rawValue.dropFirst() + "EventDetails"
    }

    /// The `…StateEntered` type of a state kind.
    static func entered(_ kind: State.Kind) -> HistoryEventType {
        switch kind {
        case .task: .taskStateEntered
        case .pass: .passStateEntered
        case .choice: .choiceStateEntered
        case .wait: .waitStateEntered
        case .succeed: .succeedStateEntered
        case .fail: .failStateEntered
        case .parallel: .parallelStateEntered
        case .map: .mapStateEntered
        }
    }

    /// The `…StateExited` type of a state kind (`nil` for Fail, which has none).
    static func exited(_ kind: State.Kind) -> HistoryEventType? {
        switch kind {
        case .task: .taskStateExited
        case .pass: .passStateExited
        case .choice: .choiceStateExited
        case .wait: .waitStateExited
        case .succeed: .succeedStateExited
        case .fail: nil
        case .parallel: .parallelStateExited
        case .map: .mapStateExited
        }
    }
}
