import Foundation

/// A timer to arm; see ``Transaction/setTimer(_:)``.
public struct NewTimer: Sendable, Hashable {
    /// The execution the timer belongs to.
    public var executionID: Int64
    /// The engine's name of the timer within the execution (e.g. `heartbeat:<taskID>`); setting a timer with an
    /// existing key re-arms that timer instead of adding one.
    public var key: String
    /// What fires (e.g. `taskTimeout`, `heartbeatTimeout`, `wait`, `retry`, `executionTimeout`), for the engine.
    public var kind: String
    /// When it fires.
    public var fireAt: Date
    /// Anything the engine needs when it fires, opaque to the store.
    public var payload: Data

    /// Creates a timer value.
    /// - Parameters:
    ///   - executionID: the execution's id.
    ///   - key: the timer's unique name within the execution.
    ///   - kind: what fires.
    ///   - fireAt: when it fires.
    ///   - payload: opaque data for the engine.
    public init(executionID: Int64, key: String, kind: String, fireAt: Date, payload: Data = Data()) {
        self.executionID = executionID
        self.key = key
        self.kind = kind
        self.fireAt = fireAt
        self.payload = payload
    }
}

/// An armed timer as stored.
public struct PendingTimer: Sendable, Hashable {
    /// The timer's id; pass it to ``Transaction/deleteTimer(id:)`` in the transition that handles its firing.
    public var id: Int64
    /// The execution it belongs to.
    public var executionID: Int64
    /// Its name within the execution.
    public var key: String
    /// What fires.
    public var kind: String
    /// When it fires.
    public var fireAt: Date
    /// Opaque data for the engine.
    public var payload: Data
}

extension PendingTimer {
    static let columns = "id, execution_id, key, kind, fire_at, payload"

    init(row: StoreRow) throws {
        try self.init(
            id: row[0],
            executionID: row[1],
            key: row[2],
            kind: row[3],
            fireAt: Date(millisecondsSince1970: row[4]),
            payload: row[5]
        )
    }
}
