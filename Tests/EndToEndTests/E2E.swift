import BatonBroker
import BatonProtocol
import BatonTestSupport
import Foundation
import StatesLanguage
import Testing

/// Small helpers shared by the end-to-end suites: AWS-shaped commands through `BatonClient`.
extension BatonClient {
    /// CreateStateMachine; returns the ARN.
    func createStateMachine(_ name: String, definition: String) async throws -> String {
        let request: JSON = [
            "name": .string(name), "definition": .string(definition), "roleArn": "arn:aws:iam::123456789012:role/test",
        ]
        let response = try JSON(parsing: try await command("CreateStateMachine", request: request.serialized))
        return try #require(response["stateMachineArn"]?.stringValue)
    }

    /// StartExecution; returns the execution ARN.
    func startExecution(_ machine: String, name: String? = nil, input: String = "{}") async throws -> String {
        var request: JSONObject = ["stateMachineArn": .string(machine), "input": .string(input)]
        if let name { request["name"] = .string(name) }
        let response = try JSON(parsing: try await command("StartExecution", request: JSON.object(request).serialized))
        return try #require(response["executionArn"]?.stringValue)
    }

    /// DescribeExecution.
    func describe(_ execution: String) async throws -> JSON {
        try JSON(
            parsing: try await command(
                "DescribeExecution", request: JSON.object(["executionArn": .string(execution)]).serialized))
    }

    /// The execution's status.
    func status(_ execution: String) async throws -> String {
        try await describe(execution)["status"]?.stringValue ?? "?"
    }

    /// Waits until the execution is no longer RUNNING and returns its description.
    func waitForEnd(_ execution: String, deadline: Duration = .seconds(20)) async throws -> JSON {
        var last: JSON = .null
        try await waitUntil(deadline: deadline, interval: .milliseconds(50), "\(execution) to finish") {
            last = try await describe(execution)
            return last["status"]?.stringValue != "RUNNING"
        }
        return last
    }

    /// The history event types, oldest first.
    func historyTypes(_ execution: String) async throws -> [String] {
        let response = try JSON(
            parsing: try await command(
                "GetExecutionHistory",
                request: JSON.object(["executionArn": .string(execution), "maxResults": 1000]).serialized))
        return (response["events"]?.arrayValue ?? []).compactMap { $0["type"]?.stringValue }
    }

    /// SendTaskSuccess over the broker; returns the verdict's error type, `nil` when accepted.
    func succeed(_ token: String, output: String = "{}") async throws -> String? {
        try await send(Callback(taskToken: token, outcome: .success(output: output))).errorType
    }

    /// SendTaskFailure over the broker.
    func fail(_ token: String, error: String, cause: String = "") async throws -> String? {
        try await send(Callback(taskToken: token, outcome: .failure(error: error, cause: cause))).errorType
    }

    /// SendTaskHeartbeat over the broker.
    func heartbeat(_ token: String) async throws -> String? {
        try await send(Callback(taskToken: token, outcome: .heartbeat)).errorType
    }
}

/// Definitions used across suites.
enum Definitions {
    /// Seed 1: publish to a queue with the token and wait; success → Succeed; timeout → Fail.
    static func waitForCallback(queue: String, timeout: Int = 86_400, heartbeat: Int? = nil, retry: String = "")
        -> String
    {
        let heartbeatField = heartbeat.map { "\"HeartbeatSeconds\": \($0)," } ?? ""
        return """
            {"StartAt": "Wait4Token", "States": {
              "Wait4Token": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/\(queue)",
                               "MessageBody": {"TaskToken.$": "$$.Task.Token", "input.$": "$"}},
                "TimeoutSeconds": \(timeout), \(heartbeatField) \(retry)
                "Catch": [{"ErrorEquals": ["States.Timeout"], "Next": "TimedOut"},
                          {"ErrorEquals": ["States.HeartbeatTimeout"], "Next": "NoHeartbeat"},
                          {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Failed"}],
                "Next": "Done"},
              "Done": {"Type": "Succeed"},
              "TimedOut": {"Type": "Fail", "Error": "CallbackTimeout", "Cause": "no callback in time"},
              "NoHeartbeat": {"Type": "Fail", "Error": "HeartbeatMissed", "Cause": "no heartbeat in time"},
              "Failed": {"Type": "Fail", "Error": "TaskFailed", "Cause": "the worker reported a failure"}
            }}
            """
    }
}

/// Runs `body` in a fresh system with one task queue (`<prefix>.tasks`) read by a `TaskInbox` and a client;
/// everything is shut down afterwards (the scratch files kept when `body` fails).
func withTaskSystem(
    _ label: String, environment: [String: String] = [:],
    _ body: (SystemFixture, BatonClient, TaskInbox, String) async throws -> Void
) async throws {
    let system = try await SystemFixture(label: label, environment: environment)
    try await system.run {
        try await system.withClient { client in
            let queue = "\(system.names.prefix).tasks"
            try await TaskInbox.with(queue, on: system) { inbox in
                try await body(system, client, inbox, queue)
            }
        }
    }
}
