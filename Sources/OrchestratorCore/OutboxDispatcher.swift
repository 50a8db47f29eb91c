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
///
/// No task per row and no queue hop: `enqueue` hands the message to the bus on the caller's thread (the task
/// that committed it), and the broker's confirm, on the bus's thread, queues the row's deletion into the store's
/// next group commit (`deleteOutboxSoon`) and starts the next waiting row. Only first-use queue declarations,
/// retries and plain `sqs:sendMessage` completions (a transition) run in a task.
public final class OutboxDispatcher: Service {
    private let engine: Engine
    private let bus: any MessageBus
    private let logger: Logger
    private let metrics: OrchestratorMetrics
    private let window: Int

    private struct State {
        /// Row ids handed to a publisher and not yet confirmed: keeps the start-up scan and the fast path from
        /// publishing one row twice.
        var inFlight: Set<Int64> = []
        /// Rows being published (or waiting for a retry): at most `window`.
        var publishing = 0
        /// Rows waiting for a free publishing slot, oldest first from `waitingHead`.
        var waiting: [OutboxRow] = []
        var waitingHead = 0

        mutating func nextWaiting() -> OutboxRow? {
            guard waitingHead < waiting.count else { return nil }
            let row = waiting[waitingHead]
            waitingHead += 1
            if waitingHead == waiting.count {
                waiting.removeAll(keepingCapacity: true)
                waitingHead = 0
            } else if waitingHead >= 1024, waitingHead * 2 >= waiting.count {
                waiting.removeFirst(waitingHead)
                waitingHead = 0
            }
            return row
        }
        /// Set on graceful shutdown: no new publishes; rows left are published after a restart.
        var stopped = false
        /// Resumed when `stopped` and nothing is publishing any more.
        var drained: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())
    /// Queues already declared by this process (task queues are declared durable on first use).
    private let declared = Mutex<Set<String>>([])

    /// Creates the dispatcher; `metrics` counts confirmed publishes and failed attempts.
    public init(
        engine: Engine, bus: any MessageBus, logger: Logger, metrics: OrchestratorMetrics = OrchestratorMetrics()
    ) {
        self.engine = engine
        self.bus = bus
        self.logger = logger
        self.metrics = metrics
        self.window = max(1, engine.configuration.publishWindow)
    }

    /// Hands freshly committed rows to the dispatcher (the engine's `outboxCommitted` effect); publishes start
    /// before this returns, as far as the window allows.
    public func enqueue(_ rows: [OutboxRow]) {
        let ready = state.withLock { state -> [OutboxRow] in
            guard !state.stopped else { return [] }
            var ready: [OutboxRow] = []
            for row in rows where state.inFlight.insert(row.id).inserted {
                if state.publishing < window {
                    state.publishing += 1
                    ready.append(row)
                } else {
                    state.waiting.append(row)
                }
            }
            return ready
        }
        publish(ready)
    }

    /// The number of rows handed to publishers and not yet confirmed.
    public var inFlightCount: Int { state.withLock { $0.inFlight.count } }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await scanStore()
            try? await gracefulShutdown()
        } onGracefulShutdown: {
            self.state.withLock { $0.stopped = true }
        }
        // Cancelled rather than shut down gracefully: stop all the same.
        state.withLock { $0.stopped = true }
        // Let the publishes already handed to the broker finish (their rows are deleted on confirm).
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLock { state -> Bool in
                state.waiting.removeAll()
                state.waitingHead = 0
                if state.publishing == 0 { return true }
                state.drained = continuation
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// Feeds every row already in the store (left by an earlier run) to the publishers.
    private func scanStore() async {
        var after: Int64?
        while !Task.isCancelled, !state.withLock({ $0.stopped }) {
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

    /// Publishes rows that each hold a publishing slot (until confirmed or the dispatcher stops): those bound for
    /// queues already declared and for exchanges as one burst, whose confirms are then dealt with together; a queue's
    /// first row declares it first, in a task.
    private func publish(_ rows: [OutboxRow]) {
        typealias Entry = (row: OutboxRow, completes: String?, messageID: String?)
        var burst: [(message: BusMessage, destination: BusDestination)] = []
        var carried: [[Entry]] = []  // the rows each message of the burst carries
        var events: [String: [Entry]] = [:]  // with event batching: terminal events by routing key
        burst.reserveCapacity(rows.count)
        carried.reserveCapacity(rows.count)
        let batchesEvents = engine.configuration.eventBatching
        for row in rows {
            var headers = row.headers
            let messageID = headers.removeValue(forKey: OutboxHeaders.messageID)
            let completes = headers.removeValue(forKey: OutboxHeaders.completesTask)
            if batchesEvents, row.exchange == engine.names.eventsExchange, headers.isEmpty, messageID == nil {
                events[row.routingKey, default: []].append((row, completes, messageID))
                continue
            }
            let message = BusMessage(body: Array(row.body), headers: headers, messageID: messageID)
            if !row.exchange.isEmpty {
                burst.append((message, .exchange(row.exchange, routingKey: row.routingKey)))
            } else if declared.withLock({ $0.contains(row.routingKey) }) {
                burst.append((message, .queue(row.routingKey)))
            } else {
                publish(row, attempt: 0)
                continue
            }
            carried.append([(row, completes, messageID)])
        }
        for (routingKey, entries) in events {
            let body =
                entries.count == 1
                ? Array(entries[0].row.body) : ExecutionEvents.batchBody(entries.map { Array($0.row.body) })
            let headers = entries.count == 1 ? [:] : [ExecutionEvents.countHeader: String(entries.count)]
            burst.append(
                (
                    BusMessage(body: body, headers: headers),
                    .exchange(engine.names.eventsExchange, routingKey: routingKey)
                ))
            carried.append(entries)
        }
        guard !burst.isEmpty else { return }
        let outcomes = Mutex(BurstOutcomes(count: burst.count))
        bus.publish(burst) { [self, carried] index, result in
            let done = outcomes.withLock { outcomes -> [Result<Void, any Error>]? in
                outcomes.record(index, result)
                return outcomes.finished
            }
            guard let done else { return }
            var deleted: [Int64] = []
            var released: [OutboxRow] = []
            for (entries, result) in zip(carried, done) {
                for (row, completes, messageID) in entries {
                    switch result {
                    case .success where completes == nil:
                        deleted.append(row.id)
                        released.append(row)
                    case .success:
                        confirmed(row, completes: completes, messageID: messageID, attempt: 0)
                    case .failure(let error):
                        failed(row, attempt: 1, error: error)
                    }
                }
            }
            if !deleted.isEmpty {
                engine.store.deleteOutboxSoon(ids: deleted)
                metrics.outboxPublished(true, count: deleted.count)
                release(released)
            }
        }
    }

    /// Publishes one row (it holds a publishing slot until it is confirmed or the dispatcher stops).
    private func publish(_ row: OutboxRow, attempt: Int) {
        var headers = row.headers
        let messageID = headers.removeValue(forKey: OutboxHeaders.messageID)
        let completes = headers.removeValue(forKey: OutboxHeaders.completesTask)
        let message = BusMessage(body: Array(row.body), headers: headers, messageID: messageID)
        let completion: @Sendable (Result<Void, any Error>) -> Void = { [self] result in
            switch result {
            case .success:
                confirmed(row, completes: completes, messageID: messageID, attempt: attempt)
            case .failure(let error):
                failed(row, attempt: attempt + 1, error: error)
            }
        }
        if row.exchange.isEmpty {
            if declared.withLock({ $0.contains(row.routingKey) }) {
                bus.publish(message, toQueue: row.routingKey, completion: completion)
            } else {
                Task {
                    do {
                        try await bus.declare(QueueSpec(row.routingKey))
                        _ = declared.withLock { $0.insert(row.routingKey) }
                        bus.publish(message, toQueue: row.routingKey, completion: completion)
                    } catch {
                        completion(.failure(error))
                    }
                }
            }
        } else {
            bus.publish(message, toExchange: row.exchange, routingKey: row.routingKey, completion: completion)
        }
    }

    /// The broker has the message: delete the row (in the next group commit, without waiting) or, for a plain
    /// `sqs:sendMessage` task, complete the task in a transition that deletes it — if that transition fails, the
    /// row is published again after the retry delay, as a failed publish is; then free the slot.
    private func confirmed(_ row: OutboxRow, completes tokenID: String?, messageID: String?, attempt: Int) {
        guard let tokenID else {
            engine.store.deleteOutboxSoon(ids: [row.id])
            metrics.outboxPublished(true)
            release(row)
            return
        }
        Task {
            do {
                try await metrics.timeCommit("publish") {
                    try await engine.taskPublished(
                        tokenID: tokenID, messageID: messageID ?? "\(row.id)", body: row.body, outboxID: row.id)
                }
                metrics.outboxPublished(true)
                release(row)
            } catch {
                failed(row, attempt: attempt + 1, error: error)
            }
        }
    }

    private func failed(_ row: OutboxRow, attempt: Int, error: any Error) {
        metrics.outboxPublished(false)
        if attempt == 1 || attempt % 20 == 0 {
            logger.warning(
                "publish failed; retrying",
                metadata: ["queue": "\(row.routingKey)", "attempt": "\(attempt)", "error": "\(error)"])
        }
        declared.withLock { _ = $0.remove(row.routingKey) }
        Task {
            try? await Task.sleep(for: engine.configuration.publishRetryDelay)
            if state.withLock({ $0.stopped }) {
                release(row)  // the row stays in the store and is published after a restart
            } else {
                publish(row, attempt: attempt)
            }
        }
    }

    /// Frees the row's slot and hands it to the next waiting row.
    private func release(_ row: OutboxRow) {
        release([row])
    }

    /// Frees the rows' slots and hands them to the rows waiting next, published as one burst.
    private func release(_ rows: [OutboxRow]) {
        let (next, drained) = state.withLock { state -> ([OutboxRow], CheckedContinuation<Void, Never>?) in
            var next: [OutboxRow] = []
            for row in rows {
                state.inFlight.remove(row.id)
                if !state.stopped, let waiting = state.nextWaiting() {
                    next.append(waiting)
                } else {
                    state.publishing -= 1
                }
            }
            if state.stopped, state.publishing == 0, let drained = state.drained {
                state.drained = nil
                return (next, drained)
            }
            return (next, nil)
        }
        if !next.isEmpty { publish(next) }
        drained?.resume()
    }
}

/// The outcomes of one burst of publishes, gathered as their confirms arrive.
private struct BurstOutcomes {
    private var results: [Result<Void, any Error>?]
    private var remaining: Int

    init(count: Int) {
        results = Array(repeating: nil, count: count)
        remaining = count
    }

    mutating func record(_ index: Int, _ result: Result<Void, any Error>) {
        guard results[index] == nil else { return }
        results[index] = result
        remaining -= 1
    }

    /// Every outcome, once all have arrived.
    var finished: [Result<Void, any Error>]? {
        remaining == 0 ? results.compactMap { $0 } : nil
    }
}
