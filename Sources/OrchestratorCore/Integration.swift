import BatonJSON
import BatonProtocol
import Foundation
import StatesLanguage

/// How a Task state's `Resource` is carried out: where its message goes and whether the task then waits for a
/// callback. See docs/integrations.md.
public enum Integration: String, Sendable, Hashable, CaseIterable {
    /// `arn:aws:states:::sqs:sendMessage`: publish `MessageBody`; the task succeeds once the broker confirms.
    case sqs
    /// `arn:aws:states:::sqs:sendMessage.waitForTaskToken`: publish `MessageBody`, wait for a callback.
    case sqsWaitForTaskToken = "sqs.waitForTaskToken"
    /// `arn:aws:states:::lambda:invoke` (or a function ARN): a worker-function runs it and answers.
    case lambda
    /// `arn:aws:states:::lambda:invoke.waitForTaskToken`: invoke, then wait for a callback with the token.
    case lambdaWaitForTaskToken = "lambda.waitForTaskToken"
    /// `arn:aws:states:::baton:startJob.sync`: legacy-system runs the job and reports its end.
    case jobSync = "job.sync"
    /// Any other `arn:<partition>:states:::<service>:<api>.waitForTaskToken` (`sns:publish`, `events:putEvents`,
    /// `ecs:runTask`, `glue:startJobRun`, `batch:submitJob`, `apigateway:invoke`, …): the rendered Parameters go
    /// to a queue named after the service's resource (`ServiceCallback`), then the task waits for its callback.
    case serviceWaitForTaskToken = "service.waitForTaskToken"
    /// `arn:aws:states:::states:startExecution`: start a child execution; the task succeeds once it started
    /// (`NestedExecution`).
    case startExecution = "states.startExecution"
    /// `arn:aws:states:::states:startExecution.sync`: start a child and wait for its end (its description with
    /// `Input` and `Output` as JSON text).
    case startExecutionSync = "states.startExecution.sync"
    /// `arn:aws:states:::states:startExecution.sync:2`: the same, with `Input` and `Output` parsed.
    case startExecutionSync2 = "states.startExecution.sync:2"
    /// `arn:aws:states:::states:startExecution.waitForTaskToken`: start a child, wait for a callback with the token.
    case startExecutionWaitForTaskToken = "states.startExecution.waitForTaskToken"
    /// `arn:aws:states:::aws-sdk:sfn:sendTaskSuccess|sendTaskFailure|sendTaskHeartbeat`: answer another task; the
    /// task succeeds with `{}` once applied, or fails with the API's refusal.
    case sfnSendTask = "aws-sdk:sfn.sendTask"
    /// `arn:aws:states:<region>:<account>:activity:<name>`: the task waits in the activity's durable queue until a
    /// poller takes it with GetActivityTask, then for its callback.
    case activity

    /// The integration of a resource ARN, or `nil` for one Baton does not run.
    public init?(resource: String) {
        switch resource {
        case "arn:aws:states:::sqs:sendMessage": self = .sqs
        case "arn:aws:states:::sqs:sendMessage.waitForTaskToken": self = .sqsWaitForTaskToken
        case "arn:aws:states:::lambda:invoke": self = .lambda
        case "arn:aws:states:::lambda:invoke.waitForTaskToken": self = .lambdaWaitForTaskToken
        case "arn:aws:states:::baton:startJob.sync": self = .jobSync
        default:
            if StatesARN.activityName(resource) != nil {
                self = .activity
                return
            }
            if let nested = NestedExecution.integration(resource) {
                self = nested
                return
            }
            if ServiceCallback(resource: resource) != nil {
                self = .serviceWaitForTaskToken
                return
            }
            guard Self.functionName(fromArn: resource) != nil else { return nil }
            self = .lambda
        }
    }

    /// The message for `Resource` validation at definition time; `nil` when Baton runs the resource.
    public static func validate(resource: String) -> String? {
        guard Integration(resource: resource) == nil else { return nil }
        if let refusal = ServiceCallback.refusal(resource) { return refusal }
        return "unsupported resource '\(resource)'; Baton runs arn:aws:states:::sqs:sendMessage[.waitForTaskToken], "
            + "arn:aws:states:::lambda:invoke[.waitForTaskToken], arn:aws:lambda:<region>:<account>:function:<name>, "
            + "any arn:aws:states:::<service>:<api>.waitForTaskToken, "
            + "arn:aws:states:::states:startExecution[.sync|.sync:2|.waitForTaskToken], "
            + "arn:aws:states:::aws-sdk:sfn:sendTaskSuccess|sendTaskFailure|sendTaskHeartbeat, "
            + "arn:aws:states:<region>:<account>:activity:<name> "
            + "and arn:aws:states:::baton:startJob.sync (see docs/integrations.md)"
    }

    /// Whether the task waits for a callback carrying its token (otherwise it completes when published).
    public var waitsForCallback: Bool { self != .sqs }

    /// Whether the token travels in the `x-baton-task-token` header (the worker answers on Baton's behalf).
    public var tokenInHeader: Bool {
        switch self {
        case .lambda, .jobSync, .startExecution, .startExecutionSync, .startExecutionSync2,
            .startExecutionWaitForTaskToken, .activity:
            true
        default: false
        }
    }

    /// Whether the task starts a child execution (`states:startExecution` in any pattern).
    public var startsExecution: Bool {
        switch self {
        case .startExecution, .startExecutionSync, .startExecutionSync2, .startExecutionWaitForTaskToken: true
        default: false
        }
    }

    /// The function name of `arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]`.
    static func functionName(fromArn arn: String) -> String? {
        let parts = arn.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 7, parts[0] == "arn", parts[2] == "lambda", parts[5] == "function", !parts[6].isEmpty
        else { return nil }
        return String(parts[6])
    }
}

/// A task message ready to publish: queue, body and headers, derived from a `TaskSchedule`.
struct TaskDispatch: Sendable, Hashable {
    var queue: String
    var body: [UInt8]
    var headers: [String: String]
    /// The child execution a `states:startExecution` task starts.
    var child: NestedExecution.Child?
}

extension Integration {
    /// Builds the message for a scheduled task.
    /// - Throws: `StatesError` (`States.Runtime`) when the parameters lack what the integration needs.
    func dispatch(
        _ task: TaskSchedule, names: Names, traceparent: String?, timeScale: Double = 1,
        configuration: OrchestratorConfiguration? = nil
    ) throws(StatesError) -> TaskDispatch {
        let body: JSON
        let queue: String
        var child: NestedExecution.Child?
        var headers: [String: String] = [
            TaskHeaders.integration: rawValue,
            TaskHeaders.stateName: task.stateName,
            TaskHeaders.attempt: String(task.attempt),
        ]
        switch self {
        case .sqs, .sqsWaitForTaskToken:
            guard let url = task.parameters["QueueUrl"]?.stringValue,
                let name = url.split(separator: "/").last.map(String.init), !name.isEmpty
            else {
                throw StatesError(StatesError.Name.runtime, cause: "sqs:sendMessage needs a QueueUrl string parameter")
            }
            guard let messageBody = task.parameters["MessageBody"] else {
                throw StatesError(StatesError.Name.runtime, cause: "sqs:sendMessage needs a MessageBody parameter")
            }
            queue = name
            body = messageBody
        case .lambda, .lambdaWaitForTaskToken:
            if task.resource.hasPrefix("arn:aws:lambda:") {
                // A function ARN as Resource: the effective input is the payload.
                queue = names.functionQueue(Self.functionName(fromArn: task.resource) ?? "")
                body = task.parameters
            } else {
                guard let function = task.parameters["FunctionName"]?.stringValue, !function.isEmpty else {
                    throw StatesError(StatesError.Name.runtime, cause: "lambda:invoke needs a FunctionName parameter")
                }
                queue = names.functionQueue(Self.functionName(fromArn: function) ?? function)
                body = task.parameters["Payload"] ?? .object(JSONObject())
            }
        case .jobSync:
            queue = names.jobQueue
            body = task.parameters
        case .serviceWaitForTaskToken:
            guard let service = ServiceCallback(resource: task.resource) else {
                throw StatesError(StatesError.Name.runtime, cause: "unsupported resource '\(task.resource)'")
            }
            queue = service.queue(for: task.parameters, names: names)
            body = task.parameters
        case .startExecution, .startExecutionSync, .startExecutionSync2, .startExecutionWaitForTaskToken:
            let started = try NestedExecution.child(
                of: task, configuration: configuration ?? OrchestratorConfiguration())
            child = started
            queue = names.commandQueue
            body = .null
            headers[NestedExecution.patternHeader] = rawValue
        case .sfnSendTask:
            queue = names.callbackQueue
            body = .null
            headers[NestedExecution.replyTokenHeader] = task.taskToken
        case .activity:
            // What GetActivityTask answers: the token and the effective input as JSON text.
            queue = names.activityQueue(StatesARN.activityName(task.resource) ?? "")
            body = ["taskToken": .string(task.taskToken), "input": .string(task.parameters.serialized)]
        }
        if tokenInHeader { headers[TaskHeaders.taskToken] = task.taskToken }
        // Workers pace heartbeats in real time: under a time scale the deadlines are sent in real seconds.
        if let timeout = task.timeoutSeconds { headers[TaskHeaders.timeoutSeconds] = Self.seconds(timeout, timeScale) }
        if let heartbeat = task.heartbeatSeconds {
            headers[TaskHeaders.heartbeatSeconds] = Self.seconds(heartbeat, timeScale)
        }
        if let traceparent { headers[TaskHeaders.traceparent] = traceparent }
        // SQS carries a string body as it is; everything else is JSON.
        let bytes: [UInt8] =
            if let child {
                NestedExecution.startCommand(child)
            } else if self == .sfnSendTask {
                try NestedExecution.callback(of: task).encoded()
            } else if case .string(let text) = body, self == .sqs || self == .sqsWaitForTaskToken {
                Array(text.utf8)
            } else {
                Array(body.serialized.utf8)
            }
        return TaskDispatch(queue: queue, body: bytes, headers: headers, child: child)
    }

    /// Workflow seconds as real seconds: the integer itself at scale 1, else a decimal such as `2.5`.
    static func seconds(_ workflowSeconds: Int, _ timeScale: Double) -> String {
        guard timeScale != 1 else { return String(workflowSeconds) }
        return String(Double(workflowSeconds) / timeScale)
    }
}
