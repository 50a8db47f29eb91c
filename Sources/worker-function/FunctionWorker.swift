import BatonJSON
import BatonProtocol
import Foundation
import Logging
import WorkerKit

/// Serves one function: runs it per task under the fault knobs or the script, and calls back.
///
/// Which token it answers with: the `x-baton-task-token` header (request-response `lambda:invoke`); otherwise,
/// for `.waitForTaskToken` tasks, the token in the body — for the `callback` function, with the `body-token`
/// knob, or when the script has an outcome for the task. Without a token the result goes nowhere, as with an
/// AWS Lambda that does not call back. The delivery is acked once the callback publish is confirmed (or once it
/// is decided that there will be no callback).
struct FunctionWorker: Sendable {
    let function: BuiltinFunction
    let knobs: FaultKnobs
    let script: OutcomeScript?
    let seed: UInt64
    let callbacks: CallbackClient
    let logger: Logger
    /// Adds `"batonStamps": {"receivedAt", "answeredAt"}` (epoch seconds) to object outputs, for `baton loadtest`.
    var stamps = false
    /// The broker the tasks come from (the fast path acks them together).
    let bus: any MessageBus

    /// The fast path for tasks that arrived together and need nothing but an answer — no fault drawn, no script,
    /// no heartbeats, a function that answers at once, callbacks nobody waits for (`--callback-replies errors`):
    /// each body is parsed once, the callbacks go out as one burst, and the tasks whose callbacks the broker
    /// confirmed are acked with one command (a task whose callback was refused goes back to its queue). Returns
    /// the tasks left to ``handle(_:)``.
    func handle(batch tasks: [IncomingTask]) -> [IncomingTask] {
        guard callbacks.repliesAreUnawaited, script == nil, function != .sleep, knobs.heartbeatInterval == nil else {
            return tasks
        }
        var rest: [IncomingTask] = []
        var answered: [IncomingTask] = []
        var outgoing: [(callback: Callback, traceparent: String?)] = []
        var durations: [Duration] = []
        for task in tasks {
            let started = ContinuousClock.now
            let receivedAt = stamps ? Date() : Date.distantPast
            var random = SeededRandom(seed: seed, task: task)
            let value = TaskBody.value(task.body)
            let object = TaskBody.object(value)
            let token =
                task.headerToken
                ?? ((function == .callback || knobs.bodyToken) ? object.flatMap(TaskTokenLocator.token(in:)) : nil)
            guard knobs.decide(using: &random) == FaultDecision(), let token,
                let result = function.answer(value: value, object: object ?? JSONObject())
            else {
                rest.append(task)
                continue
            }
            let answer = stamps ? result.stamped(receivedAt: receivedAt, answeredAt: Date()) : result
            outgoing.append(
                (
                    Callback(taskToken: token, outcome: answer.outcome),
                    TraceContext.forwardable(task.header(TraceContext.header))
                ))
            answered.append(task)
            durations.append(ContinuousClock.now - started)
        }
        guard !answered.isEmpty else { return rest }
        WorkerMetrics.tasksAnswered(queue: answered[0].queue, durations: durations)
        callbacks.publishUnawaited(outgoing) { [bus, logger, answered] taken in
            let confirmed = zip(answered, taken).filter { $0.1 }.map(\.0)
            do {
                try IncomingTask.ack(confirmed, on: bus)
            } catch {
                logger.notice("task deliveries lost with their connection; the broker redelivers them")
            }
            for (task, taken) in zip(answered, taken) where !taken { task.requeueWithoutWaiting() }
        }
        return rest
    }

    func handle(_ task: IncomingTask) async throws {
        let receivedAt = Date()
        var random = SeededRandom(seed: seed, task: task)
        var decision = knobs.decide(using: &random)
        let scripted = script?.outcome(state: task.stateName, attempt: task.attempt)
        if scripted != nil {
            // A script decides the outcome; only the latency knob still applies.
            decision = FaultDecision(latency: decision.latency)
        }
        let token: String? =
            task.headerToken ?? ((function == .callback || knobs.bodyToken || scripted != nil) ? task.bodyToken : nil)
        var logger = self.logger
        logger[metadataKey: "function"] = "\(function.rawValue)"
        logger[metadataKey: "task.id"] = "\(task.logID)"
        if let token { logger[metadataKey: "token.id"] = "\(CallbackClient.shortID(token))" }
        logger.debug(
            "task received",
            metadata: ["attempt": "\(task.attempt ?? 0)", "redelivered": "\(task.delivery.redelivered)"])

        let work = { () async throws -> FunctionResult in
            if decision.latency > .zero { try await Task.sleep(for: decision.latency) }
            switch scripted {
            case .succeed(let output)?: return .success(output: output)
            case .fail(let error, let cause)?: return .failure(error: error, cause: cause)
            default: break
            }
            if decision.fail {
                return .failure(error: knobs.failureError, cause: "injected by worker-function (failure-rate)")
            }
            return try await function.run(body: task.body)
        }
        let result: FunctionResult
        if let token {
            result = try await callbacks.withHeartbeats(token: token, every: knobs.heartbeatInterval, work)
        } else {
            result = try await work()
        }

        if decision.crash || scripted == .crash {
            ProcessFault.crash("crash before callback", logger: logger)
        }
        guard let token else {
            logger.info("task done; no token to call back with")
            return
        }
        if decision.neverCallBack || scripted == .noCallback {
            logger.info("task done; never calling back (fault injection)")
            return
        }
        if let late = decision.lateBy {
            logger.info("calling back late (fault injection)", metadata: ["delay": "\(late)"])
            try await Task.sleep(for: late)
        }
        let answered = stamps ? result.stamped(receivedAt: receivedAt, answeredAt: Date()) : result
        let callback = Callback(taskToken: token, outcome: answered.outcome)
        var pending = [try await callbacks.publish(callback)]
        do {
            try await task.settle(.ack)
        } catch {
            // The delivery came on a connection lost since (a partition, a broker restart): the broker has already
            // requeued it. The callback went out on the new connection, so its verdict is still worth reading.
            logger.notice("task delivery lost with its connection; reading the callback's verdict anyway")
        }
        if decision.duplicate {
            logger.info("sending a duplicate callback (fault injection)")
            pending.append(try await callbacks.publish(callback))
        }
        logger.info("called back", metadata: ["callback.action": "\(callback.action)"])
        for reply in pending { await callbacks.reply(to: reply) }
    }
}

extension FunctionResult {
    /// The result with the worker's receive and answer times in a JSON object output (other outputs unchanged).
    func stamped(receivedAt: Date, answeredAt: Date) -> FunctionResult {
        guard case .success(let output) = self, output.first == "{" else { return self }
        let stamps = String(
            format: "\"batonStamps\":{\"receivedAt\":%.6f,\"answeredAt\":%.6f}",
            receivedAt.timeIntervalSince1970, answeredAt.timeIntervalSince1970)
        let rest = output.dropFirst().drop { $0 == " " || $0 == "\n" }
        return .success(output: "{" + stamps + (rest.first == "}" ? "" : ",") + rest)
    }

    /// The callback outcome; an output that is not valid JSON becomes a failure, never an invalid callback.
    var outcome: Callback.Outcome {
        switch self {
        case .success(let output):
            do {
                try Callback.validateOutput(output)
                return .success(output: output)
            } catch {
                return .failure(error: "InvalidOutput", cause: error.message)
            }
        case .failure(let error, let cause):
            return .failure(error: error, cause: cause)
        }
    }
}
