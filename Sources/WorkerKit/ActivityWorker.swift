import BatonJSON
import BatonProtocol
import Foundation
import Logging
import ServiceLifecycle

/// A worker of an activity (AWS's other task-token pattern): it polls the orchestrator with GetActivityTask over the
/// command queue, runs `handler` on each task's input, sends heartbeats while it runs, and answers with the token
/// (SendTaskSuccess or SendTaskFailure through the callback queue). Several workers may poll one activity: the
/// orchestrator hands each task to one of them. A poll that finds nothing (after the orchestrator's poll time, 60 s
/// on AWS) is simply made again.
///
/// A worker stopped while a poll is in flight may be handed a task it never sees; as on AWS, that task then ends
/// by its state's TimeoutSeconds or HeartbeatSeconds.
public struct ActivityWorker: Service {
    /// What a task's handler answers: the success output (JSON text) or a failure.
    public typealias Handler = @Sendable (_ input: String) async -> Callback.Outcome

    let bus: any MessageBus
    let names: Names
    let activityArn: String
    let workerName: String
    let callbacks: CallbackClient
    let heartbeatInterval: Duration?
    let logger: Logger
    let handler: Handler

    /// Creates the worker.
    /// - Parameters:
    ///   - bus: the broker.
    ///   - names: queue names (the orchestrator's prefix).
    ///   - activityArn: the activity to poll.
    ///   - workerName: the name GetActivityTask records in `ActivityStarted`.
    ///   - callbacks: where answers and heartbeats go.
    ///   - heartbeatInterval: how often to send SendTaskHeartbeat while `handler` runs; `nil` for never.
    ///   - logger: where it logs.
    ///   - handler: runs one task.
    public init(
        bus: any MessageBus, names: Names, activityArn: String, workerName: String, callbacks: CallbackClient,
        heartbeatInterval: Duration? = nil, logger: Logger, handler: @escaping Handler
    ) {
        self.bus = bus
        self.names = names
        self.activityArn = activityArn
        self.workerName = workerName
        self.callbacks = callbacks
        self.heartbeatInterval = heartbeatInterval
        self.logger = logger
        self.handler = handler
    }

    public func run() async throws {
        // A broker that goes away (or refuses the reply queue) never takes the worker's other services down: the
        // poller logs it and starts over.
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            do {
                try await poll()
                return
            } catch {
                guard !Task.isCancelled, !Task.isShuttingDownGracefully else { return }
                logger.warning("activity polling failed; starting over", metadata: ["error": "\(error)"])
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(2)) }
            }
        }
    }

    /// Polls until cancelled or shut down.
    private func poll() async throws {
        let request = JSON.object(["activityArn": .string(activityArn), "workerName": .string(workerName)]).serialized
        try await BatonClient.withClient(bus: bus, names: names) { client in
            logger.info("activity worker polling", metadata: ["activity": "\(activityArn)", "worker": "\(workerName)"])
            while !Task.isCancelled, !Task.isShuttingDownGracefully {
                let reply: String
                do {
                    // The orchestrator answers within its poll time (at most 60 s); a shutdown ends the poll.
                    reply = try await cancelWhenGracefulShutdown {
                        try await client.command("GetActivityTask", request: request, timeout: .seconds(75))
                    }
                } catch is CancellationError {
                    return
                } catch  where Task.isCancelled || Task.isShuttingDownGracefully {
                    return
                } catch {
                    logger.warning("GetActivityTask failed; polling again", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: .seconds(1))
                    continue
                }
                guard let task = try? JSON(parsing: reply), let token = task["taskToken"]?.stringValue, !token.isEmpty
                else { continue }
                await work(token: token, input: task["input"]?.stringValue ?? "{}")
            }
        }
    }

    /// Runs one task with heartbeats and answers it.
    private func work(token: String, input: String) async {
        let outcome = await withTaskGroup(of: Callback.Outcome?.self) { group in
            group.addTask { await handler(input) }
            if let heartbeatInterval {
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: heartbeatInterval)
                        guard !Task.isCancelled else { break }
                        _ = try? await callbacks.publish(Callback(taskToken: token, outcome: .heartbeat))
                    }
                    return nil
                }
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? .failure(error: "States.Runtime", cause: "the handler gave no answer")
        }
        logger.info(
            "activity task answered",
            metadata: [
                "activity": "\(activityArn)", "token.id": "\(CallbackClient.shortID(token))",
                "callback.action": "\(Callback(taskToken: token, outcome: outcome).action)",
            ])
        do {
            if let reply = try await callbacks.send(Callback(taskToken: token, outcome: outcome)),
                let refusal = reply.errorType
            {
                logger.notice(
                    "activity answer refused",
                    metadata: ["token.id": "\(CallbackClient.shortID(token))", "error": "\(refusal)"])
            }
        } catch {
            logger.warning(
                "activity answer not sent",
                metadata: ["token.id": "\(CallbackClient.shortID(token))", "error": "\(error)"])
        }
    }
}
