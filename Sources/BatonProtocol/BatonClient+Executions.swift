import Foundation

/// The AWS-shaped commands that drivers of the orchestrator repeat — create a state machine, start an execution,
/// describe it, read its history, wait for its end, answer a task — shared by `baton chaos` and the end-to-end
/// tests.
extension BatonClient {
    /// CreateStateMachine; returns its ARN.
    /// - Parameters:
    ///   - name: the state machine's name.
    ///   - definition: the Amazon States Language JSON.
    ///   - roleArn: the (unchecked) role ARN AWS requires.
    /// - Throws: `RemoteError` for an AWS error reply or a reply without `stateMachineArn`.
    public func createStateMachine(
        _ name: String, definition: String, roleArn: String = "arn:aws:iam::123456789012:role/baton"
    ) async throws -> String {
        let request = Self.object(["name": name, "definition": definition, "roleArn": roleArn])
        return try Self.field("stateMachineArn", of: try await command("CreateStateMachine", request: request))
    }

    /// StartExecution; returns the execution ARN. Idempotent by name and input on the orchestrator's side, so a
    /// caller that got no reply may ask again with the same name.
    /// - Parameters:
    ///   - stateMachine: the state machine's ARN.
    ///   - name: the execution name (default: one the orchestrator picks).
    ///   - input: the input JSON text.
    ///   - timeout: how long to wait for the reply.
    /// - Throws: `RemoteError` for an AWS error reply, `RequestTimeout`, or a reply without `executionArn`.
    public func startExecution(
        _ stateMachine: String, name: String? = nil, input: String = "{}", timeout: Duration = .seconds(30)
    ) async throws -> String {
        var request = ["stateMachineArn": stateMachine, "input": input]
        if let name { request["name"] = name }
        let reply = try await command("StartExecution", request: Self.object(request), timeout: timeout)
        return try Self.field("executionArn", of: reply)
    }

    /// DescribeExecution; returns the response as JSON text.
    /// - Throws: `RemoteError` for an AWS error reply (e.g. `ExecutionDoesNotExist`) or `RequestTimeout`.
    public func describeExecution(_ execution: String) async throws -> String {
        try await command("DescribeExecution", request: Self.object(["executionArn": execution]))
    }

    /// The execution's status (`RUNNING`, `SUCCEEDED`, `FAILED`, `TIMED_OUT`, `ABORTED`).
    /// - Throws: what ``describeExecution(_:)`` throws, or `RemoteError` when the reply has no status.
    public func status(_ execution: String) async throws -> String {
        try Self.field("status", of: try await describeExecution(execution))
    }

    /// Polls DescribeExecution until the execution is no longer RUNNING; returns the last response (JSON text).
    /// - Parameters:
    ///   - execution: the execution's ARN.
    ///   - deadline: how long to wait.
    ///   - interval: the pause between polls.
    /// - Throws: `RemoteError` `ExecutionStillRunning` after the deadline, or what DescribeExecution throws.
    public func waitForEnd(
        describing execution: String, deadline: Duration = .seconds(20), interval: Duration = .milliseconds(50)
    ) async throws -> String {
        let end = ContinuousClock.now.advanced(by: deadline)
        while true {
            let description = try await describeExecution(execution)
            if try Self.field("status", of: description) != "RUNNING" { return description }
            guard ContinuousClock.now < end else {
                throw RemoteError(
                    type: "ExecutionStillRunning", message: "\(execution) still RUNNING after \(deadline)")
            }
            try await Task.sleep(for: interval)
        }
    }

    /// The history's event types, oldest first (at most `maxResults`).
    /// - Throws: `RemoteError` for an AWS error reply or `RequestTimeout`.
    public func historyTypes(_ execution: String, maxResults: Int = 1000) async throws -> [String] {
        let request = "{\"executionArn\":\(Self.quoted(execution)),\"maxResults\":\(maxResults)}"
        let reply = try await command("GetExecutionHistory", request: request)
        let object = try? JSONSerialization.jsonObject(with: Data(reply.utf8)) as? [String: Any]
        return (object?["events"] as? [[String: Any]] ?? []).compactMap { $0["type"] as? String }
    }

    /// SendTaskSuccess; returns the verdict's error type, `nil` when accepted.
    /// - Throws: `RequestTimeout` when no verdict came, or a broker error.
    public func succeed(_ token: String, output: String = "{}") async throws -> String? {
        try await send(Callback(taskToken: token, outcome: .success(output: output))).errorType
    }

    /// SendTaskFailure; returns the verdict's error type, `nil` when accepted.
    /// - Throws: `RequestTimeout` when no verdict came, or a broker error.
    public func fail(_ token: String, error: String, cause: String = "") async throws -> String? {
        try await send(Callback(taskToken: token, outcome: .failure(error: error, cause: cause))).errorType
    }

    /// SendTaskHeartbeat; returns the verdict's error type, `nil` when accepted.
    /// - Throws: `RequestTimeout` when no verdict came, or a broker error.
    public func heartbeat(_ token: String) async throws -> String? {
        try await send(Callback(taskToken: token, outcome: .heartbeat)).errorType
    }

    /// A JSON object of string fields.
    private static func object(_ fields: [String: String]) -> String {
        "{" + fields.sorted { $0.key < $1.key }.map { "\(quoted($0.key)):\(quoted($0.value))" }.joined(separator: ",")
            + "}"
    }

    /// A string field of a JSON object reply.
    private static func field(_ name: String, of reply: String) throws -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(reply.utf8)) as? [String: Any],
            let value = object[name] as? String
        else { throw RemoteError(type: "MalformedReply", message: "no \(name) in the reply: \(reply.prefix(200))") }
        return value
    }
}
