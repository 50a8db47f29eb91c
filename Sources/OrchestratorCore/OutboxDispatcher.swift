import BatonProtocol
import ExecutionStore
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Publishes committed outbox rows and deletes each row only after the broker confirmed it, so a message is
/// never lost between the store and the broker; after a crash the rows still in the store are published again
/// (consumers are idempotent by token: a second callback answers TaskTimedOut).
///
/// Rows arrive on the fast path right after their commit (`enqueue`) and, at start, from a scan of the store.
/// Up to `publishWindow` publishes are in flight at once; a failed publish (broker away, blocked) is retried
/// after `publishRetryDelay` until it is confirmed or the service stops.
public final class OutboxDispatcher: Service {
    private let engine: Engine
    private let bus: any MessageBus
    private let logger: Logger
    private let metrics: OrchestratorMetrics
    private let inbox: AsyncStream<OutboxRow>
    private let inboxContinuation: AsyncStream<OutboxRow>.Continuation
    /// Row ids handed to a publisher and not yet deleted: keeps the start-up scan and the fast path from
    /// publishing one row twice. Guarded by the `Mutex`.
    private let inFlight = Mutex<Set<Int64>>([])
    /// Queues already declared by this process (task queues are declared durable on first use).
    private let declared = Mutex<Set<String>>([])

    /// Creates the dispatcher; `metrics` counts confirmed publishes and failed attempts and times the commits
    /// that delete confirmed rows.
    public init(
        engine: Engine, bus: any MessageBus, logger: Logger, metrics: OrchestratorMetrics = OrchestratorMetrics()
    ) {
        self.engine = engine
        self.bus = bus
        self.logger = logger
        self.metrics = metrics
        (inbox, inboxContinuation) = AsyncStream<OutboxRow>.makeStream()
    }

    /// Hands freshly committed rows to the dispatcher (the engine's `outboxCommitted` effect).
    public func enqueue(_ rows: [OutboxRow]) {
        for row in rows where inFlight.withLock({ $0.insert(row.id).inserted }) {
            inboxContinuation.yield(row)
        }
    }

    /// The number of rows handed to publishers and not yet confirmed.
    public var inFlightCount: Int { inFlight.withLock { $0.count } }

    public func run() async throws {
        let window = max(1, engine.configuration.publishWindow)
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.scanStore() }
                var running = 1
                for await row in inbox {
                    if running >= window {
                        await group.next()
                        running -= 1
                    }
                    group.addTask { await self.publish(row) }
                    running += 1
                }
            }
        } onGracefulShutdown: {
            self.inboxContinuation.finish()
        }
    }

    /// Feeds every row already in the store (left by an earlier run) to the publishers.
    private func scanStore() async {
        var after: Int64?
        while !Task.isCancelled {
            do {
                let page = try await engine.store.pendingOutbox(after: after, limit: 1000)
                if page.isEmpty { return }
                if after == nil { logger.info("republishing outbox rows left by an earlier run") }
                enqueue(page.map(OutboxRow.init))
                after = page.last?.id
            } catch {
                logger.error("cannot read the outbox", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: engine.configuration.publishRetryDelay)
            }
        }
    }

    private func publish(_ row: OutboxRow) async {
        var headers = row.headers
        let messageID = headers.removeValue(forKey: OutboxHeaders.messageID)
        let completes = headers.removeValue(forKey: OutboxHeaders.completesTask)
        let message = BusMessage(body: Array(row.body), headers: headers, messageID: messageID)
        var attempt = 0
        while true {
            do {
                if row.exchange.isEmpty {
                    try await declareOnce(row.routingKey)
                    try await bus.publish(message, toQueue: row.routingKey)
                } else {
                    try await bus.publish(message, toExchange: row.exchange, routingKey: row.routingKey)
                }
                try await metrics.timeCommit("publish") {
                    try await confirmed(row, completes: completes, messageID: messageID)
                }
                metrics.outboxPublished(true)
                return
            } catch {
                metrics.outboxPublished(false)
                attempt += 1
                if attempt == 1 || attempt % 20 == 0 {
                    logger.warning(
                        "publish failed; retrying",
                        metadata: ["queue": "\(row.routingKey)", "attempt": "\(attempt)", "error": "\(error)"])
                }
                declared.withLock { _ = $0.remove(row.routingKey) }
                do {
                    try await Task.sleep(for: engine.configuration.publishRetryDelay)
                } catch {
                    return  // shutting down: the row stays in the store and is published after a restart
                }
            }
        }
    }

    private func confirmed(_ row: OutboxRow, completes tokenID: String?, messageID: String?) async throws {
        if let tokenID {
            try await engine.taskPublished(
                tokenID: tokenID, messageID: messageID ?? "\(row.id)", body: row.body,
                outboxID: row.id)
        } else {
            try await engine.store.deleteOutbox(ids: [row.id])
        }
        _ = inFlight.withLock { $0.remove(row.id) }
    }

    private func declareOnce(_ queue: String) async throws {
        guard !declared.withLock({ $0.contains(queue) }) else { return }
        try await bus.declare(QueueSpec(queue))
        _ = declared.withLock { $0.insert(queue) }
    }
}
