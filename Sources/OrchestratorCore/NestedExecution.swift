import BatonJSON
import BatonProtocol
import ExecutionStore
import Foundation
import StatesLanguage

/// Step Functions calling itself from a Task state, as AWS defines it (docs/integrations.md, "Nested executions"):
///
/// - `arn:aws:states:::states:startExecution` starts a child execution and succeeds with its `ExecutionArn` and
///   `StartDate`; `.sync` and `.sync:2` wait for the child's end and succeed with its DescribeExecution (`Input` and
///   `Output` as JSON text, or parsed with `:2`) or fail with `States.TaskFailed` and that description as the
///   cause; `.waitForTaskToken` starts it and waits for a callback with the token (which the child, or anyone,
///   sends).
/// - `arn:aws:states:::aws-sdk:sfn:sendTaskSuccess|sendTaskFailure|sendTaskHeartbeat` completes another
///   execution's task and succeeds with `{}`, or fails with `Sfn.<Code>Exception` (`Sfn.TaskTimedOutException`,
///   `Sfn.InvalidTokenException`, …) as the API's refusal.
///
/// Both go through the broker like everything else: the child's StartExecution is a command from the parent's
/// outbox to the command queue (so any shard that owns the child's name starts it), carrying the parent task's token
/// in a header; the child reports back with a callback from its own outbox — at its start (`startExecution`) or its
/// end (`.sync`, `.sync:2`) — so a report survives crashes of either side and is applied exactly once. A start that
/// fails answers the parent task with `StepFunctions.<Code>Exception`. A callback sent by `sendTask*` carries the
/// requesting task's token in a header; the orchestrator that applies it answers that task from the same commit.
enum NestedExecution {
    /// Header of a StartExecution command a parent task sent: how the parent waits (an `Integration` raw value).
    /// The parent task's token travels in `TaskHeaders.taskToken`.
    static let patternHeader = "x-baton-parent-pattern"
    /// Header of a callback an `aws-sdk:sfn:sendTask*` task sent: the token of the task to answer.
    static let replyTokenHeader = "x-baton-reply-token"

    /// The integration of a Step Functions resource (`arn:<partition>:states:::states:startExecution…`,
    /// `…:::aws-sdk:sfn:sendTask…`), `nil` for any other.
    static func integration(_ resource: String) -> Integration? {
        let parts = resource.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", !parts[1].isEmpty, parts[2] == "states", parts[3].isEmpty,
            parts[4].isEmpty
        else { return nil }
        switch parts[5] {
        case "states:startExecution": return .startExecution
        case "states:startExecution.sync": return .startExecutionSync
        case "states:startExecution.sync:2": return .startExecutionSync2
        case "states:startExecution.waitForTaskToken": return .startExecutionWaitForTaskToken
        case "aws-sdk:sfn:sendTaskSuccess", "aws-sdk:sfn:sendTaskFailure", "aws-sdk:sfn:sendTaskHeartbeat":
            return .sfnSendTask
        default: return nil
        }
    }

    /// The child a `states:startExecution` task starts, as the orchestrator computes it at scheduling.
    struct Child: Sendable, Hashable {
        var stateMachineArn: String
        var name: String
        var input: String
        var executionArn: String
    }

    /// The child execution a task's rendered Parameters ask for: `StateMachineArn` (required), `Name` (else a name
    /// derived from the task's token, so a republished command names the same child), `Input` (JSON text as it is,
    /// any other JSON value serialized, absent or null `{}`).
    /// - Throws: `StatesError` `StepFunctions.InvalidArnException` / `StepFunctions.InvalidNameException` /
    ///   `States.Runtime`, as the start would fail.
    static func child(of task: TaskSchedule, configuration: OrchestratorConfiguration) throws(StatesError) -> Child {
        guard let arn = task.parameters["StateMachineArn"]?.stringValue else {
            throw StatesError(
                StatesError.Name.runtime, cause: "states:startExecution needs a StateMachineArn string parameter")
        }
        // A version or alias ARN names the same executions as its state machine (`…:stateMachine:name:prod`).
        guard let machineName = StateMachineReference(arn)?.name else {
            throw startError(.invalidArn, "Invalid Arn: '\(arn.prefix(256))'")
        }
        let name: String
        switch task.parameters["Name"] {
        case nil, .null?: name = Integration.uuid("child of " + task.taskToken)
        case .string(let given)?: name = given
        default: throw StatesError(StatesError.Name.runtime, cause: "states:startExecution: Name must be a string")
        }
        do {
            try ResourceName.validate(name, field: "name")
        } catch {
            throw startError(error.code, error.message)
        }
        let input: String
        switch task.parameters["Input"] {
        case nil, .null?: input = "{}"
        case .string(let text)?: input = text
        case let value?: input = value.serialized
        }
        return Child(
            stateMachineArn: arn, name: name, input: input,
            executionArn: configuration.executionArn(stateMachineName: machineName, executionName: name))
    }

    /// The StartExecution command for a child (published to the command queue; no one waits for its reply).
    static func startCommand(_ child: Child) -> [UInt8] {
        let request: JSON = [
            "stateMachineArn": .string(child.stateMachineArn), "name": .string(child.name),
            "input": .string(child.input),
        ]
        return JSON.object(["action": "StartExecution", "request": request]).serializedBytes
    }

    /// The StopExecution command for a `.sync` child whose parent task was cancelled (stopped, timed out, aborted).
    static func stopCommand(executionArn: String) -> [UInt8] {
        let request: JSON = [
            "executionArn": .string(executionArn), "error": "States.Aborted",
            "cause": "the parent execution's task that started it was cancelled",
        ]
        return JSON.object(["action": "StopExecution", "request": request]).serializedBytes
    }

    /// The callback an `aws-sdk:sfn:sendTask*` task publishes, from its Parameters (`TaskToken`; `Output` as JSON
    /// text, another JSON value serialized; `Error`, `Cause`).
    /// - Throws: `StatesError` `Sfn.ValidationException` for parameters the API would refuse.
    static func callback(of task: TaskSchedule) throws(StatesError) -> Callback {
        guard let token = task.parameters["TaskToken"]?.stringValue, Callback.Limits.taskToken.contains(token.count)
        else {
            throw sdkError(
                "ValidationException",
                "1 validation error detected: Value at 'taskToken' failed to satisfy "
                    + "constraint: Member must have length between 1 and 2048")
        }
        let api = task.resource.split(separator: ":").last.map(String.init) ?? ""
        switch api {
        case "sendTaskSuccess":
            let output: String
            switch task.parameters["Output"] {
            case .string(let text)?: output = text
            case nil:
                throw sdkError(
                    "ValidationException",
                    "1 validation error detected: Value null at 'output' failed to "
                        + "satisfy constraint: Member must not be null")
            case let value?: output = value.serialized
            }
            return Callback(taskToken: token, outcome: .success(output: output))
        case "sendTaskFailure":
            let error = task.parameters["Error"]?.stringValue
            let cause = task.parameters["Cause"]?.stringValue
            if let error, !Callback.Limits.error.contains(error.count) {
                throw sdkError("ValidationException", "error must be at most 256 characters")
            }
            if let cause, !Callback.Limits.cause.contains(cause.count) {
                throw sdkError("ValidationException", "cause must be at most 32768 characters")
            }
            return Callback(taskToken: token, outcome: .failure(error: error, cause: cause))
        default:
            return Callback(taskToken: token, outcome: .heartbeat)
        }
    }

    /// What `TaskSubmitted` records for a child start: StartExecution's answer as AWS's SDK returns it.
    static func submitted(_ child: Child, at date: Date, messageID: String) -> JSON {
        var output = Integration.sdkMetadata(messageID: messageID)
        output["ExecutionArn"] = .string(child.executionArn)
        output["StartDate"] = millis(date)
        return .object(output)
    }

    /// The callback a child sends its parent task once it started (`states:startExecution`), or `nil` when the
    /// parent waits for something else.
    static func startedCallback(
        parent: ExecutionStart.ParentTask, executionArn: String, startDate: Date
    ) -> Callback? {
        guard Integration(rawValue: parent.pattern) == .startExecution else { return nil }
        var output = Integration.sdkMetadata(messageID: "start " + executionArn)
        output["ExecutionArn"] = .string(executionArn)
        output["StartDate"] = millis(startDate)
        return Callback(taskToken: parent.taskToken, outcome: .success(output: JSON.object(output).serialized))
    }

    /// The callback a child sends its parent task at its end (`.sync`, `.sync:2`), or `nil` when the parent does
    /// not wait for the end: DescribeExecution's answer as the task's output when it succeeded, else a failure
    /// `States.TaskFailed` with that answer (with `Error` and `Cause`) as the cause.
    static func finishedCallback(
        parent: ExecutionStart.ParentTask, record: ExecutionRecord, status: ExecutionStatus, output: String?,
        error: String?, cause: String?, stopDate: Date
    ) -> Callback? {
        let pattern = Integration(rawValue: parent.pattern)
        guard pattern == .startExecutionSync || pattern == .startExecutionSync2 else { return nil }
        let parsed = pattern == .startExecutionSync2
        func value(_ text: String) -> JSON { parsed ? ((try? JSON(parsing: text)) ?? .string(text)) : .string(text) }
        var description = JSONObject()
        let succeeded = status == .succeeded
        if !succeeded {
            if let cause { description["Cause"] = .string(cause) }
            if let error { description["Error"] = .string(error) }
        }
        description["ExecutionArn"] = .string(record.arn)
        description["Input"] = value(record.input)
        description["InputDetails"] = ["Included": true]
        description["Name"] = .string(record.name)
        if succeeded, let output {
            description["Output"] = value(output)
            description["OutputDetails"] = ["Included": true]
        }
        description["StartDate"] = millis(record.startDate)
        description["StateMachineArn"] = .string(record.stateMachineArn)
        description["Status"] = .string(status.rawValue)
        description["StopDate"] = millis(stopDate)
        if succeeded {
            let text = JSON.object(description).serialized
            guard text.utf8.count <= Callback.Limits.outputBytes else {
                return Callback(
                    taskToken: parent.taskToken,
                    outcome: .failure(
                        error: "States.DataLimitExceeded",
                        cause: "The child execution's description (\(text.utf8.count) bytes) exceeds the maximum "
                            + "number of bytes service limit (\(Callback.Limits.outputBytes))."))
            }
            return Callback(taskToken: parent.taskToken, outcome: .success(output: text))
        }
        // A cause holds at most 32,768 characters: leave the input out first, then shorten the child's cause.
        var text = JSON.object(description).serialized
        if text.count > Callback.Limits.cause.upperBound {
            description["Input"] = nil
            description["InputDetails"] = ["Included": false]
            text = JSON.object(description).serialized
        }
        if text.count > Callback.Limits.cause.upperBound, let cause {
            let excess = text.count - Callback.Limits.cause.upperBound + 64
            description["Cause"] = .string(String(cause.prefix(max(0, cause.count - excess))))
            text = JSON.object(description).serialized
        }
        return Callback(taskToken: parent.taskToken, outcome: .failure(error: "States.TaskFailed", cause: text))
    }

    /// The failure a parent task gets when its child could not start: `StepFunctions.<Code>Exception` with the
    /// API's message in the shape AWS's SDK reports it.
    static func startFailure(parentToken: String, _ error: APIError) -> Callback {
        let failure = startError(error.code, error.message)
        return Callback(taskToken: parentToken, outcome: .failure(error: failure.error, cause: failure.cause))
    }

    /// The answer to the task of an `aws-sdk:sfn:sendTask*` call: `{}` when applied, else the refusal as
    /// `Sfn.<Code>Exception`.
    static func reply(to token: String, refusal: (type: String, message: String)?) -> Callback {
        guard let refusal else { return Callback(taskToken: token, outcome: .success(output: "{}")) }
        let error = sdkError(refusal.type, refusal.message)
        return Callback(taskToken: token, outcome: .failure(error: error.error, cause: error.cause))
    }

    /// A callback as an outbox message to the callback queue (the entry queue: a shard that does not own the token
    /// forwards it).
    static func outboxMessage(_ callback: Callback, names: Names, messageID: String) -> NewOutboxMessage {
        NewOutboxMessage(
            exchange: "", routingKey: names.callbackQueue, body: Data(callback.encoded()),
            headers: [OutboxHeaders.messageID: messageID])
    }

    /// An optimized-integration start error as AWS records it.
    private static func startError(_ code: APIError.Code, _ message: String) -> StatesError {
        StatesError(
            "StepFunctions.\(code.name)Exception",
            cause: "\(message) (Service: AWSStepFunctions; Status Code: \(code.status); Error Code: \(code.name); "
                + "Request ID: \(Integration.uuid(message)); Proxy: null)")
    }

    /// An AWS SDK integration error as AWS records it.
    private static func sdkError(_ type: String, _ message: String) -> StatesError {
        StatesError(
            "Sfn.\(type.hasSuffix("Exception") ? type : type + "Exception")",
            cause: "\(message) (Service: Sfn, Status Code: 400, Request ID: \(Integration.uuid(message)))")
    }

    /// A date as AWS's SDK writes it into a task's result: milliseconds since 1970.
    static func millis(_ date: Date) -> JSON {
        .number((date.timeIntervalSince1970 * 1000).rounded())
    }
}
