import BatonJSON
import ExecutionStore
import Foundation
import Hummingbird
import OrchestratorCore

/// The buttons of an execution's page: Stop, and success or failure for its open task. Each is the API's
/// operation (StopExecution, SendTaskSuccess, SendTaskFailure) through `StepFunctionsOperations`, and answers
/// with a redirect back to the page, which shows the outcome.
extension Console {
    /// `POST /console/execution/stop` with `arn` and an optional `error` and `cause`.
    func stop(_ fields: Fields) async throws -> Response {
        guard let arn = fields["arn"] else { return Self.errorPage(.badRequest, "Which execution? Send arn.") }
        var request: JSONObject = ["executionArn": .string(arn)]
        if let error = fields["error"] { request["error"] = .string(error) }
        if let cause = fields["cause"] { request["cause"] = .string(cause) }
        let message: String
        do {
            _ = try await operations.handle(action: "StopExecution", request: .object(request))
            message = "Stopped."
        } catch {
            message = "Not stopped: \(error.code.name): \(error.message)"
        }
        return Self.redirect(Self.executionLocation(arn, message: message))
    }

    /// `POST /console/execution/callback` with `arn`, `task`, `attempt` and `outcome` (`success` with `output`,
    /// or `failure` with `error` and `cause`): the callback of the task that is open now, with its token.
    func callback(_ fields: Fields) async throws -> Response {
        guard let arn = fields["arn"], let taskID = fields["task"], let attempt = fields["attempt"].flatMap({ Int($0) })
        else {
            return Self.errorPage(.badRequest, "Send arn, task and attempt.")
        }
        guard let record = try await store.execution(arn: arn),
            let task = try await store.openTasks(executionID: record.id).first(where: {
                $0.taskID == taskID && $0.attempt == attempt
            })
        else {
            return Self.redirect(
                Self.executionLocation(arn, message: "Not sent: that task attempt no longer waits for a callback."))
        }
        let token = signer.issue(
            TaskToken(shard: configuration.shard, executionID: record.id, taskID: task.taskID, attempt: task.attempt))
        let action: String
        var request: JSONObject = ["taskToken": .string(token)]
        if fields["outcome"] == "failure" {
            action = "SendTaskFailure"
            if let error = fields["error"] { request["error"] = .string(error) }
            if let cause = fields["cause"] { request["cause"] = .string(cause) }
        } else {
            action = "SendTaskSuccess"
            request["output"] = .string(fields["output"] ?? "{}")
        }
        let message: String
        do {
            _ = try await operations.handle(action: action, request: .object(request))
            message = "\(action) accepted."
        } catch {
            message = "\(action) refused: \(error.code.name): \(error.message)"
        }
        return Self.redirect(Self.executionLocation(arn, message: message))
    }

    static func executionLocation(_ arn: String, message: String) -> String {
        "/console/execution?arn=\(HTML.query(arn))&message=\(HTML.query(message))"
    }
}
