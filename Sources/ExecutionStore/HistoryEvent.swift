import Foundation

/// A history event to append; see ``Transaction/appendHistory(_:executionID:)``.
public struct NewHistoryEvent: Sendable, Hashable {
    /// The AWS event type, e.g. `TaskStateEntered`.
    public var type: String
    /// When it happened.
    public var timestamp: Date
    /// The type-specific details as JSON (e.g. `{"taskScheduledEventDetails": {...}}`), opaque to the store.
    public var details: Data
    /// The id of the event that caused this one; `nil` means the event just before it.
    public var previousEventID: Int64?

    /// Creates an event to append.
    /// - Parameters:
    ///   - type: the AWS event type.
    ///   - timestamp: when it happened.
    ///   - details: the details JSON.
    ///   - previousEventID: the causing event's id; `nil` for the one just before it.
    public init(type: String, timestamp: Date, details: Data = Data("{}".utf8), previousEventID: Int64? = nil) {
        self.type = type
        self.timestamp = timestamp
        self.details = details
        self.previousEventID = previousEventID
    }
}

/// A stored history event, numbered from 1 within its execution as AWS numbers them.
public struct HistoryEvent: Sendable, Hashable {
    /// The execution it belongs to.
    public var executionID: Int64
    /// The event id, 1, 2, 3… within the execution.
    public var id: Int64
    /// The id of the event that caused it (0 for the first event).
    public var previousEventID: Int64
    /// The AWS event type.
    public var type: String
    /// When it happened.
    public var timestamp: Date
    /// The details JSON.
    public var details: Data
}
