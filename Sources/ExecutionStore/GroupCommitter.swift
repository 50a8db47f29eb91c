import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Batches concurrent transitions into one database transaction per batch (group commit).
///
/// Submitters append a job under `state`'s lock; the first one to find no drain scheduled schedules one on the
/// database's serial writer queue (``StoreDatabase/asyncWrite(_:)``). The drain takes everything queued (up to
/// `maximumBatchSize`), runs each job in its own SAVEPOINT inside one transaction (``StoreDatabase`` begins and
/// commits it: `BEGIN IMMEDIATE … COMMIT` on SQLite), resumes the callers only after the COMMIT, and loops until
/// the queue is empty. While one batch commits, new arrivals queue up and form the next batch, so the batch size
/// grows with load and a lone transition waits for nobody.
///
/// Invariants (guarded by `state`): `draining` is true exactly while a drain is scheduled or running; once
/// `closed` is set no job is accepted, and every job accepted before is drained before the close barrier.
final class GroupCommitter: Sendable {
    /// One submitted transition.
    struct Job: Sendable {
        /// Runs the transition on the writer connection, inside its savepoint; returns what resumes the caller
        /// once the batch committed.
        let run: @Sendable (any StoreConnection) throws -> @Sendable () -> Void
        /// Resumes the caller with an error (its own, or the batch's).
        let fail: @Sendable (any Error) -> Void
    }

    private struct State: ~Copyable {
        var queue: [Job] = []
        /// Outbox row ids to delete in the next batch (nobody waits for these).
        var outboxDeletions: [Int64] = []
        var draining = false
        var closed = false
        /// When the last batch committed (monotonic nanoseconds; 0: never).
        var lastCommitEnded: UInt64 = 0
    }

    /// How long the writer must have been idle for a submitter to commit its batch itself: under load batches
    /// follow each other closely and go through the writer's queue, where arrivals accumulate into big batches.
    static let idleBeforeInlineCommit: UInt64 = 250_000  // 0.25 ms

    private let database: any StoreDatabase
    private let maximumBatchSize: Int
    private let state = Mutex(State())
    private let commits = Atomic<Int>(0)
    private let committedTransitions = Atomic<Int>(0)

    init(database: any StoreDatabase, maximumBatchSize: Int) {
        self.database = database
        self.maximumBatchSize = max(1, maximumBatchSize)
    }

    /// COMMITs executed so far.
    var commitCount: Int { commits.load(ordering: .relaxed) }
    /// Transitions committed so far.
    var transitionCount: Int { committedTransitions.load(ordering: .relaxed) }

    /// Queues `job`; it runs in the next batch. Fails the job at once if the committer is closed.
    ///
    /// When the writer has been idle for a while (`idleBeforeInlineCommit`), the submitter commits this batch
    /// itself, synchronously on its own thread through the database's writer (``StoreDatabase/syncWrite(_:)``; a
    /// lone transition then costs no hop to the writer's queue and back); later arrivals meanwhile queue up and are
    /// handed to the writer's queue as the next batch. A blocked submitter waits only for the database, never for
    /// another task, so this cannot deadlock the caller's executor. Under load, batches are scheduled on the
    /// writer's queue, where arrivals accumulate.
    func submit(_ job: Job) {
        enum Action { case refuse, queued, scheduled, commitHere }
        let now = Self.monotonicNanoseconds()
        let action = state.withLock { state -> Action in
            guard !state.closed else { return .refuse }
            state.queue.append(job)
            if state.draining { return .queued }
            state.draining = true
            if now &- state.lastCommitEnded >= Self.idleBeforeInlineCommit { return .commitHere }
            // Scheduling is a non-blocking dispatch onto the writer's queue; doing it under the lock keeps
            // "closed" and "drain scheduled" consistent for close().
            database.asyncWrite { [self] db in drain(db) }
            return .scheduled
        }
        switch action {
        case .refuse:
            job.fail(ExecutionStoreError(.closed, message: "the execution store is closed"))
        case .queued, .scheduled:
            break
        case .commitHere:
            // A closed store fails the batch inside (the database refuses), like the writer's queue would.
            var ran = false
            do {
                try database.syncWrite { db in
                    ran = true
                    drainOnce(db)
                }
            } catch {
                // The writer could not be reached, so nothing was taken from the queue (`draining` is still set):
                // its queue drains it instead. An error after `drainOnce` ran leaves nothing to do.
                if !ran { database.asyncWrite { [self] db in drain(db) } }
            }
        }
    }

    /// Commits one batch on the submitter's thread, then hands whatever arrived meanwhile to the writer's queue.
    private func drainOnce(_ db: any StoreConnection) {
        guard let (batch, deletions) = takeBatch() else { return }
        commit(batch, deleting: deletions, db)
        let more = state.withLock { state -> Bool in
            guard !state.queue.isEmpty || !state.outboxDeletions.isEmpty else {
                state.draining = false
                return false
            }
            return true
        }
        if more { database.asyncWrite { [self] db in drain(db) } }
    }

    /// Queues outbox rows for deletion in the next batch and returns at once: nobody waits for it. A deletion
    /// lost to a crash or a rolled-back batch only means the row is published again after a restart, which the
    /// outbox's consumers already tolerate (they are idempotent by token).
    func deleteOutboxSoon(_ ids: [Int64]) {
        guard !ids.isEmpty else { return }
        state.withLock { state in
            guard !state.closed else { return }
            state.outboxDeletions += ids
            if !state.draining {
                state.draining = true
                database.asyncWrite { [self] db in drain(db) }
            }
        }
    }

    /// Refuses new jobs; jobs already accepted still commit (the caller then waits for a writer barrier).
    func close() {
        state.withLock { $0.closed = true }
    }

    /// Runs on the writer queue until no job is left.
    private func drain(_ db: any StoreConnection) {
        while let (batch, deletions) = takeBatch() {
            commit(batch, deleting: deletions, db)
        }
    }

    /// The next batch and the queued deletions; `nil` (and `draining` cleared) when there is nothing.
    private func takeBatch() -> ([Job], [Int64])? {
        state.withLock { state -> ([Job], [Int64])? in
            guard !state.queue.isEmpty || !state.outboxDeletions.isEmpty else {
                state.draining = false
                return nil
            }
            let count = min(state.queue.count, maximumBatchSize)
            let batch = Array(state.queue.prefix(count))
            state.queue.removeFirst(count)
            let deletions = state.outboxDeletions
            state.outboxDeletions = []
            return (batch, deletions)
        }
    }

    /// What became of one job of a batch.
    private enum Outcome {
        case notRun
        case succeeded(@Sendable () -> Void)
        case failed(any Error)
    }

    /// Commits one batch: the queued outbox deletions, then each job in a savepoint, so a throwing job rolls back
    /// alone.
    private func commit(_ batch: [Job], deleting outboxIDs: [Int64], _ db: any StoreConnection) {
        var outcomes = [Outcome](repeating: .notRun, count: batch.count)
        do {
            try database.beginTransaction(db)
            do {
                try Transaction.deleteOutbox(ids: outboxIDs, db)
                for (index, job) in batch.enumerated() {
                    do {
                        outcomes[index] = .succeeded(try db.inSavepoint { try job.run(db) })
                    } catch {
                        outcomes[index] = .failed(error)
                        // The database may have rolled back the whole transaction (SQLite: SQLITE_FULL, IOERR…):
                        // then the jobs before this one are lost too, and the batch fails as a whole.
                        guard db.isInsideTransaction else { throw error }
                    }
                }
                try database.commitTransaction(db)
            } catch {
                // The first error is the batch's; the rollback's own failure (the transaction already gone) is not.
                database.rollbackTransaction(db)
                throw error
            }
        } catch {
            let batchError = ExecutionStoreError(
                .batchAborted,
                message: "the group-commit transaction was rolled back; nothing of this transition was committed",
                underlying: error
            )
            for (job, outcome) in zip(batch, outcomes) {
                if case .failed(let jobError) = outcome { job.fail(jobError) } else { job.fail(batchError) }
            }
            return
        }
        // Counters first, so a resumed caller already sees its commit counted.
        let ended = Self.monotonicNanoseconds()
        state.withLock { $0.lastCommitEnded = ended }
        commits.add(1, ordering: .relaxed)
        committedTransitions.add(
            outcomes.reduce(0) { count, outcome in
                if case .succeeded = outcome { count + 1 } else { count }
            },
            ordering: .relaxed
        )
        for (job, outcome) in zip(batch, outcomes) {
            switch outcome {
            case .succeeded(let resume):
                resume()
            case .failed(let error):
                job.fail(error)
            case .notRun:
                job.fail(ExecutionStoreError(.database, message: "transition did not run"))
            }
        }
    }

    static func monotonicNanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}
