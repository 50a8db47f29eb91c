import ExecutionStore

/// The rules exactly-once rests on, as the writer checks them when it applies a plan made on a snapshot
/// (``PlannedTransitionStore``). Each turns "what the plan read has changed since" into
/// `ExecutionStoreError.conflict`: the engine plans again on fresh data, and a stale plan never commits.
///
/// A transition applied directly on the writer (``DirectTransitionStore``) reads and writes in one transaction, so
/// nothing can change in between and no rule is needed there.
enum ExactlyOnce {
    /// **One callback per task attempt.** A callback closes the task it read as open; if the task is no longer open
    /// when the plan applies (another callback, its timeout or a stop closed it), the callback is stale. A task
    /// opened by the same plan was never stored, so there is nothing to require of it.
    /// - Parameters:
    ///   - tokenID: the task's token id.
    ///   - mustExist: whether the plan read the task as open in the store.
    ///   - tx: the writer's transaction.
    static func closeTask(_ tokenID: String, mustExist: Bool, in tx: Transaction) throws {
        let closed = try tx.deleteTask(tokenID: tokenID)
        if mustExist, !closed { throw conflict("task \(tokenID) was closed meanwhile") }
    }

    /// **One firing per timer.** The plan claims the due timer it read as armed; if it was cancelled or re-armed
    /// meanwhile, the firing is stale.
    /// - Parameters:
    ///   - id: the timer's row id.
    ///   - tx: the writer's transaction.
    static func claimTimer(id: Int64, in tx: Transaction) throws {
        guard try tx.deleteTimer(id: id) else { throw conflict("timer \(id) was re-armed meanwhile") }
    }

    /// **One history, one end.** An execution's row and history change only from the history position the plan
    /// read (the store checks the expected next event id as it writes): a plan made on an older position is stale —
    /// which also stops a second finish of an execution another transition already ended (a finish is planned only
    /// on a RUNNING row, and ending it moved the position).
    /// - Parameter next: the next event id the plan read.
    static func rowUpdate(readAt next: Int64) -> ExecutionWrite.Row {
        .update(expectedNextEventID: next)
    }

    private static func conflict(_ message: String) -> ExecutionStoreError {
        ExecutionStoreError(.conflict, message: message)
    }
}
