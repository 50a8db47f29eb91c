import BatonProtocol
import ExecutionStore
import Foundation
import Logging
import StatesLanguage

/// The orchestrator's engine: it turns requests, callbacks and fired timers into interpreter events and commits
/// each resulting transition — the interpreter's new state, history, open tasks, timers and outbox rows — in one
/// store transaction. It never touches the broker: messages leave through the outbox (`OutboxDispatcher`) and
/// callbacks arrive through `CallbackService`, both over `MessageBus`.
///
/// Invariants: a callback is applied at most once (the open-task row is deleted in the transaction that applies
/// it, and the single store writer serializes transitions); a token is accepted only if its HMAC verifies and
/// its task attempt is still open; nothing is acknowledged to a caller before its transition committed.
public final class Engine: Sendable {
    let store: ExecutionStore
    let signer: TaskTokenSigner
    let configuration: OrchestratorConfiguration
    let names: Names
    let clock: any WallClock
    let logger: Logger
    let definitions = DefinitionCache()
    let effects: EngineEffects
    let lanes = ExecutionLanes()
    let states: StateCache
    let machines = MachineCache()
    let activities = ActivityRegistry()

    /// Creates the engine.
    /// - Parameters:
    ///   - store: the durable store.
    ///   - signer: issues and verifies task tokens.
    ///   - configuration: region, account, shard, limits.
    ///   - names: queue and exchange names.
    ///   - clock: the time source (real, scaled or manual).
    ///   - effects: told after each commit about new outbox rows and timers (dispatcher and timer service).
    ///   - logger: where the engine logs.
    public init(
        store: ExecutionStore,
        signer: TaskTokenSigner,
        configuration: OrchestratorConfiguration,
        names: Names,
        clock: any WallClock,
        effects: EngineEffects = EngineEffects(),
        logger: Logger
    ) {
        self.store = store
        self.signer = signer
        self.configuration = configuration
        states = StateCache(capacity: configuration.stateCacheCapacity)
        self.names = names
        self.clock = clock
        self.effects = effects
        self.logger = logger
    }

    /// Runs one transition entirely on the store's writer (reads and writes in the write transaction) and tells
    /// the effects what it produced, after the commit. For operations not tied to one execution (state machines).
    func commit<T: Sendable>(_ body: @escaping @Sendable (inout TransitionContext) throws -> T) async throws -> T {
        let engine = self
        let now = clock.now()
        // State machine changes run here: cached rows are dropped before (no plan caches a row read from now on)
        // and after (nor one read meanwhile).
        machines.invalidate()
        defer { machines.invalidate() }
        let (value, produced) = try await store.transition { tx in
            var context = TransitionContext(engine: engine, tx: DirectTransitionStore(tx), now: now)
            let value = try body(&context)
            return (value, context.produced)
        }
        announce([produced])
        return value
    }

    /// Runs one transition of an execution: planned from a snapshot off the writer (interpreter, encoding and
    /// signing run in parallel with other executions' transitions) while holding the execution's lane, then its
    /// writes are group-committed; tells the effects what it produced, after the commit. A plan that finds its
    /// rows moved (`conflict`) is made again from a fresh snapshot.
    /// - Parameters:
    ///   - executionID: the execution the transition belongs to; `nil` for a new execution (StartExecution), whose
    ///     id nobody else can know before the commit.
    ///   - body: the transition.
    func commit<T: Sendable>(
        lane executionID: Int64?, _ body: @escaping @Sendable (inout TransitionContext) throws -> T
    ) async throws -> T {
        let engine = self
        return try await lanes.withLane(executionID) {
            // Taken out now, put back after the commit: a failed or conflicting attempt leaves no stale entry.
            var cached = executionID.flatMap { states.take(entryOf: $0) }
            var attempt = 0
            while true {
                let now = clock.now()
                let preloaded = cached
                cached = nil
                // Without a snapshot when the engine knows the execution (or it is new): the plan runs right here
                // and reads nothing; any read it still needs sends it to a snapshot (see ExecutionStore).
                let detached = attempt == 0 && (executionID == nil || preloaded?.execution.known != nil)
                do {
                    let (value, produced) = try await store.transition(
                        planning: { snapshot in
                            let planned = try engine.plan(
                                body, executionID: executionID, preloaded: preloaded, on: snapshot, at: now)
                            return ((planned.value, planned.produced), planned.writes)
                        }, detached: detached)
                    if let entry = produced.cacheEntry { states.put(entry) }
                    announce([produced])
                    return value
                } catch let error as ExecutionStoreError
                    where (error.code == .conflict || error.code == .executionAlreadyExists)
                    && attempt < configuration.replanLimit
                {
                    // executionAlreadyExists: a concurrent start of the same name committed first; the next plan
                    // sees it and answers as StartExecution does for an existing execution.
                    attempt += 1
                    logger.debug("transition planned again", metadata: ["reason": "\(error)", "attempt": "\(attempt)"])
                }
            }
        }
    }

    /// Plans one transition of an execution on `snapshot` (detached or real): runs `body` with the store as the plan
    /// sees it and works out what the engine caches afterwards. Returns the value, what the transition produced and
    /// its writes.
    func plan<T>(
        _ body: (inout TransitionContext) throws -> T, executionID: Int64?,
        preloaded: CacheEntry?, on snapshot: Snapshot, at now: Date
    ) throws -> PlannedTransition<T> {
        let store = PlannedTransitionStore(
            snapshot, known: preloaded?.execution.known, machines: machines, newExecution: executionID == nil)
        var context = TransitionContext(engine: self, tx: store, now: now)
        context.preloadedState = preloaded.map { ($0.executionID, $0.execution.state) }
        let value = try body(&context)
        if let (id, state) = context.produced.savedState {
            context.produced.cacheEntry = CacheEntry(
                executionID: id, execution: CachedExecution(state: state, known: store.knownAfter(executionID: id)))
        } else if let preloaded, !store.finishes(executionID: preloaded.executionID) {
            // Nothing saved (a heartbeat, a refused event): the state is unchanged.
            let id = preloaded.executionID
            context.produced.cacheEntry = CacheEntry(
                executionID: id,
                execution: CachedExecution(state: preloaded.execution.state, known: store.knownAfter(executionID: id)))
        }
        return PlannedTransition(value: value, produced: context.produced, writes: store.plan)
    }

    /// Tells the effects what committed transitions produced: their outbox rows as one burst.
    func announce(_ produced: [TransitionContext.Produced]) {
        var outbox: [OutboxRow] = []
        var earliest: Date?
        for item in produced {
            outbox += item.outbox
            if let timer = item.earliestTimer, earliest.map({ timer < $0 }) ?? true { earliest = timer }
        }
        if !outbox.isEmpty { effects.outboxCommitted(outbox) }
        if let earliest { effects.timerArmed(earliest) }
        for item in produced {
            for finished in item.finished { effects.executionFinished(finished) }
        }
    }
}

/// What the engine tells the services after a commit; every closure runs on the caller's task and must be quick.
public struct EngineEffects: Sendable {
    /// New outbox rows to publish now (the dispatcher's fast path; a restart finds them in the store).
    public var outboxCommitted: @Sendable ([OutboxRow]) -> Void
    /// A timer was armed for this date (the timer service may need to wake earlier).
    public var timerArmed: @Sendable (Date) -> Void
    /// An execution reached a terminal status (for metrics and logs).
    public var executionFinished: @Sendable (FinishedExecution) -> Void

    /// Creates effects; each defaults to doing nothing.
    public init(
        outboxCommitted: @escaping @Sendable ([OutboxRow]) -> Void = { _ in },
        timerArmed: @escaping @Sendable (Date) -> Void = { _ in },
        executionFinished: @escaping @Sendable (FinishedExecution) -> Void = { _ in }
    ) {
        self.outboxCommitted = outboxCommitted
        self.timerArmed = timerArmed
        self.executionFinished = executionFinished
    }
}

/// An execution that just reached a terminal status.
public struct FinishedExecution: Sendable, Hashable {
    /// Its ARN.
    public var executionArn: String
    /// `SUCCEEDED`, `FAILED`, `TIMED_OUT` or `ABORTED`.
    public var status: ExecutionStatus
    /// The error name, for the unsuccessful statuses.
    public var error: String?
    /// When it started.
    public var startDate: Date
    /// When it stopped.
    public var stopDate: Date
}

/// A committed outbox row waiting to be published.
public struct OutboxRow: Sendable, Hashable {
    /// The row id; the row is deleted once the broker confirms the message.
    public var id: Int64
    /// The exchange (`""` routes by queue name).
    public var exchange: String
    /// The routing key (the queue name for the default exchange).
    public var routingKey: String
    /// The message body.
    public var body: Data
    /// Headers, including internal `x-baton-internal-*` ones the dispatcher consumes.
    public var headers: [String: String]

    init(id: Int64, exchange: String, routingKey: String, body: Data, headers: [String: String]) {
        self.id = id
        self.exchange = exchange
        self.routingKey = routingKey
        self.body = body
        self.headers = headers
    }

    init(_ message: OutboxMessage) {
        self.init(
            id: message.id, exchange: message.exchange, routingKey: message.routingKey, body: message.body,
            headers: message.headers)
    }
}
