import Foundation

/// An error thrown by ``ExecutionStore``.
///
/// The ``code`` says what went wrong in a way callers can switch on; ``message`` is for humans and never holds
/// a payload or a full task token; ``underlying`` keeps the database error when there is one.
public struct ExecutionStoreError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is; an extensible set of codes (new ones may be added).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String, Hashable, Sendable {
            case executionAlreadyExists
            case executionNotFound
            case stateMachineAlreadyExists
            case stateMachineNotFound
            case invalidCursor
            case batchAborted
            case conflict
            case snapshotRequired
            case closed
            case database
        }

        private let value: Value

        private init(_ value: Value) { self.value = value }

        /// An execution with the same ARN already exists.
        public static let executionAlreadyExists = Code(.executionAlreadyExists)
        /// No execution has the given id or ARN.
        public static let executionNotFound = Code(.executionNotFound)
        /// A state machine with the same ARN or name already exists.
        public static let stateMachineAlreadyExists = Code(.stateMachineAlreadyExists)
        /// No state machine has the given ARN (or revision).
        public static let stateMachineNotFound = Code(.stateMachineNotFound)
        /// A pagination cursor was not produced by this store.
        public static let invalidCursor = Code(.invalidCursor)
        /// The transition itself succeeded, but the database aborted the batch transaction it was part of, so nothing
        /// of it was committed; the caller may retry.
        public static let batchAborted = Code(.batchAborted)
        /// A planned transition found the rows it read changed by the time it was applied; nothing of it was
        /// committed and it must be planned again from a fresh snapshot.
        public static let conflict = Code(.conflict)
        /// A plan made without a snapshot (``ExecutionStore/transition(planning:detached:)``) needed a read the
        /// caller could not answer from memory; the store plans it again on a snapshot.
        public static let snapshotRequired = Code(.snapshotRequired)
        /// The store was closed.
        public static let closed = Code(.closed)
        /// The database reported an error; see ``ExecutionStoreError/underlying``.
        public static let database = Code(.database)

        /// The code's name, e.g. `executionAlreadyExists`.
        public var description: String { value.rawValue }
    }

    /// What kind of failure this is.
    public var code: Code
    /// A human-readable explanation, free of payloads and tokens.
    public var message: String
    /// The error that caused this one, if any (typically a ``StoreDatabaseError``).
    public var underlying: (any Error)?

    /// Creates an error.
    /// - Parameters:
    ///   - code: what kind of failure this is.
    ///   - message: a human-readable explanation.
    ///   - underlying: the error that caused this one.
    public init(_ code: Code, message: String, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    /// `code: message` followed by the underlying error, if any.
    public var description: String {
        var text = "\(code): \(message)"
        if let underlying { text += " (\(underlying))" }
        return text
    }
}
