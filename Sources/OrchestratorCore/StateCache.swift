import ExecutionStore
import Foundation
import StatesLanguage
import Synchronization

/// What the engine knows of an execution without reading the store: its record and every one of its open tasks,
/// exactly as committed. Lets the next transition be planned with no snapshot at all (no hop to a reader).
struct KnownExecution: Sendable {
    /// The execution's row (RUNNING; `nextEventID` current).
    var record: ExecutionRecord
    /// All of its open tasks, by token id.
    var openTasks: [String: OpenTask]
    /// The keys of all of its armed timers; `nil` when not known (a timer fired by id since).
    var timers: Set<String>? = nil
}

/// One cached execution: its interpreter state and, when complete, its row and open tasks.
struct CachedExecution: Sendable {
    var state: ExecutionState
    var known: KnownExecution?
}

/// A cache entry with the execution it belongs to: what a transition takes out of the cache before it is planned
/// and what it leaves for the next one.
struct CacheEntry: Sendable {
    var executionID: Int64
    var execution: CachedExecution
}

/// A transition planned on a snapshot: its value, what it produced, and the writes still to apply.
struct PlannedTransition<Value> {
    var value: Value
    var produced: TransitionContext.Produced
    var writes: WritePlan
}

/// The interpreter states of recently active executions, so the transition that follows (typically the callback
/// a few milliseconds after the task went out) skips reading and decoding the state the previous one saved —
/// and, when the entry also knows the execution's row and open tasks (it does after a start), skips the snapshot
/// read altogether.
///
/// Exact, not a guess: an entry is taken out when a transition of its execution begins (in the execution's lane)
/// and put back only after that transition committed, so an entry always equals the stored state. Bounded: past
/// `capacity` an arbitrary entry is dropped — waiting executions live in the store, not here.
final class StateCache: Sendable {
    private let capacity: Int
    private let entries = Mutex<[Int64: CachedExecution]>([:])

    init(capacity: Int) {
        self.capacity = max(0, capacity)
    }

    /// Removes and returns the cached entry of an execution.
    /// Takes an execution's entry out of the cache (a failed or conflicting attempt then leaves no stale entry).
    func take(entryOf executionID: Int64) -> CacheEntry? {
        take(executionID).map { CacheEntry(executionID: executionID, execution: $0) }
    }

    /// Puts an entry (back) into the cache.
    func put(_ entry: CacheEntry) {
        put(entry.executionID, entry.execution)
    }

    func take(_ executionID: Int64) -> CachedExecution? {
        entries.withLock { $0.removeValue(forKey: executionID) }
    }

    /// Caches what an execution's committed transition left.
    func put(_ executionID: Int64, _ entry: CachedExecution) {
        guard capacity > 0 else { return }
        entries.withLock { entries in
            if entries.count >= capacity, entries[executionID] == nil { entries.remove(at: entries.startIndex) }
            entries[executionID] = entry
        }
    }
}

/// State machine rows by ARN, for starts planned without a snapshot. Emptied by every state machine change
/// (`invalidate`); a row read before a change is not cached after it (the generation check).
final class MachineCache: Sendable {
    private struct State {
        var generation = 0
        var machines: [String: StateMachineRecord] = [:]
    }

    private let state = Mutex(State())

    /// The current generation; pass it back to `put`.
    var generation: Int { state.withLock { $0.generation } }

    func get(_ arn: String) -> StateMachineRecord? {
        state.withLock { $0.machines[arn] }
    }

    /// Caches a row read during `generation`, unless a change happened since.
    func put(_ machine: StateMachineRecord, readIn generation: Int) {
        state.withLock { state in
            guard state.generation == generation else { return }
            if state.machines.count >= 1024 { state.machines.removeAll() }
            state.machines[machine.arn] = machine
        }
    }

    /// Forgets every row (a state machine was created, updated or deleted).
    func invalidate() {
        state.withLock { state in
            state.generation += 1
            state.machines.removeAll()
        }
    }
}
