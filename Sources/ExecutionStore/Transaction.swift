import Foundation
import GRDB

/// The reads and writes of one transition, valid only inside the ``ExecutionStore/transition(_:)`` closure
/// that received it (do not keep it). Everything done through it commits together or not at all.
///
/// Reads through a transaction see the writes made before it, including those of earlier transitions of the
/// same batch, so check-then-act (e.g. "is this token still open? then close it") is race-free: there is one
/// writer.
public struct Transaction {
    let db: Database
    let ids: IDAllocator

    init(db: Database, ids: IDAllocator) {
        self.db = db
        self.ids = ids
    }
}

// MARK: - Executions

extension Transaction {
    /// Inserts a new RUNNING execution and returns it with its assigned id (and `nextEventID` 1).
    /// - Parameters:
    ///   - execution: the new execution.
    ///   - id: the id reserved for it with ``Snapshot/reserveExecutionID()`` (a planned transition needs
    ///     the id before it commits); a fresh one when `nil`.
    /// - Returns: the stored record.
    /// - Throws: ``ExecutionStoreError`` `executionAlreadyExists` if an execution has the same ARN (the
    ///   transition can catch it and look the existing one up with ``execution(arn:)``).
    @discardableResult
    public func insertExecution(_ execution: NewExecution, id: Int64? = nil) throws -> ExecutionRecord {
        let id = id ?? ids.nextExecutionID()
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO execution (id, arn, name, state_machine_arn, state_machine_revision, status, input,
                    start_date, state, trace_parent)
                VALUES (?, ?, ?, ?, ?, 'RUNNING', ?, ?, ?, ?)
                """
        )
        do {
            try statement.execute(arguments: [
                id, execution.arn, execution.name, execution.stateMachineArn, execution.stateMachineRevision,
                execution.input, execution.startDate.millisecondsSince1970, execution.state, execution.traceParent,
            ])
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw ExecutionStoreError(.executionAlreadyExists, message: "an execution with this ARN already exists")
        }
        return ExecutionRecord(inserting: execution, id: id)
    }

    /// The execution with this id, or `nil`.
    /// - Throws: ``ExecutionStoreError`` on a SQLite failure.
    public func execution(id: Int64) throws -> ExecutionRecord? {
        try ExecutionRecord.fetch(db, id: id)
    }

    /// The execution with this ARN, or `nil`.
    /// - Throws: ``ExecutionStoreError`` on a SQLite failure.
    public func execution(arn: String) throws -> ExecutionRecord? {
        try ExecutionRecord.fetch(db, arn: arn)
    }

    /// The interpreter state last saved for this execution, or `nil` if there is no such execution.
    /// - Throws: ``ExecutionStoreError`` on a SQLite failure.
    public func executionState(id: Int64) throws -> Data? {
        try ExecutionRecord.state(db, id: id)
    }

    /// Replaces the interpreter state of an execution.
    /// - Parameters:
    ///   - state: the interpreter's serialized state.
    ///   - executionID: the execution.
    /// - Throws: ``ExecutionStoreError`` `executionNotFound` if there is no such execution.
    public func saveState(_ state: Data, executionID: Int64) throws {
        let statement = try db.cachedStatement(sql: "UPDATE execution SET state = ? WHERE id = ?")
        try statement.execute(arguments: [state, executionID])
        guard db.changesCount == 1 else {
            throw ExecutionStoreError(.executionNotFound, message: "no execution with id \(executionID)")
        }
    }

    /// Moves a RUNNING execution to a terminal status, and closes its open tasks and cancels its timers (a
    /// finished execution has neither).
    /// - Parameters:
    ///   - executionID: the execution.
    ///   - status: the terminal status.
    ///   - output: the output JSON, for `SUCCEEDED`.
    ///   - error: the error name, for the other statuses.
    ///   - cause: the cause, for the other statuses.
    ///   - state: the final interpreter state to save, if any.
    ///   - date: the stop date.
    /// - Returns: `false` if the execution was not RUNNING (already finished: nothing is changed), so a
    ///   terminal state is applied exactly once.
    /// - Throws: ``ExecutionStoreError`` on a SQLite failure.
    @discardableResult
    public func finishExecution(
        _ executionID: Int64,
        status: ExecutionStatus,
        output: String? = nil,
        error: String? = nil,
        cause: String? = nil,
        state: Data? = nil,
        at date: Date
    ) throws -> Bool {
        precondition(status.isTerminal, "finishExecution needs a terminal status")
        let statement = try db.cachedStatement(
            sql: """
                UPDATE execution SET status = ?, output = ?, error = ?, cause = ?, stop_date = ?,
                    state = coalesce(?, state)
                WHERE id = ? AND status = 'RUNNING'
                """
        )
        try statement.execute(arguments: [
            status.rawValue, output, error, cause, date.millisecondsSince1970, state, executionID,
        ])
        guard db.changesCount == 1 else { return false }
        try deleteTasks(executionID: executionID)
        _ = try cancelTimers(executionID: executionID)
        return true
    }
}

// MARK: - History

extension Transaction {
    /// Appends events to an execution's history, numbering them from its `nextEventID`.
    /// - Parameters:
    ///   - events: the events, in order.
    ///   - executionID: the execution.
    /// - Returns: the ids given to the events.
    /// - Throws: ``ExecutionStoreError`` `executionNotFound` if there is no such execution.
    @discardableResult
    public func appendHistory(_ events: [NewHistoryEvent], executionID: Int64) throws -> [Int64] {
        guard !events.isEmpty else { return [] }
        let next = try db.cachedStatement(sql: "SELECT next_event_id FROM execution WHERE id = ?")
        guard let first = try Int64.fetchOne(next, arguments: [executionID]) else {
            throw ExecutionStoreError(.executionNotFound, message: "no execution with id \(executionID)")
        }
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO history_event (execution_id, id, previous_event_id, type, timestamp, details)
                VALUES (?, ?, ?, ?, ?, ?)
                """
        )
        var ids: [Int64] = []
        ids.reserveCapacity(events.count)
        for (offset, event) in events.enumerated() {
            let id = first + Int64(offset)
            try insert.execute(arguments: [
                executionID, id, event.previousEventID ?? id - 1, event.type, event.timestamp.millisecondsSince1970,
                event.details,
            ])
            ids.append(id)
        }
        let update = try db.cachedStatement(sql: "UPDATE execution SET next_event_id = ? WHERE id = ?")
        try update.execute(arguments: [first + Int64(events.count), executionID])
        return ids
    }

    /// Appends events numbered from `firstID`, which a planned transition read from a snapshot.
    /// - Throws: ``ExecutionStoreError`` `conflict` if the execution's history moved on since that snapshot (the
    ///   transition must be planned again), `executionNotFound` if there is no such execution.
    public func appendHistory(_ events: [NewHistoryEvent], firstID: Int64, executionID: Int64) throws {
        guard !events.isEmpty else { return }
        let update = try db.cachedStatement(
            sql: "UPDATE execution SET next_event_id = ? WHERE id = ? AND next_event_id = ?")
        try update.execute(arguments: [firstID + Int64(events.count), executionID, firstID])
        guard db.changesCount == 1 else {
            throw ExecutionStoreError(
                .conflict, message: "the history of execution \(executionID) changed since it was read")
        }
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO history_event (execution_id, id, previous_event_id, type, timestamp, details)
                VALUES (?, ?, ?, ?, ?, ?)
                """
        )
        for (offset, event) in events.enumerated() {
            let id = firstID + Int64(offset)
            try insert.execute(arguments: [
                executionID, id, event.previousEventID ?? id - 1, event.type, event.timestamp.millisecondsSince1970,
                event.details,
            ])
        }
    }
}
