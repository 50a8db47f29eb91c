import BatonJSON
import Foundation

/// The details of a history event; which case goes with which `HistoryEventType` follows the API.
public enum HistoryEventDetails: Sendable, Hashable {
    /// `executionStartedEventDetails`.
    case executionStarted(ExecutionStartedEventDetails)
    /// `executionSucceededEventDetails`.
    case executionSucceeded(ExecutionDataDetails)
    /// `executionFailedEventDetails`, `executionTimedOutEventDetails`, `executionAbortedEventDetails`.
    case executionError(ErrorEventDetails)
    /// `stateEnteredEventDetails` of every `…StateEntered`.
    case stateEntered(StateEventDetails)
    /// `stateExitedEventDetails` of every `…StateExited`.
    case stateExited(StateEventDetails)
    /// `taskScheduledEventDetails`, `taskStartedEventDetails`, `taskSubmittedEventDetails`,
    /// `taskSucceededEventDetails`, `taskFailedEventDetails`, `taskTimedOutEventDetails`.
    case task(TaskEventDetails)
    /// `mapStateStartedEventDetails`.
    case mapStateStarted(MapStateStartedEventDetails)
    /// `mapIterationStartedEventDetails`, `…SucceededEventDetails`, `…FailedEventDetails`, `…AbortedEventDetails`.
    case mapIteration(MapIterationEventDetails)
    /// `evaluationFailedEventDetails`.
    case evaluationFailed(EvaluationFailedEventDetails)
    /// `activityScheduledEventDetails`, `activityStartedEventDetails`, `activitySucceededEventDetails`,
    /// `activityFailedEventDetails`, `activityTimedOutEventDetails`.
    case activity(ActivityEventDetails)
    /// `executionRedrivenEventDetails`.
    case executionRedriven(ExecutionRedrivenEventDetails)
}

/// `ExecutionRedrivenEventDetails`: how many times the execution has been redriven, this redrive included.
public struct ExecutionRedrivenEventDetails: Sendable, Hashable, Codable {
    /// The execution's redrive count after this redrive (1 for the first).
    public var redriveCount: Int

    /// Creates the details.
    public init(redriveCount: Int) { self.redriveCount = redriveCount }
}

/// The details of the `Activity…` events of a Task state whose `Resource` is an activity ARN (AWS records these
/// instead of the `Task…` events): each event fills the members AWS gives it.
public struct ActivityEventDetails: Sendable, Hashable, Codable {
    /// `ActivityScheduled`: the activity's ARN.
    public var resource: String?
    /// `ActivityScheduled`: the task's input (the effective input, after Parameters) as JSON text.
    public var input: String?
    /// `ActivityScheduled`: whether `input` was truncated.
    public var inputDetails: DataTruncation?
    /// `ActivityScheduled`: TimeoutSeconds, when the state has one.
    public var timeoutInSeconds: Int?
    /// `ActivityScheduled`: HeartbeatSeconds, when the state has one.
    public var heartbeatInSeconds: Int?
    /// `ActivityStarted`: the `workerName` the poller gave GetActivityTask.
    public var workerName: String?
    /// `ActivitySucceeded`: the output as JSON text.
    public var output: String?
    /// `ActivitySucceeded`: whether `output` was truncated.
    public var outputDetails: DataTruncation?
    /// `ActivityFailed`, `ActivityTimedOut`: the error name.
    public var error: String?
    /// `ActivityFailed`, `ActivityTimedOut`: the cause.
    public var cause: String?

    /// Creates the details; every member is optional.
    public init(
        resource: String? = nil, input: String? = nil, inputDetails: DataTruncation? = nil,
        timeoutInSeconds: Int? = nil, heartbeatInSeconds: Int? = nil, workerName: String? = nil,
        output: String? = nil, outputDetails: DataTruncation? = nil, error: String? = nil, cause: String? = nil
    ) {
        self.resource = resource
        self.input = input
        self.inputDetails = inputDetails
        self.timeoutInSeconds = timeoutInSeconds
        self.heartbeatInSeconds = heartbeatInSeconds
        self.workerName = workerName
        self.output = output
        self.outputDetails = outputDetails
        self.error = error
        self.cause = cause
    }

    /// Whether a Task state's `Resource` is an activity ARN (`arn:<partition>:states:<region>:<account>:activity:<name>`).
    public static func isActivity(_ resource: String) -> Bool {
        let parts = resource.split(separator: ":", omittingEmptySubsequences: false)
        return parts.count == 7 && parts[0] == "arn" && parts[2] == "states" && parts[5] == "activity"
            && !parts[6].isEmpty
    }
}

/// `EvaluationFailedEventDetails`: a JSONata expression of a state failed (States.QueryEvaluationError). AWS
/// records it before the state's failure is handled.
public struct EvaluationFailedEventDetails: Sendable, Hashable, Codable {
    /// The error name, `States.QueryEvaluationError`.
    public var error: String
    /// The cause, naming the state, the expression and the field.
    public var cause: String
    /// The field whose expression failed, e.g. `Output/result`; absent when the failure is not an expression's.
    public var location: String?
    /// The state's name.
    public var state: String

    /// Creates the details.
    public init(error: String, cause: String, location: String?, state: String) {
        self.error = error
        self.cause = cause
        self.location = location
        self.state = state
    }
}

/// `HistoryEventExecutionDataDetails`: whether input or output was truncated (never, in Baton).
public struct DataTruncation: Sendable, Hashable, Codable {
    /// Whether the data was truncated.
    public var truncated: Bool

    /// Creates the flag.
    public init(truncated: Bool = false) { self.truncated = truncated }
}

/// `ExecutionStartedEventDetails`.
public struct ExecutionStartedEventDetails: Sendable, Hashable, Codable {
    /// The execution input as JSON text.
    public var input: String?
    /// Whether `input` was truncated.
    public var inputDetails: DataTruncation?
    /// The execution role, when known.
    public var roleArn: String?

    /// Creates the details.
    public init(input: String?, inputDetails: DataTruncation? = DataTruncation(), roleArn: String? = nil) {
        self.input = input
        self.inputDetails = inputDetails
        self.roleArn = roleArn
    }
}

/// `ExecutionSucceededEventDetails`: the output as JSON text.
public struct ExecutionDataDetails: Sendable, Hashable, Codable {
    /// The output as JSON text.
    public var output: String?
    /// Whether `output` was truncated.
    public var outputDetails: DataTruncation?

    /// Creates the details.
    public init(output: String?, outputDetails: DataTruncation? = DataTruncation()) {
        self.output = output
        self.outputDetails = outputDetails
    }
}

/// The `error`/`cause` pair of ExecutionFailed, ExecutionTimedOut and ExecutionAborted.
public struct ErrorEventDetails: Sendable, Hashable, Codable {
    /// The error name.
    public var error: String?
    /// The cause.
    public var cause: String?

    /// Creates the details.
    public init(error: String?, cause: String?) {
        self.error = error
        self.cause = cause
    }
}

/// `StateEnteredEventDetails` / `StateExitedEventDetails`: the state name and its input or output.
public struct StateEventDetails: Sendable, Hashable, Codable {
    /// The state name.
    public var name: String
    /// The state input (entered) as JSON text.
    public var input: String?
    /// Whether `input` was truncated.
    public var inputDetails: DataTruncation?
    /// The state output (exited) as JSON text.
    public var output: String?
    /// Whether `output` was truncated.
    public var outputDetails: DataTruncation?
    /// The variables the state assigned (exited), each as JSON text, as AWS records them.
    public var assignedVariables: [String: String]?
    /// Whether `assignedVariables` was truncated.
    public var assignedVariablesDetails: DataTruncation?

    /// Details of a state entry.
    public static func entered(_ name: String, input: JSON) -> StateEventDetails {
        StateEventDetails(name: name, input: input.serialized, inputDetails: DataTruncation())
    }

    /// Details of a state exit.
    public static func exited(_ name: String, output: JSON) -> StateEventDetails {
        StateEventDetails(name: name, output: output.serialized, outputDetails: DataTruncation())
    }

    /// Creates the details.
    public init(
        name: String,
        input: String? = nil,
        inputDetails: DataTruncation? = nil,
        output: String? = nil,
        outputDetails: DataTruncation? = nil
    ) {
        self.name = name
        self.input = input
        self.inputDetails = inputDetails
        self.output = output
        self.outputDetails = outputDetails
    }
}

/// The details of the `Task…` events: the resource split as AWS splits it, plus what the type carries.
///
/// `resourceType`/`resource` come from the Resource ARN: `arn:aws:states:::sqs:sendMessage.waitForTaskToken`
/// gives `sqs` and `sendMessage.waitForTaskToken`; a Lambda function ARN gives `lambda` and `invoke`
/// (see `TaskEventDetails.split(resource:)`).
public struct TaskEventDetails: Sendable, Hashable, Codable {
    /// The service, e.g. `sqs`.
    public var resourceType: String
    /// The action and integration pattern, e.g. `sendMessage.waitForTaskToken`.
    public var resource: String
    /// The region (TaskScheduled only).
    public var region: String?
    /// The effective parameters as JSON text (TaskScheduled only).
    public var parameters: String?
    /// TimeoutSeconds (TaskScheduled only).
    public var timeoutInSeconds: Int?
    /// HeartbeatSeconds (TaskScheduled only).
    public var heartbeatInSeconds: Int?
    /// The result or submission response as JSON text (TaskSubmitted, TaskSucceeded).
    public var output: String?
    /// Whether `output` was truncated.
    public var outputDetails: DataTruncation?
    /// The error name (TaskFailed, TaskTimedOut).
    public var error: String?
    /// The cause (TaskFailed, TaskTimedOut).
    public var cause: String?

    /// Creates the details.
    public init(
        resourceType: String,
        resource: String,
        region: String? = nil,
        parameters: String? = nil,
        timeoutInSeconds: Int? = nil,
        heartbeatInSeconds: Int? = nil,
        output: String? = nil,
        outputDetails: DataTruncation? = nil,
        error: String? = nil,
        cause: String? = nil
    ) {
        self.resourceType = resourceType
        self.resource = resource
        self.region = region
        self.parameters = parameters
        self.timeoutInSeconds = timeoutInSeconds
        self.heartbeatInSeconds = heartbeatInSeconds
        self.output = output
        self.outputDetails = outputDetails
        self.error = error
        self.cause = cause
    }

    /// Splits a Resource ARN into AWS's `resourceType` and `resource`.
    ///
    /// `arn:aws:states:::sqs:sendMessage.waitForTaskToken` → (`sqs`, `sendMessage.waitForTaskToken`);
    /// `arn:aws:states:::aws-sdk:ecs:runTask` → (`aws-sdk:ecs`, `runTask`);
    /// `arn:aws:lambda:us-east-1:123:function:f` → (`lambda`, `invoke`); an activity ARN → (`activity`, its name);
    /// anything else → the ARN's service and the rest after it.
    public static func split(resource arn: String) -> (resourceType: String, resource: String) {
        let parts = arn.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 6, parts[0] == "arn" else { return ("unknown", arn) }
        if parts[2] == "states", parts[5] == "activity" {
            return ("activity", parts.dropFirst(6).joined(separator: ":"))
        }
        if parts[2] == "states", parts[3].isEmpty, parts[4].isEmpty {
            // `arn:aws:states:::aws-sdk:sfn:sendTaskSuccess` → (`aws-sdk:sfn`, `sendTaskSuccess`), as AWS records it.
            if parts[5] == "aws-sdk", parts.count >= 8 {
                return ("aws-sdk:\(parts[6])", parts.dropFirst(7).joined(separator: ":"))
            }
            return (parts[5], parts.dropFirst(6).joined(separator: ":"))
        }
        if parts[2] == "lambda" { return ("lambda", "invoke") }
        return (parts[2], parts.dropFirst(5).joined(separator: ":"))
    }
}

/// `MapStateStartedEventDetails`: the number of items.
public struct MapStateStartedEventDetails: Sendable, Hashable, Codable {
    /// The number of items to iterate.
    public var length: Int

    /// Creates the details.
    public init(length: Int) { self.length = length }
}

/// `MapIterationEventDetails`: the Map state's name and the item index.
public struct MapIterationEventDetails: Sendable, Hashable, Codable {
    /// The Map state's name.
    public var name: String
    /// The item index.
    public var index: Int

    /// Creates the details.
    public init(name: String, index: Int) {
        self.name = name
        self.index = index
    }
}
