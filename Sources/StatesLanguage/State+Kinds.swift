import BatonJSON
import Foundation

/// The fields of a Task state.
public struct TaskState: Sendable, Hashable {
    /// The resource URI (an ARN); validated by the orchestrator's resource hook, not here.
    public var resource: String
    /// `TimeoutSeconds` or `TimeoutSecondsPath`; `nil` means AWS's default (no timeout, bounded by the execution).
    public var timeout: SecondsSetting?
    /// `HeartbeatSeconds` or `HeartbeatSecondsPath`.
    public var heartbeat: SecondsSetting?
    /// The retriers, tried in order.
    public var retry: [Retrier]
    /// The catchers, tried in order after retries are exhausted.
    public var `catch`: [Catcher]
    /// `Credentials` (cross-account role): accepted and stored, not used by Baton.
    public var credentials: JSON?

    /// Creates a Task state's fields.
    public init(
        resource: String,
        timeout: SecondsSetting? = nil,
        heartbeat: SecondsSetting? = nil,
        retry: [Retrier] = [],
        catch: [Catcher] = [],
        credentials: JSON? = nil
    ) {
        self.resource = resource
        self.timeout = timeout
        self.heartbeat = heartbeat
        self.retry = retry
        self.catch = `catch`
        self.credentials = credentials
    }
}

/// The fields of a Pass state.
public struct PassState: Sendable, Hashable {
    /// `Result`: the fixed result to place at ResultPath; `nil` passes the (effective) input through.
    public var result: JSON?

    /// Creates a Pass state's fields.
    public init(result: JSON? = nil) {
        self.result = result
    }
}

/// How long a Wait state waits: exactly one of Seconds, SecondsPath, Timestamp, TimestampPath.
public enum WaitState: Sendable, Hashable {
    case seconds(Int)
    case secondsPath(String)
    /// An RFC 3339 timestamp, as written.
    case timestamp(String)
    case timestampPath(String)
    /// JSONata `Seconds`: a `{% … %}` expression giving a non-negative number.
    case secondsExpression(String)
    /// JSONata `Timestamp`: a `{% … %}` expression giving an RFC 3339 timestamp.
    case timestampExpression(String)
}

/// The fields of a Fail state; `nil` error or cause means the field was not given.
public struct FailState: Sendable, Hashable {
    /// `Error` or `ErrorPath`.
    public var error: StringSetting?
    /// `Cause` or `CausePath`.
    public var cause: StringSetting?

    /// Creates a Fail state's fields.
    public init(error: StringSetting? = nil, cause: StringSetting? = nil) {
        self.error = error
        self.cause = cause
    }
}

/// The fields of a Parallel state.
public struct ParallelState: Sendable, Hashable {
    /// The branches, each a state machine of its own (`version`/`timeoutSeconds` are `nil`).
    public var branches: [StateMachineDefinition]
    /// The retriers, tried in order.
    public var retry: [Retrier]
    /// The catchers, tried in order after retries are exhausted.
    public var `catch`: [Catcher]

    /// Creates a Parallel state's fields.
    public init(branches: [StateMachineDefinition], retry: [Retrier] = [], catch: [Catcher] = []) {
        self.branches = branches
        self.retry = retry
        self.catch = `catch`
    }
}

/// The fields of an inline Map state.
public struct MapState: Sendable, Hashable {
    /// `ItemsPath`: where the array to iterate is; absent means `$`.
    public var itemsPath: PathSetting
    /// `ItemSelector`, or the legacy `Parameters` of a Map state (same meaning): builds each item's input.
    public var itemSelector: JSON?
    /// In a JSONata Map state, `Items`: the array to iterate, or an expression giving it (default: the input).
    public var items: JSON?
    /// `MaxConcurrency` or `MaxConcurrencyPath`; `nil` or `0` means no limit.
    public var maxConcurrency: SecondsSetting?
    /// `ItemProcessor` (or the legacy `Iterator`): the state machine run for each item.
    public var itemProcessor: StateMachineDefinition
    /// The field the definition wrote ``itemProcessor`` under, `ItemProcessor` or the legacy `Iterator`: JSON
    /// pointers into nested states name it.
    public var itemProcessorField = "ItemProcessor"
    /// `ToleratedFailurePercentage` (0...100), parsed and stored; Baton does not apply it yet.
    public var toleratedFailurePercentage: Double?
    /// `ToleratedFailureCount`, parsed and stored; Baton does not apply it yet.
    public var toleratedFailureCount: Int?
    /// The retriers, tried in order.
    public var retry: [Retrier]
    /// The catchers, tried in order after retries are exhausted.
    public var `catch`: [Catcher]

    /// Creates a Map state's fields.
    public init(
        itemsPath: PathSetting = .absent,
        itemSelector: JSON? = nil,
        maxConcurrency: SecondsSetting? = nil,
        itemProcessor: StateMachineDefinition,
        toleratedFailurePercentage: Double? = nil,
        toleratedFailureCount: Int? = nil,
        retry: [Retrier] = [],
        catch: [Catcher] = []
    ) {
        self.itemsPath = itemsPath
        self.itemSelector = itemSelector
        self.maxConcurrency = maxConcurrency
        self.itemProcessor = itemProcessor
        self.toleratedFailurePercentage = toleratedFailurePercentage
        self.toleratedFailureCount = toleratedFailureCount
        self.retry = retry
        self.catch = `catch`
    }
}
