import BatonBroker
import BatonProtocol
import BatonTestSupport
import Foundation
import LocalProcesses
import Logging
import Synchronization
import Testing

/// Plays the orchestrator for worker tests: publishes task messages as docs/protocol.md says, consumes the
/// callback queue, decodes each `Callback` and replies to its `reply_to` (`{}` unless told otherwise) — as the
/// orchestrator does, only refusals when the callback carries `x-baton-reply: errors`.
final class OrchestratorDouble: Sendable {
    let names: Names
    let bus: RabbitBus
    private let received = Received()
    private let replies: @Sendable (Int, Callback) -> CallbackReply
    private let consumer: Task<Void, Never>
    private let created = Mutex<Set<String>>([])

    /// Connects under a fresh prefix and starts answering callbacks.
    init(replies: @escaping @Sendable (Int, Callback) -> CallbackReply = { _, _ in .accepted }) async throws {
        names = Names(prefix: TestBroker.uniqueName("wk"))
        bus = try await RabbitBus.connect(
            configuration: .init(amqp: try TestBroker.configuration(clientName: "worker-tests"), names: names),
            logger: Logger(label: "test.orchestrator"))
        self.replies = replies
        try await bus.declare(QueueSpec(names.callbackQueue))
        let stream = try await bus.consume(names.callbackQueue, prefetch: 32)
        let received = self.received, bus = self.bus
        consumer = Task {
            do {
                for try await delivery in stream {
                    guard let callback = try? Callback(decoding: delivery.message.body) else {
                        try? await delivery.settle(.deadLetter(reason: "not a callback"))
                        continue
                    }
                    let index = received.list.withLock { list in
                        list.append(callback)
                        return list.count - 1
                    }
                    received.messages.withLock { $0.append(delivery.message) }
                    if let replyTo = delivery.message.replyTo {
                        let reply = replies(index, callback)
                        guard reply.errorType != nil || ReplyMode(headers: delivery.message.headers) == .all else {
                            try? await delivery.settle(.ack)
                            continue
                        }
                        received.repliesSent.withLock { $0 += 1 }
                        try? await bus.publish(
                            BusMessage(body: reply.encoded(), correlationID: delivery.message.correlationID),
                            toQueue: replyTo)
                    }
                    try? await delivery.settle(.ack)
                }
            } catch {}
        }
        created.withLock { _ = $0.insert(names.callbackQueue) }
    }

    /// The environment a spawned worker needs to meet this double.
    var environment: [String: String] {
        get throws {
            ["BATON_AMQP_URL": try TestBroker.url(), "BATON_QUEUE_PREFIX": names.prefix, "BATON_LOG_LEVEL": "debug"]
        }
    }

    /// Declares a task queue (deleted at the end).
    func declare(_ queue: String) async throws {
        try await bus.declare(QueueSpec(queue))
        created.withLock { _ = $0.insert(queue) }
    }

    /// Publishes a task message with the protocol's headers.
    func publishTask(
        to queue: String, body: String, token: String? = nil, integration: String, state: String = "Task",
        attempt: Int = 0, heartbeatSeconds: Int? = nil
    ) async throws {
        try await declare(queue)
        var headers = [
            TaskHeaders.integration: integration, TaskHeaders.stateName: state, TaskHeaders.attempt: "\(attempt)",
            TaskHeaders.executionArn: "arn:aws:states:local:000000000000:execution:test:\(UUID().uuidString)",
        ]
        headers[TaskHeaders.taskToken] = token
        headers[TaskHeaders.heartbeatSeconds] = heartbeatSeconds.map { "\($0)" }
        try await bus.publish(
            BusMessage(body: Array(body.utf8), headers: headers, messageID: UUID().uuidString), toQueue: queue)
    }

    /// Every callback so far.
    var callbacks: [Callback] { received.list.withLock { $0 } }

    /// Every callback message so far (headers, `reply_to`, `correlation_id`), in arrival order.
    var callbackMessages: [BusMessage] { received.messages.withLock { $0 } }

    /// How many replies this double has published.
    var repliesSent: Int { received.repliesSent.withLock { $0 } }

    /// Waits until `count` callbacks (heartbeats excluded unless asked) have arrived.
    func waitForCallbacks(
        _ count: Int, including heartbeats: Bool = false, deadline: Duration = .seconds(20)
    ) async throws -> [Callback] {
        var result: [Callback] = []
        try await waitUntil(deadline: deadline, "\(count) callbacks") {
            result = callbacks.filter { heartbeats || $0.outcome != .heartbeat }
            return result.count >= count
        }
        return result
    }

    /// Deletes what the test created and disconnects.
    func shutdown() async {
        consumer.cancel()
        for queue in created.withLock({ $0 }) { _ = try? await bus.deleteQueue(queue) }
        _ = try? await bus.deleteQueue(names.deadLetterQueue)
        try? await bus.deleteExchange(names.deadLetterExchange)
        await bus.close()
    }
}

/// The callbacks received so far, shared with the consuming task.
final class Received: Sendable {
    let list = Mutex<[Callback]>([])
    let messages = Mutex<[BusMessage]>([])
    let repliesSent = Mutex(0)
}

/// Runs `body` with an orchestrator double and always cleans up; stops the processes the test started.
func withOrchestrator(
    replies: @escaping @Sendable (Int, Callback) -> CallbackReply = { _, _ in .accepted },
    _ body: (OrchestratorDouble, inout [ManagedProcess]) async throws -> Void
) async throws {
    let double = try await OrchestratorDouble(replies: replies)
    var processes: [ManagedProcess] = []
    do {
        try await body(double, &processes)
    } catch {
        for process in processes { print("---- \(process.name) log:\n\(process.log().suffix(4000))") }
        for process in processes { await process.stop(grace: .seconds(5)) }
        await double.shutdown()
        throw error
    }
    for process in processes { await process.stop(grace: .seconds(5)) }
    await double.shutdown()
}

extension Callback {
    /// The success output parsed as a JSON object.
    var outputObject: [String: Any]? {
        guard case .success(let output) = outcome else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(output.utf8))) as? [String: Any]
    }
}
