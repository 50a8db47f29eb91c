import BatonJSON
import BatonProtocol
import Crypto
import ExecutionStore
import Foundation
import StatesLanguage

extension Engine {
    /// Applies a callback from the broker or the HTTP API — the same operation through either door.
    /// - Throws: `APIError` — InvalidToken, TaskTimedOut, InvalidOutput, ValidationException, InternalFailure.
    public func apply(_ callback: Callback) async throws(APIError) {
        try await apiTransition(try transition(for: callback))
    }

    /// Applies callbacks that arrived together as one batch (``commit(batch:)``): one store commit for all of them,
    /// their outbox rows published as one burst. Each gets the answer ``apply(_:)`` would give it.
    /// - Returns: per callback, in order, success or its `APIError`.
    public func apply(_ callbacks: [Callback]) async -> [Result<Void, APIError>] {
        await apiBatch(callbacks) { callback throws(APIError) in try transition(for: callback) }
    }

    /// SendTaskSuccess: the task's state continues with `output` (JSON text ≤ 262,144 bytes).
    /// - Throws: `APIError` — InvalidToken, TaskTimedOut, InvalidOutput.
    public func sendTaskSuccess(taskToken: String, output: String) async throws(APIError) {
        try await apiTransition(try successTransition(taskToken: taskToken, output: output))
    }

    /// SendTaskFailure: the task fails with `error` and `cause`, which Retry and Catch match.
    /// - Throws: `APIError` — InvalidToken, TaskTimedOut, ValidationException.
    public func sendTaskFailure(taskToken: String, error: String?, cause: String?) async throws(APIError) {
        try await apiTransition(try failureTransition(taskToken: taskToken, error: error, cause: cause))
    }

    /// SendTaskHeartbeat: resets the task's heartbeat deadline (and nothing else).
    /// - Throws: `APIError` — InvalidToken, TaskTimedOut.
    public func sendTaskHeartbeat(taskToken: String) async throws(APIError) {
        try await apiTransition(try heartbeatTransition(taskToken: taskToken))
    }

    /// The transition a callback makes, once the checks that need no store passed.
    /// - Throws: `APIError` — InvalidToken, InvalidOutput, ValidationException.
    func transition(for callback: Callback) throws(APIError) -> BatchedTransition<Void> {
        let transition =
            switch callback.outcome {
            case .success(let output):
                try successTransition(taskToken: callback.taskToken, output: output, parsed: callback.parsedOutput)
            case .failure(let error, let cause):
                try failureTransition(taskToken: callback.taskToken, error: error, cause: cause)
            case .heartbeat: try heartbeatTransition(taskToken: callback.taskToken)
            }
        guard let replyToken = callback.replyToken else { return transition }
        // Sent by an `aws-sdk:sfn:sendTask*` task: its answer leaves in the same commit as the outcome it reports.
        let names = names
        let messageID = "reply \(TaskTokenSigner.shortID(of: replyToken))"
        return BatchedTransition(executionID: transition.executionID) { context in
            try transition.body(&context)
            try context.enqueue(
                NestedExecution.outboxMessage(
                    NestedExecution.reply(to: replyToken, refusal: nil), names: names, messageID: messageID))
        }
    }

    private func successTransition(taskToken: String, output: String, parsed: JSON? = nil) throws(APIError)
        -> BatchedTransition<Void>
    {
        let token = try verify(taskToken)
        guard output.utf8.count <= Callback.Limits.outputBytes else {
            throw APIError(.invalidOutput, "output of \(output.utf8.count) bytes exceeds the 262144-byte limit")
        }
        let result: JSON
        if let parsed {
            result = parsed
        } else {
            do {
                result = try JSON(parsing: output)
            } catch {
                throw APIError(.invalidOutput, "Invalid Output: '\(error.reason)'")
            }
        }
        return openTaskTransition(token) { context, task in
            let wrapped = Integration.output(result, resource: task.resource)
            try context.run(
                [.taskSucceeded(TaskID(rawValue: Int(task.taskID) ?? -1), output: wrapped, at: context.now)],
                executionID: task.executionID)
        }
    }

    private func failureTransition(taskToken: String, error: String?, cause: String?) throws(APIError)
        -> BatchedTransition<Void>
    {
        let token = try verify(taskToken)
        if let error, error.count > 256 { throw APIError(.validation, "error must be at most 256 characters") }
        if let cause, cause.count > 32_768 { throw APIError(.validation, "cause must be at most 32768 characters") }
        return openTaskTransition(token) { context, task in
            try context.run(
                [
                    .taskFailed(
                        TaskID(rawValue: Int(task.taskID) ?? -1), error: error, cause: cause,
                        at: context.now)
                ],
                executionID: task.executionID)
        }
    }

    private func heartbeatTransition(taskToken: String) throws(APIError) -> BatchedTransition<Void> {
        let token = try verify(taskToken)
        return openTaskTransition(token) { context, task in
            guard let seconds = task.heartbeatSeconds, let number = Int(task.taskID) else { return }
            try context.arm(
                executionID: task.executionID, key: TimerKey.heartbeat(number),
                at: context.engine.clock.deadline(after: Double(seconds), from: context.now))
        }
    }

    /// Completes a plain `sqs:sendMessage` task once the broker confirmed its message (called by the dispatcher).
    func taskPublished(tokenID: String, messageID: String, body: Data, outboxID: Int64) async throws {
        let md5 = Insecure.MD5.hash(data: body).hexString
        _ = try await commit(lane: Engine.executionID(ofTokenID: tokenID)) { context in
            try context.tx.deleteOutbox(ids: [outboxID])
            guard let task = try context.tx.openTask(tokenID: tokenID), let number = Int(task.taskID) else { return }
            let output: JSON = ["MessageId": .string(messageID), "MD5OfMessageBody": .string(md5)]
            do {
                try context.run(
                    [.taskSucceeded(TaskID(rawValue: number), output: output, at: context.now)],
                    executionID: task.executionID)
            } catch is InterpreterRejection {
                // The task closed meanwhile (stopped, timed out): nothing to complete.
            }
        }
    }

    /// A token this orchestrator issued for its own shard.
    /// - Throws: `APIError` InvalidToken (forged, another key, another shard).
    func verify(_ taskToken: String) throws(APIError) -> TaskToken {
        let token: TaskToken
        do {
            token = try signer.verify(taskToken)
        } catch {
            throw APIError(.invalidToken, "Invalid Token: '\(error.message)'")
        }
        guard token.shard == configuration.shard else {
            throw APIError(.invalidToken, "Invalid Token: 'the token belongs to shard \(token.shard)'")
        }
        return token
    }

    /// The transition that runs `body` for the open task a verified token names; a closed task (or an earlier
    /// attempt's token) answers TaskTimedOut and changes nothing.
    private func openTaskTransition(
        _ token: TaskToken, _ body: @escaping @Sendable (inout TransitionContext, OpenTask) throws -> Void
    ) -> BatchedTransition<Void> {
        let tokenID = Engine.tokenID(executionID: token.executionID, taskID: token.taskID)
        return BatchedTransition(executionID: token.executionID) { context in
            guard let task = try context.tx.openTask(tokenID: tokenID), task.attempt == token.attempt else {
                throw APIError(.taskTimedOut, "Task Timed Out: 'Provided task does not exist anymore'")
            }
            try body(&context, task)
        }
    }
}

extension Integration {
    /// The state result for a callback's output: the request-response Lambda integration wraps the function's
    /// result as AWS does; every other integration passes it through.
    static func output(_ result: JSON, resource: String) -> JSON {
        guard resource == "arn:aws:states:::lambda:invoke" else { return result }
        return ["ExecutedVersion": "$LATEST", "Payload": result, "StatusCode": 200]
    }
}
