import Foundation
import GRDB

/// The reads a planned transition makes (see ``ExecutionStore/transition(planning:)``): a consistent snapshot of
/// the last commit, on a reader connection. Valid only inside the closure that received it.
///
/// A *detached* snapshot (``isDetached``) has no connection: the plan runs on the caller's thread and must answer
/// its reads from what it already knows; every read here throws ``ExecutionStoreError/Code/snapshotRequired``,
/// and the store then plans again on a real snapshot.
public struct Snapshot {
    private let connection: Database?
    let ids: IDAllocator

    init(db: Database?, ids: IDAllocator) {
        self.connection = db
        self.ids = ids
    }

    /// Whether this snapshot has no connection (every read throws `snapshotRequired`).
    public var isDetached: Bool { connection == nil }

    private var db: Database {
        get throws {
            guard let connection else {
                throw ExecutionStoreError(.snapshotRequired, message: "the plan needs a read from the store")
            }
            return connection
        }
    }

    /// The execution with this id, or `nil`.
    public func execution(id: Int64) throws -> ExecutionRecord? {
        try ExecutionRecord.fetch(db, id: id)
    }

    /// The execution with this ARN, or `nil`.
    public func execution(arn: String) throws -> ExecutionRecord? {
        try ExecutionRecord.fetch(db, arn: arn)
    }

    /// The interpreter state last saved for this execution, or `nil` if there is no such execution.
    public func executionState(id: Int64) throws -> Data? {
        try ExecutionRecord.state(db, id: id)
    }

    /// The open task with this token id, or `nil`.
    public func openTask(tokenID: String) throws -> OpenTask? {
        try OpenTask.fetch(db, tokenID: tokenID)
    }

    /// The open tasks of an execution.
    public func openTasks(executionID: Int64) throws -> [OpenTask] {
        try OpenTask.fetchAll(db, executionID: executionID)
    }

    /// Whether the timer with this id is armed.
    public func timerExists(id: Int64) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM timer WHERE id = ?"), arguments: [id]) ?? false
    }

    /// The state machine with this ARN, or `nil`.
    public func stateMachine(arn: String) throws -> StateMachineRecord? {
        try StateMachineRecord.fetch(db, arn: arn)
    }

    /// The definition of one revision of a state machine, or `nil`.
    public func stateMachineDefinition(arn: String, revision: Int) throws -> String? {
        try StateMachineRecord.definition(db, arn: arn, revision: revision)
    }

    /// Reserves an execution id for an insert this plan makes (see ``Transaction/insertExecution(_:id:)``).
    public func reserveExecutionID() -> Int64 { ids.nextExecutionID() }

    /// Reserves an outbox id for an insert this plan makes (see ``Transaction/enqueueOutbox(_:id:at:)``).
    public func reserveOutboxID() -> Int64 { ids.nextOutboxID() }
}

/// The writes of a planned transition, applied in order on the writer in one savepoint.
public struct WritePlan: Sendable {
    /// One write; throw ``ExecutionStoreError`` `conflict` when what it depends on changed since the snapshot.
    public typealias Step = @Sendable (Transaction) throws -> Void

    private var steps: [Step] = []

    /// An empty plan.
    public init() {}

    /// Whether there is nothing to write.
    public var isEmpty: Bool { steps.isEmpty }

    /// Adds a write.
    public mutating func add(_ step: @escaping Step) {
        steps.append(step)
    }

    /// Adds another plan's writes, after these.
    public mutating func append(_ other: WritePlan) {
        steps += other.steps
    }

    func apply(_ tx: Transaction) throws {
        for step in steps { try step(tx) }
    }
}
