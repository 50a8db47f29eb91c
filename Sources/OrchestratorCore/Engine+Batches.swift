import ExecutionStore
import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// One transition of a batch (``Engine/commit(batch:)``): the execution it belongs to (`nil` for a new one) and
/// what it does.
struct BatchedTransition<T: Sendable>: Sendable {
    let executionID: Int64?
    let body: @Sendable (inout TransitionContext) throws -> T
}

extension Engine {
    /// The failure lab's hook (``OrchestratorConfiguration/crashAt``): kills the process here when asked to for a
    /// batch this large.
    func crashIfAsked(at point: CrashPoint.Point, batch size: Int) {
        guard let crash = configuration.crashAt, crash.point == point, size >= crash.minimumBatch else { return }
        logger.info(
            "crashing at \(point.rawValue) (BATON_CRASH_AT)", metadata: ["batch": "\(size)"])
        kill(getpid(), SIGKILL)
    }

    /// Runs one API request per transition as one batch: `prepare` makes each request's transition (or refuses it with
    /// the checks that need no store), the transitions are committed with ``commit(batch:)``, and each request gets
    /// the answer the lone API call would give it.
    /// - Returns: per request, in order, its value or its `APIError`.
    func apiBatch<Request, T: Sendable>(
        _ requests: [Request], _ prepare: (Request) throws(APIError) -> BatchedTransition<T>
    ) async -> [Result<T, APIError>] {
        var results = [Result<T, APIError>?](repeating: nil, count: requests.count)
        var batch: [BatchedTransition<T>] = []
        var positions: [Int] = []
        for (index, request) in requests.enumerated() {
            do {
                batch.append(try prepare(request))
                positions.append(index)
            } catch {
                results[index] = .failure(error)
            }
        }
        for (position, outcome) in zip(positions, await commit(batch: batch)) {
            results[position] = outcome.mapError(apiError)
        }
        return results.map { $0! }
    }

    /// Runs the transitions of a batch — a batch of callbacks or of starts, taken from the broker at one wake-up —
    /// as one: each is planned right here from what the engine knows of its execution (no store read, no hop), the
    /// writes of all of them go to the store as one group-commit job (one wait; each in its own savepoint, so one
    /// whose guard fails rolls back alone), and their outbox rows are announced as one burst.
    ///
    /// The exactly-once rules are those of ``commit(lane:_:)``: a transition holds its execution's lane while it is
    /// planned and committed, and every write carries its guard. A transition the batch cannot take this way runs
    /// through ``commit(lane:_:)`` on its own, after the batch's lanes are released: its execution busy (another
    /// transition holds the lane, or it appears earlier in this batch), unknown to the engine (the plan needs a
    /// read), or its writes conflicted.
    /// - Returns: each transition's value or error, in order.
    func commit<T: Sendable>(batch: [BatchedTransition<T>]) async -> [Result<T, any Error>] {
        var results = [Result<T, any Error>?](repeating: nil, count: batch.count)
        let wanted = batch.compactMap(\.executionID)
        let held = lanes.tryAcquire(wanted)
        var planned: [(index: Int, transition: PlannedTransition<T>)] = []
        var taken: Set<Int64> = []
        var alone: [Int] = []
        let now = clock.now()
        let snapshot = store.detachedSnapshot()
        for (index, transition) in batch.enumerated() {
            let executionID = transition.executionID
            if let id = executionID {
                guard held.contains(id), taken.insert(id).inserted else {
                    alone.append(index)
                    continue
                }
            }
            let preloaded = executionID.flatMap { states.take(entryOf: $0) }
            if executionID != nil, preloaded?.execution.known == nil {
                // Unknown here: its plan needs the store; the lone path reads a snapshot.
                if let preloaded { states.put(preloaded) }
                alone.append(index)
                continue
            }
            do {
                let made = try plan(
                    transition.body, executionID: executionID, preloaded: preloaded, on: snapshot, at: now)
                planned.append((index, made))
            } catch let error as ExecutionStoreError where error.code == .snapshotRequired {
                if let preloaded { states.put(preloaded) }
                alone.append(index)
            } catch {
                // Refused (a closed task, a bad request): nothing to write; what was known stays true.
                if let preloaded { states.put(preloaded) }
                results[index] = .failure(error)
            }
        }
        let outcomes = await store.apply(planned.map(\.transition.writes))
        crashIfAsked(at: .afterCommit, batch: planned.count)
        var committed: [TransitionContext.Produced] = []
        committed.reserveCapacity(planned.count)
        for ((index, made), outcome) in zip(planned, outcomes) {
            switch outcome {
            case .success:
                if let entry = made.produced.cacheEntry { states.put(entry) }
                committed.append(made.produced)
                results[index] = .success(made.value)
            case .failure(let error as ExecutionStoreError)
            where error.code == .conflict || error.code == .executionAlreadyExists:
                alone.append(index)
            case .failure(let error):
                results[index] = .failure(error)
            }
        }
        lanes.release(held)
        announce(committed)
        if !alone.isEmpty {
            let retried = await withTaskGroup(of: (index: Int, result: Result<T, any Error>).self) { group in
                for index in alone {
                    let transition = batch[index]
                    group.addTask {
                        do {
                            return (
                                index, .success(try await self.commit(lane: transition.executionID, transition.body))
                            )
                        } catch {
                            return (index, .failure(error))
                        }
                    }
                }
                return await group.reduce(into: [(index: Int, result: Result<T, any Error>)]()) { $0.append($1) }
            }
            for (index, result) in retried { results[index] = result }
        }
        return results.map { $0! }
    }
}
