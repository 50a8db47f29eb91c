import BatonBroker
import BatonProtocol
import Foundation
import Synchronization

/// Collects the task messages the orchestrator publishes to one queue, for a test that plays the worker.
/// Each message is acked as it arrives; `next` waits for the next one with a deadline.
public final class TaskInbox: Sendable {
    /// A task message as received.
    public struct Task: Sendable {
        /// The body (JSON text for Baton's integrations).
        public var body: String
        /// The headers (`x-baton-*`).
        public var headers: [String: String]

        /// The task token: the `x-baton-task-token` header, else a `TaskToken`/`taskToken` field of the body.
        public var token: String? {
            if let header = headers[TaskHeaders.taskToken] { return header }
            guard let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] else {
                return nil
            }
            return object["TaskToken"] as? String ?? object["taskToken"] as? String
        }
    }

    private let received = Mutex<[Task]>([])
    private let consumed = Mutex<Int>(0)
    /// The queue this inbox reads.
    public let queue: String

    private init(queue: String) { self.queue = queue }

    /// Declares `queue` on the fixture's bus and runs `body` while an inbox consumes it.
    public static func with<T: Sendable>(
        _ queue: String, on system: SystemFixture, _ body: (TaskInbox) async throws -> T
    ) async throws -> T {
        try await system.bus.declare(QueueSpec(queue))
        system.track(queue: queue)
        let inbox = TaskInbox(queue: queue)
        let deliveries = try await system.bus.consume(queue, prefetch: 1024)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for try await delivery in deliveries {
                    inbox.received.withLock {
                        $0.append(
                            Task(
                                body: String(decoding: delivery.message.body, as: UTF8.self),
                                headers: delivery.message.headers))
                    }
                    try? await delivery.settle(.ack)
                }
            }
            defer { group.cancelAll() }
            return try await body(inbox)
        }
    }

    /// Every task received so far.
    public var all: [Task] { received.withLock { $0 } }

    /// The next task not yet returned by `next`, waiting up to `deadline`.
    /// - Throws: `WaitTimeout` when none arrives in time.
    public func next(deadline: Duration = .seconds(10)) async throws -> Task {
        try await waitUntil(deadline: deadline, "a task message on \(queue)") {
            received.withLock { $0.count } > consumed.withLock { $0 }
        }
        return consumed.withLock { index in
            defer { index += 1 }
            return received.withLock { $0[index] }
        }
    }
}
