import Foundation

/// The reads a planned transition makes (see ``ExecutionStore/transition(planning:)``): a consistent snapshot of
/// the last commit, on a reader connection. Valid only inside the closure that received it.
///
/// A *detached* snapshot (``isDetached``) has no connection: the plan runs on the caller's thread and must answer
/// its reads from what it already knows; every read here throws ``ExecutionStoreError/Code/snapshotRequired``,
/// and the store then plans again on a real snapshot.
public struct Snapshot: ExecutionReader {
    private let connection: (any StoreConnection)?
    let ids: IDAllocator

    init(db: (any StoreConnection)?, ids: IDAllocator) {
        self.connection = db
        self.ids = ids
    }

    /// Whether this snapshot has no connection (every read throws `snapshotRequired`).
    public var isDetached: Bool { connection == nil }

    public var readConnection: ReadConnection {
        get throws {
            guard let connection else {
                throw ExecutionStoreError(.snapshotRequired, message: "the plan needs a read from the store")
            }
            return ReadConnection(db: connection)
        }
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
