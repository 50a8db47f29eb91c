import Foundation

/// The reads a transition makes, written once for both places a transition reads from: a ``Snapshot`` of the last
/// commit (a planned transition, on a reader connection) and the ``Transaction`` itself (reads that must see the
/// transition's own writes, on the writer). GRDB's `DatabaseReader`, which `DatabaseWriter` refines, is the model:
/// a caller that only reads takes `some ExecutionReader` and runs on either.
///
/// Every read throws ``ExecutionStoreError`` on a database failure, and ``ExecutionStoreError/Code/snapshotRequired``
/// on a detached snapshot (see ``Snapshot/isDetached``).
public protocol ExecutionReader {
    /// Where the reads go; an opaque handle (a connection of the store's database).
    var readConnection: ReadConnection { get throws }
}

/// The connection an ``ExecutionReader`` reads through. Opaque outside the store.
public struct ReadConnection {
    let db: any StoreConnection
}

extension ExecutionReader {
    /// The execution with this id, or `nil`.
    public func execution(id: Int64) throws -> ExecutionRecord? {
        try ExecutionRecord.fetch(readConnection.db, id: id)
    }

    /// The execution with this ARN, or `nil`.
    public func execution(arn: String) throws -> ExecutionRecord? {
        try ExecutionRecord.fetch(readConnection.db, arn: arn)
    }

    /// The interpreter state last saved for this execution, or `nil` if there is no such execution.
    public func executionState(id: Int64) throws -> Data? {
        try ExecutionRecord.state(readConnection.db, id: id)
    }

    /// The open task with this token id, or `nil` if the token is unknown, stale or already used.
    public func openTask(tokenID: String) throws -> OpenTask? {
        try OpenTask.fetch(readConnection.db, tokenID: tokenID)
    }

    /// The open tasks of an execution.
    public func openTasks(executionID: Int64) throws -> [OpenTask] {
        try OpenTask.fetchAll(readConnection.db, executionID: executionID)
    }

    /// Whether the timer with this id is armed.
    public func timerExists(id: Int64) throws -> Bool {
        try readConnection.db.row("SELECT 1 FROM timer WHERE id = ?", [.integer(id)]) != nil
    }

    /// The state machine with this ARN, or `nil`.
    public func stateMachine(arn: String) throws -> StateMachineRecord? {
        try StateMachineRecord.fetch(readConnection.db, arn: arn)
    }

    /// The definition of one revision of a state machine (what an execution started on it runs), or `nil`.
    public func stateMachineDefinition(arn: String, revision: Int) throws -> String? {
        try StateMachineRecord.definition(readConnection.db, arn: arn, revision: revision)
    }
}
