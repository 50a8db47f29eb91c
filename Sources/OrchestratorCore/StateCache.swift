import StatesLanguage
import Synchronization

/// The interpreter states of recently active executions, so the transition that follows (typically the callback
/// a few milliseconds after the task went out) skips reading and decoding the state the previous one saved.
///
/// Exact, not a guess: an entry is taken out when a transition of its execution begins (in the execution's lane)
/// and put back only after that transition committed, so an entry always equals the stored state. Bounded: past
/// `capacity` an arbitrary entry is dropped — waiting executions live in the store, not here.
final class StateCache: Sendable {
    private let capacity: Int
    private let entries = Mutex<[Int64: ExecutionState]>([:])

    init(capacity: Int) {
        self.capacity = max(0, capacity)
    }

    /// Removes and returns the cached state of an execution.
    func take(_ executionID: Int64) -> ExecutionState? {
        entries.withLock { $0.removeValue(forKey: executionID) }
    }

    /// Caches the state an execution's committed transition saved.
    func put(_ executionID: Int64, _ state: ExecutionState) {
        guard capacity > 0 else { return }
        entries.withLock { entries in
            if entries.count >= capacity, entries[executionID] == nil { entries.remove(at: entries.startIndex) }
            entries[executionID] = state
        }
    }
}
