import BatonProtocol
import Logging
import ServiceLifecycle
import Synchronization

/// A refusal of a task message that no retry can fix (no token where one is needed, a body that is not JSON):
/// the runtime dead-letters the delivery with this reason instead of requeueing it.
public struct TaskRejected: Error, Sendable, CustomStringConvertible {
    /// Why the task was refused (never the token or the payload).
    public var reason: String

    /// Creates a refusal.
    public init(_ reason: String) { self.reason = reason }

    public var description: String { reason }
}

/// Consumes task queues and runs a handler per delivery: the worker side of docs/protocol.md's task messages.
///
/// Each queue is consumed with `prefetch` unsettled deliveries at most; several processes may share a queue.
/// After the handler returns, a delivery it left unsettled is acked; when it throws ``TaskRejected`` the delivery
/// is dead-lettered, any other error requeues it (the broker or the orchestrator may be briefly away).
///
/// Graceful shutdown stops taking deliveries (those already buffered are requeued), lets in-flight handlers
/// finish — the `ServiceGroup`'s grace period bounds that, then cancels them — and only then cancels the
/// consumers, because cancelling a consumer closes its channel and would requeue deliveries still being worked.
public final class TaskConsumer: Service {
    /// What to consume and how.
    public struct Configuration: Sendable {
        /// The queues to consume; each is declared (durable, dead-lettered) first.
        public var queues: [String]
        /// The most unsettled deliveries per queue.
        public var prefetch: Int

        /// Creates a configuration.
        public init(queues: [String], prefetch: Int = 8) {
            self.queues = queues
            self.prefetch = prefetch
        }
    }

    /// The work done for one task.
    public typealias Handler = @Sendable (IncomingTask) async throws -> Void

    /// The work done for the tasks that arrived together, before any per-task handler runs: it answers and settles
    /// those it can at once and returns the rest, which then go to the per-task handler one task each.
    public typealias BatchHandler = @Sendable ([IncomingTask]) async -> [IncomingTask]

    private let bus: any MessageBus
    private let configuration: Configuration
    private let logger: Logger
    private let handler: Handler
    private let batchHandler: BatchHandler?

    /// Creates the consumer; nothing happens until `run()`.
    /// - Parameters:
    ///   - bus: the broker.
    ///   - configuration: queues and prefetch.
    ///   - logger: the worker's logger.
    ///   - batchHandler: first sees every batch of tasks that arrived together (the fast path); returns the tasks
    ///     left to `handler`. Without it, every task goes to `handler`.
    ///   - handler: run once per delivery, concurrently up to the prefetch.
    public init(
        bus: any MessageBus, configuration: Configuration, logger: Logger, batchHandler: BatchHandler? = nil,
        handler: @escaping Handler
    ) {
        self.bus = bus
        self.configuration = configuration
        self.logger = logger
        self.batchHandler = batchHandler
        self.handler = handler
    }

    /// Declares and consumes the queues until a graceful shutdown, cancellation or a consumer failure.
    /// - Throws: when a queue cannot be declared or consumed, or the broker cancels a consumer.
    public func run() async throws {
        let (inbox, feed) = AsyncThrowingStream<[BusDelivery], any Error>.makeStream()
        let stopping = Mutex(false)
        try await withThrowingTaskGroup(of: Void.self) { pumps in
            for queue in configuration.queues {
                try await bus.declare(QueueSpec(queue))
                let batches = try await bus.consumeBatches(queue, prefetch: configuration.prefetch)
                pumps.addTask {
                    do {
                        for try await batch in batches { feed.yield(batch) }
                        feed.finish()
                    } catch {
                        feed.finish(throwing: error)
                    }
                }
            }
            logger.info(
                "consuming tasks",
                metadata: [
                    "queues": "\(configuration.queues.joined(separator: ","))",
                    "prefetch": "\(configuration.prefetch)",
                ])
            try await withGracefulShutdownHandler {
                try await withThrowingDiscardingTaskGroup { handlers in
                    for try await batch in inbox {
                        if stopping.withLock({ $0 }) {
                            for delivery in batch { try? await delivery.settle(.requeue) }
                            continue
                        }
                        var tasks = batch.map(IncomingTask.init)
                        if let batchHandler { tasks = await batchHandler(tasks) }
                        for task in tasks { handlers.addTask { await self.process(task) } }
                    }
                }
            } onGracefulShutdown: {
                stopping.withLock { $0 = true }
                feed.finish()
            }
            pumps.cancelAll()
        }
        // A process may run several consumers (worker-function: one per function): the queues tell them apart.
        logger.info(
            "stopped consuming tasks", metadata: ["queues": "\(configuration.queues.joined(separator: ","))"])
    }

    private func process(_ task: IncomingTask) async {
        WorkerMetrics.taskReceived(queue: task.queue)
        let traceparent = TraceContext.forwardable(task.header(TraceContext.header))
        if let traceparent {
            logger.debug("task received", metadata: ["task.id": "\(task.logID)", "traceparent": "\(traceparent)"])
        }
        await TraceContext.$traceparent.withValue(traceparent) { await handle(task) }
    }

    private func handle(_ task: IncomingTask) async {
        let start = ContinuousClock.now
        func handled(_ outcome: String) {
            WorkerMetrics.taskHandled(queue: task.queue, outcome: outcome, duration: ContinuousClock.now - start)
        }
        do {
            try await handler(task)
            handled("ok")
            try await task.settle(.ack)
        } catch is CancellationError {
            handled("abandoned")
            // Shutdown past the grace period: leave it unsettled; the broker redelivers it.
            logger.notice("task abandoned at shutdown", metadata: ["task.id": "\(task.logID)"])
        } catch let rejected as TaskRejected {
            handled("refused")
            logger.warning(
                "task refused", metadata: ["task.id": "\(task.logID)", "reason": "\(rejected.reason)"])
            _ = try? await task.settle(.deadLetter(reason: rejected.reason))
        } catch {
            handled("requeued")
            logger.warning("task failed; requeued", metadata: ["task.id": "\(task.logID)", "error": "\(error)"])
            _ = try? await task.settle(.requeue)
        }
    }
}
