import Foundation
import StatesLanguage

/// The reads and writes of one transition, valid only inside the ``ExecutionStore/transition(_:)`` closure
/// that received it (do not keep it). Everything done through it commits together or not at all.
///
/// Reads through a transaction see the writes made before it, including those of earlier transitions of the
/// same batch, so check-then-act (e.g. "is this token still open? then close it") is race-free: there is one
/// writer.
public struct Transaction: ExecutionReader {
    let db: any StoreConnection
    let ids: IDAllocator

    /// Reads inside the transaction see its own writes.
    public var readConnection: ReadConnection { ReadConnection(db: db) }

    init(db: any StoreConnection, ids: IDAllocator) {
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
        try insertRow(execution, id: id, state: execution.state, nextEventID: 1, finish: nil)
        return ExecutionRecord(inserting: execution, id: id)
    }

    /// Inserts an execution's row: RUNNING, or already finished when `finish` is given.
    private func insertRow(
        _ execution: NewExecution, id: Int64, state: Data, nextEventID: Int64, finish: ExecutionFinish?
    ) throws {
        let insert = try db.statement(
            """
            INSERT INTO execution (id, arn, name, state_machine_arn, state_machine_revision, status, input, output,
                error, cause, start_date, stop_date, state, next_event_id, trace_parent, state_machine_version_arn,
                state_machine_alias_arn)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (arn) DO NOTHING
            """)
        insert.bind(1, id)
        insert.bind(2, execution.arn)
        insert.bind(3, execution.name)
        insert.bind(4, execution.stateMachineArn)
        insert.bind(5, execution.stateMachineRevision)
        insert.bind(6, finish?.status.rawValue ?? ExecutionStatus.running.rawValue)
        insert.bind(7, execution.input)
        insert.bind(8, finish?.output)
        insert.bind(9, finish?.error)
        insert.bind(10, finish?.cause)
        insert.bind(11, execution.startDate.millisecondsSince1970)
        insert.bind(12, finish?.date.millisecondsSince1970)
        insert.bind(13, state)
        insert.bind(14, nextEventID)
        insert.bind(15, execution.traceParent)
        insert.bind(16, execution.stateMachineVersionArn)
        insert.bind(17, execution.stateMachineAliasArn)
        // ON CONFLICT rather than catching the violation: on PostgreSQL a failed statement aborts the whole
        // transaction, and the caller goes on to read the existing execution in it.
        guard try insert.run() == 1 else {
            throw ExecutionStoreError(.executionAlreadyExists, message: "an execution with this ARN already exists")
        }
    }

    /// Replaces the interpreter state of an execution.
    /// - Parameters:
    ///   - state: the interpreter's serialized state.
    ///   - executionID: the execution.
    /// - Throws: ``ExecutionStoreError`` `executionNotFound` if there is no such execution.
    public func saveState(_ state: Data, executionID: Int64) throws {
        let statement = try db.statement("UPDATE execution SET state = ? WHERE id = ?")
        statement.bind(1, state)
        statement.bind(2, executionID)
        guard try statement.run() == 1 else {
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
    /// - Throws: ``ExecutionStoreError`` on a database failure.
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
        let statement = try db.statement(
            """
            UPDATE execution SET status = ?, output = ?, error = ?, cause = ?, stop_date = ?, state = coalesce(?, state)
            WHERE id = ? AND status = 'RUNNING'
            """)
        statement.bind(1, status.rawValue)
        statement.bind(2, output)
        statement.bind(3, error)
        statement.bind(4, cause)
        statement.bind(5, date.millisecondsSince1970)
        statement.bind(6, state)
        statement.bind(7, executionID)
        guard try statement.run() == 1 else { return false }
        try clearWaits(executionID: executionID)
        return true
    }

    /// Closes every open task and disarms every timer of an execution (a finished execution has neither).
    /// - Throws: ``ExecutionStoreError`` on a database failure.
    public func clearWaits(executionID: Int64) throws {
        try deleteTasks(executionID: executionID)
        _ = try cancelTimers(executionID: executionID)
    }

    /// Applies what one planned transition changes in an execution's row and history, in one statement for the row
    /// and one for the history: a new execution is inserted with its state, status and event count as they end the
    /// transition; an existing one is updated only if it is still RUNNING with the history the plan read.
    /// - Parameter write: the execution's changes.
    /// - Throws: ``ExecutionStoreError`` `conflict` when the execution moved on since the plan read it (another
    ///   transition appended history or finished it: plan again), `executionAlreadyExists` for an insert whose ARN
    ///   is taken.
    public func write(_ write: ExecutionWrite) throws {
        let firstID: Int64
        switch write.row {
        case .insert(let execution):
            firstID = 1
            try insertRow(
                execution, id: write.executionID, state: write.state ?? execution.state,
                nextEventID: 1 + Int64(write.events.count), finish: write.finish)
        case .update(let expectedNextEventID):
            firstID = expectedNextEventID
            let next = expectedNextEventID + Int64(write.events.count)
            // Plain `?` placeholders, numbered in order (PostgreSQL takes no `?NNN`): the row's guard comes after
            // the columns set, at 8 and 9 with a finish and at 3 and 4 without.
            let statement: any StoreStatement
            let guardIndex: Int32
            if let finish = write.finish {
                statement = try db.statement(
                    """
                    UPDATE execution SET next_event_id = ?, state = coalesce(?, state), status = ?, output = ?,
                        error = ?, cause = ?, stop_date = ?
                    WHERE id = ? AND next_event_id = ? AND status = 'RUNNING'
                    """)
                statement.bind(3, finish.status.rawValue)
                statement.bind(4, finish.output)
                statement.bind(5, finish.error)
                statement.bind(6, finish.cause)
                statement.bind(7, finish.date.millisecondsSince1970)
                guardIndex = 8
            } else {
                statement = try db.statement(
                    """
                    UPDATE execution SET next_event_id = ?, state = coalesce(?, state)
                    WHERE id = ? AND next_event_id = ? AND status = 'RUNNING'
                    """)
                guardIndex = 3
            }
            statement.bind(1, next)
            statement.bind(2, write.state)
            statement.bind(guardIndex, write.executionID)
            statement.bind(guardIndex + 1, expectedNextEventID)
            guard try statement.run() == 1 else {
                throw ExecutionStoreError(
                    .conflict, message: "execution \(write.executionID) changed or ended since it was read")
            }
        }
        try insertHistory(write.events, firstID: firstID, executionID: write.executionID)
    }
}

/// A terminal status reached in a transition; see ``ExecutionWrite``.
public struct ExecutionFinish: Sendable, Hashable {
    /// The terminal status.
    public var status: ExecutionStatus
    /// The output JSON, for `SUCCEEDED`.
    public var output: String?
    /// The error name, for the other statuses.
    public var error: String?
    /// The cause, for the other statuses.
    public var cause: String?
    /// The stop date.
    public var date: Date

    /// Creates a finish.
    public init(status: ExecutionStatus, output: String?, error: String?, cause: String?, date: Date) {
        self.status = status
        self.output = output
        self.error = error
        self.cause = cause
        self.date = date
    }
}

/// What one planned transition changes in one execution's row and history (``Transaction/write(_:)``).
public struct ExecutionWrite: Sendable {
    /// Whether the row is new or updated.
    public enum Row: Sendable {
        /// A new execution, inserted whole.
        case insert(NewExecution)
        /// An existing execution, whose history the plan read up to `expectedNextEventID - 1`.
        case update(expectedNextEventID: Int64)
    }

    /// The execution.
    public var executionID: Int64
    /// Insert or update.
    public var row: Row
    /// Events to append, numbered from the expected next id (1 for a new execution).
    public var events: [NewHistoryEvent] = []
    /// The interpreter state to save; `nil` keeps the stored one.
    public var state: Data?
    /// The terminal status it reached, if it ended.
    public var finish: ExecutionFinish?

    /// Creates an empty write for one execution.
    public init(executionID: Int64, row: Row) {
        self.executionID = executionID
        self.row = row
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
        let first: Int64? = try db.value("SELECT next_event_id FROM execution WHERE id = ?", [.integer(executionID)])
        guard let first else {
            throw ExecutionStoreError(.executionNotFound, message: "no execution with id \(executionID)")
        }
        let update = try db.statement("UPDATE execution SET next_event_id = ? WHERE id = ?")
        update.bind(1, first + Int64(events.count))
        update.bind(2, executionID)
        try update.run()
        try insertHistory(events, firstID: first, executionID: executionID)
        return (0..<Int64(events.count)).map { first + $0 }
    }

    /// Appends events numbered from `firstID`, which a planned transition read from a snapshot.
    /// - Throws: ``ExecutionStoreError`` `conflict` if the execution's history moved on since that snapshot (the
    ///   transition must be planned again), `executionNotFound` if there is no such execution.
    public func appendHistory(_ events: [NewHistoryEvent], firstID: Int64, executionID: Int64) throws {
        guard !events.isEmpty else { return }
        let update = try db.statement("UPDATE execution SET next_event_id = ? WHERE id = ? AND next_event_id = ?")
        update.bind(1, firstID + Int64(events.count))
        update.bind(2, executionID)
        update.bind(3, firstID)
        guard try update.run() == 1 else {
            throw ExecutionStoreError(
                .conflict, message: "the history of execution \(executionID) changed since it was read")
        }
        try insertHistory(events, firstID: firstID, executionID: executionID)
    }

    /// Stores events as one history row (``HistoryChunk``).
    private func insertHistory(_ events: [NewHistoryEvent], firstID: Int64, executionID: Int64) throws {
        guard !events.isEmpty else { return }
        let insert = try db.statement(
            "INSERT INTO history (execution_id, first_id, last_id, events) VALUES (?, ?, ?, ?)")
        insert.bind(1, executionID)
        insert.bind(2, firstID)
        insert.bind(3, firstID + Int64(events.count) - 1)
        insert.bind(4, HistoryChunk.encode(events, firstID: firstID))
        try insert.run()
    }
}
