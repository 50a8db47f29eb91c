import Synchronization

/// Runs the transitions of one execution one at a time, while transitions of different executions run in
/// parallel: a transition is planned from a snapshot off the writer, so two plans for the same execution must
/// not overlap (the second would read what the first is about to change). One process owns a store, so an
/// in-memory lane per execution id is enough; FIFO per execution.
final class ExecutionLanes: Sendable {
    private struct Lane {
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    /// Busy executions and who waits for each. Guarded by the mutex.
    private let lanes = Mutex<[Int64: Lane]>([:])

    /// Waits until the lane of `executionID` is free and takes it; pair with ``release(_:)``.
    private func acquire(_ executionID: Int64) async {
        let free = lanes.withLock { lanes -> Bool in
            guard lanes[executionID] == nil else { return false }
            lanes[executionID] = Lane()
            return true
        }
        if free { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let takeNow = lanes.withLock { lanes -> Bool in
                guard lanes[executionID] != nil else {
                    lanes[executionID] = Lane()
                    return true
                }
                lanes[executionID]!.waiters.append(continuation)
                return false
            }
            if takeNow { continuation.resume() }
        }
    }

    /// Frees the lane, handing it to the next waiter if there is one.
    private func release(_ executionID: Int64) {
        let next = lanes.withLock { lanes -> CheckedContinuation<Void, Never>? in
            guard var lane = lanes[executionID], !lane.waiters.isEmpty else {
                lanes[executionID] = nil
                return nil
            }
            let next = lane.waiters.removeFirst()
            lanes[executionID] = lane
            return next
        }
        next?.resume()
    }

    /// Takes the lanes of those executions that are free now, without waiting; returns the ones taken. Pair each
    /// with ``release(_:)``.
    func tryAcquire(_ executionIDs: some Sequence<Int64>) -> Set<Int64> {
        lanes.withLock { lanes in
            var taken: Set<Int64> = []
            for id in executionIDs where lanes[id] == nil {
                lanes[id] = Lane()
                taken.insert(id)
            }
            return taken
        }
    }

    /// Frees the lanes taken with ``tryAcquire(_:)``.
    func release(_ executionIDs: some Sequence<Int64>) {
        for id in executionIDs { release(id) }
    }

    /// Runs `body` holding the lane of `executionID` (no lane when `nil`).
    func withLane<T>(_ executionID: Int64?, _ body: () async throws -> T) async throws -> T {
        guard let executionID else { return try await body() }
        await acquire(executionID)
        defer { release(executionID) }
        return try await body()
    }
}
